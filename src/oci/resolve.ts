import { VouchError } from '../errors.js';
import type { Digest } from './digest.js';
import type { ImageReader } from './image-store.js';
import { formatPlatform, parseManifest, type Platform, platformMatches } from './manifest.js';

export interface ResolvedDigest {
  digest: Digest;
  mediaType: string;
  /** Set when a platform was selected out of an index. */
  platform?: string;
  /** The index digest the platform manifest was selected from. */
  indexDigest?: Digest;
}

/**
 * Resolves a tag (or digest) to the digest of the bytes the store serves, hashing what was received;
 * with a platform, the digest of that platform's manifest inside an index.
 * @throws NOT_FOUND, DIGEST_MISMATCH, INPUT_TOO_LARGE, REGISTRY_UNREACHABLE
 */
export async function resolveImageDigest(
  reader: ImageReader,
  selector: string,
  opts: { platform?: Platform } = {},
): Promise<ResolvedDigest> {
  const top = await reader.fetchManifest(selector);
  if (!opts.platform) return { digest: top.digest, mediaType: top.mediaType };
  const m = parseManifest(top.bytes, top.mediaType, `manifest ${selector} in ${reader.location}`);
  if (m.kind !== 'index') {
    // A single-platform image: its config says which platform it is; accept it only if it matches.
    const cfg = parseConfigPlatform(await reader.fetchBlobBytes(m.config));
    if (cfg && !platformMatches(opts.platform, cfg)) {
      throw new VouchError(
        'NOT_FOUND',
        `${reader.location}@${top.digest} is ${formatPlatform(cfg)}, not ${formatPlatform(opts.platform)}`,
      );
    }
    return { digest: top.digest, mediaType: top.mediaType, platform: formatPlatform(cfg ?? opts.platform) };
  }
  const want = opts.platform;
  const child = m.manifests.find((d) => platformMatches(want, d.platform));
  if (!child) {
    throw new VouchError(
      'NOT_FOUND',
      `${reader.location}@${top.digest} has no ${formatPlatform(want)} image`,
      {
        hint: `platforms in this index: ${m.manifests.map((d) => (d.platform ? formatPlatform(d.platform) : '?')).join(', ')}`,
      },
    );
  }
  return {
    digest: child.digest,
    mediaType: child.mediaType,
    platform: formatPlatform(child.platform ?? want),
    indexDigest: top.digest,
  };
}

function parseConfigPlatform(raw: Buffer): Platform | undefined {
  let cfg: unknown;
  try {
    cfg = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', 'image config is not valid JSON', { cause: e });
  }
  if (typeof cfg !== 'object' || cfg === null) return undefined;
  const c = cfg as Record<string, unknown>;
  if (typeof c['os'] !== 'string' || typeof c['architecture'] !== 'string') return undefined;
  return {
    os: c['os'],
    architecture: c['architecture'],
    ...(typeof c['variant'] === 'string' ? { variant: c['variant'] } : {}),
  };
}
