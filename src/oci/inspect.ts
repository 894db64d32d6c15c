import { VouchError } from '../errors.js';
import { defaultLimits, type Limits } from '../limits.js';
import { type Digest, digestTag } from './digest.js';
import type { ImageReader } from './image-store.js';
import { parseImageConfig } from './resolve.js';
import {
  type Descriptor,
  formatPlatform,
  parseManifest,
  type Platform,
  platformMatches,
} from './manifest.js';

export interface InspectedLayer {
  digest: Digest;
  size: number;
  mediaType: string;
}

export interface InspectedImage {
  digest: Digest;
  mediaType: string;
  size: number;
  platform?: string;
  config?: {
    digest: Digest;
    mediaType: string;
    architecture?: string;
    os?: string;
    created?: string;
    labels?: Record<string, string>;
  };
  layers: InspectedLayer[];
  totalLayerBytes: number;
}

export interface InspectResult {
  location: string;
  selector: string;
  digest: Digest;
  mediaType: string;
  size: number;
  /** Set for an index: one entry per child manifest. */
  platforms: string[];
  images: InspectedImage[];
  attachments: {
    signatures?: Digest;
    attestations?: Digest;
    sboms?: Digest;
    referrers: Array<{ digest: Digest; artifactType?: string; mediaType: string; size: number }>;
  };
}

/**
 * Describes what a reference points at: manifest kind, digest, platforms, layers, config, and what is
 * attached (cosign tags and OCI referrers). Reads only manifests and configs, never layers.
 * @throws NOT_FOUND, DIGEST_MISMATCH, INPUT_MALFORMED, REGISTRY_UNREACHABLE
 */
export async function inspectImage(
  reader: ImageReader,
  selector: string,
  opts: { platform?: Platform; limits?: Partial<Limits> } = {},
): Promise<InspectResult> {
  const limits = { ...defaultLimits, ...opts.limits };
  const top = await reader.fetchManifest(selector);
  const parsed = parseManifest(top.bytes, top.mediaType, `manifest ${selector} in ${reader.location}`);
  const images: InspectedImage[] = [];
  let platforms: string[] = [];
  let digest = top.digest;
  let mediaType = top.mediaType;
  let size = top.bytes.byteLength;
  if (parsed.kind === 'index') {
    platforms = parsed.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : 'unknown'));
    let children = parsed.manifests;
    if (opts.platform) {
      const want = opts.platform;
      const child = children.find((m) => platformMatches(want, m.platform));
      if (!child) {
        throw new VouchError(
          'NOT_FOUND',
          `${reader.location}@${top.digest} has no ${formatPlatform(want)} image`,
          {
            hint: `platforms in this index: ${platforms.join(', ') || 'none'}`,
          },
        );
      }
      children = [child];
      digest = child.digest;
      mediaType = child.mediaType;
      size = child.size;
    }
    for (const child of children) images.push(await inspectManifest(reader, child, limits));
  } else {
    images.push(
      await inspectManifest(
        reader,
        { digest: top.digest, mediaType: top.mediaType, size: top.bytes.byteLength },
        limits,
      ),
    );
  }
  const tags = new Set(await reader.listTags());
  const tagged = (suffix: string): Digest | undefined =>
    tags.has(digestTag(digest, suffix)) ? (digestTag(digest, suffix) as unknown as Digest) : undefined;
  const attachments: InspectResult['attachments'] = { referrers: [] };
  for (const [key, suffix] of [
    ['signatures', 'sig'],
    ['attestations', 'att'],
    ['sboms', 'sbom'],
  ] as const) {
    if (tagged(suffix)) attachments[key] = (await reader.resolve(digestTag(digest, suffix))).digest;
  }
  for (const r of await reader.referrers(digest)) {
    attachments.referrers.push({
      digest: r.digest,
      mediaType: r.mediaType,
      size: r.size,
      ...(r.artifactType ? { artifactType: r.artifactType } : {}),
    });
  }
  return {
    location: reader.location,
    selector,
    digest,
    mediaType,
    size,
    platforms,
    images,
    attachments,
  };
}

async function inspectManifest(
  reader: ImageReader,
  desc: Pick<Descriptor, 'digest' | 'mediaType' | 'size' | 'platform'>,
  limits: Limits,
): Promise<InspectedImage> {
  const f = await reader.fetchManifest(desc.digest);
  const m = parseManifest(f.bytes, f.mediaType, `manifest ${desc.digest} in ${reader.location}`);
  if (m.kind === 'index') {
    return {
      digest: f.digest,
      mediaType: f.mediaType,
      size: f.bytes.byteLength,
      layers: [],
      totalLayerBytes: 0,
    };
  }
  const layers = m.layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType }));
  const image: InspectedImage = {
    digest: f.digest,
    mediaType: f.mediaType,
    size: f.bytes.byteLength,
    ...(desc.platform ? { platform: formatPlatform(desc.platform) } : {}),
    layers,
    totalLayerBytes: layers.reduce((n, l) => n + l.size, 0),
  };
  if (m.config.mediaType.includes('config') && m.config.size <= limits.configMaxBytes) {
    const raw = await reader.fetchBlobBytes(m.config, limits.configMaxBytes);
    const cfg = parseImageConfig(raw, `config ${m.config.digest} in ${reader.location}`);
    image.config = {
      digest: m.config.digest,
      mediaType: m.config.mediaType,
      ...pickString(cfg, 'architecture'),
      ...pickString(cfg, 'os'),
      ...pickString(cfg, 'created'),
      ...labels(cfg),
    };
    if (!image.platform && image.config.os && image.config.architecture) {
      image.platform = `${image.config.os}/${image.config.architecture}`;
    }
  } else {
    image.config = { digest: m.config.digest, mediaType: m.config.mediaType };
  }
  return image;
}

function pickString(
  o: Record<string, unknown>,
  k: 'architecture' | 'os' | 'created',
): Record<string, string> {
  const v = o[k];
  return typeof v === 'string' ? { [k]: v } : {};
}

function labels(o: Record<string, unknown>): { labels?: Record<string, string> } {
  const c = o['config'];
  if (typeof c !== 'object' || c === null) return {};
  const l = (c as Record<string, unknown>)['Labels'];
  if (typeof l !== 'object' || l === null) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(l)) if (typeof v === 'string') out[k] = v;
  return Object.keys(out).length > 0 ? { labels: out } : {};
}
