import { VouchError } from '../errors.js';
import { defaultLimits } from '../limits.js';
import type { Digest } from './digest.js';
import type { ImageReader } from './image-store.js';
import { formatPlatform, parseManifest, type Platform, platformMatches } from './manifest.js';
import { isIndexMediaType } from './media-types.js';

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
  opts: { platform?: Platform; indexDepthMax?: number } = {},
  depth = 0,
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
  const child = m.manifests.find((d) => !isIndexMediaType(d.mediaType) && platformMatches(want, d.platform));
  // An index may list other indexes (nested multi-platform images): look for the platform in them, as
  // deep as indexDepthMax, and name the nesting when it goes deeper rather than the missing platform.
  const nested = m.manifests.filter((d) => isIndexMediaType(d.mediaType));
  if (!child && nested.length > 0) {
    const max = opts.indexDepthMax ?? defaultLimits.indexDepthMax;
    if (depth >= max) {
      throw new VouchError(
        'INPUT_MALFORMED',
        `${reader.location}@${top.digest}: indexes nested more than ${max} deep`,
        {
          hint: 'an image index lists images, or at most a few levels of indexes; this one is hostile or broken',
        },
      );
    }
    for (const n of nested) {
      try {
        const found = await resolveImageDigest(reader, n.digest, opts, depth + 1);
        return { ...found, indexDigest: top.digest };
      } catch (e) {
        if (!(e instanceof VouchError) || e.code !== 'NOT_FOUND') throw e;
      }
    }
  }
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

/**
 * An image config blob as the object it must be (image-spec config.md: a JSON object). A config that is
 * not one is a broken or hostile image, never "no details".
 * @throws INPUT_MALFORMED
 */
export function parseImageConfig(raw: Buffer, what: string): Record<string, unknown> {
  let cfg: unknown;
  try {
    cfg = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: image config is not valid JSON`, {
      cause: e,
      hint: 'the config blob of an image is a JSON object (OCI image-spec config.md)',
    });
  }
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) {
    throw new VouchError('INPUT_MALFORMED', `${what}: image config is not a JSON object`, {
      hint: 'the config blob of an image is a JSON object (OCI image-spec config.md)',
    });
  }
  return cfg as Record<string, unknown>;
}

function parseConfigPlatform(raw: Buffer): Platform | undefined {
  const c = parseImageConfig(raw, 'config');
  if (typeof c['os'] !== 'string' || typeof c['architecture'] !== 'string') return undefined;
  return {
    os: c['os'],
    architecture: c['architecture'],
    ...(typeof c['variant'] === 'string' ? { variant: c['variant'] } : {}),
  };
}
