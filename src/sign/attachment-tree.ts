import { describeCause, VouchError } from '../errors.js';
import { type Digest, digestTag } from '../oci/index.js';
import type { ImageReader } from '../oci/index.js';
import { parseManifest } from '../oci/index.js';
import { fetchCosignManifest } from './cosign-storage.js';

/** The cosign attachment tags, in the order `cosign tree` collects them. */
export const ATTACHMENT_TAG_KINDS = [
  { kind: 'attestations', suffix: 'att' },
  { kind: 'signatures', suffix: 'sig' },
  { kind: 'sboms', suffix: 'sbom' },
] as const;

export type AttachmentTagKind = (typeof ATTACHMENT_TAG_KINDS)[number]['kind'];

/** What is attached to one image: cosign's `sha256-<hex>.{att,sig,sbom}` tags and OCI 1.1 referrers. */
export interface AttachmentTree {
  imageDigest: Digest;
  tags: { kind: AttachmentTagKind; tag: string; layers: Digest[] }[];
  referrers: { artifactType: string; digest: Digest; layers: Digest[] }[];
  /** What was seen but could not be read (a foreign manifest under a cosign tag, a broken referrer). */
  problems: string[];
}

/**
 * Lists what is attached to `imageDigest`, as `cosign tree` shows it: each attachment tag with its
 * layer digests (only tags with layers), then each referrer that has an artifactType with its layers.
 * Nothing is verified: this is an inventory, and says so.
 * @throws REGISTRY_UNREACHABLE, AUTH_FAILED, and other environment errors of the store
 */
export async function readAttachmentTree(reader: ImageReader, imageDigest: Digest): Promise<AttachmentTree> {
  const problems: string[] = [];
  const tags: AttachmentTree['tags'] = [];
  for (const { kind, suffix } of ATTACHMENT_TAG_KINDS) {
    const tag = digestTag(imageDigest, suffix);
    try {
      const m = await fetchCosignManifest(reader, tag);
      if (m && m.layers.length > 0) tags.push({ kind, tag, layers: m.layers.map((l) => l.digest) });
    } catch (e) {
      if (!isContentError(e)) throw e;
      problems.push(`${reader.location}:${tag}: ${describeCause(e)}`);
    }
  }
  const referrers: AttachmentTree['referrers'] = [];
  for (const d of await reader.referrers(imageDigest)) {
    if (d.artifactType === undefined || d.artifactType === '') continue;
    try {
      const f = await reader.fetchManifest(d.digest);
      const m = parseManifest(f.bytes, f.mediaType, `${reader.location}@${d.digest}`);
      referrers.push({
        artifactType: d.artifactType,
        digest: f.digest,
        layers: m.kind === 'manifest' ? m.layers.map((l) => l.digest) : m.manifests.map((x) => x.digest),
      });
    } catch (e) {
      if (!isContentError(e)) throw e;
      problems.push(`${reader.location}@${d.digest}: ${describeCause(e)}`);
    }
  }
  return { imageDigest, tags, referrers, problems };
}

/** Errors about one attachment's content: reported, while an unreachable store still fails the call. */
function isContentError(e: unknown): boolean {
  return (
    e instanceof VouchError &&
    ['MEDIA_TYPE_UNSUPPORTED', 'INPUT_MALFORMED', 'INPUT_TOO_LARGE', 'DIGEST_MISMATCH', 'NOT_FOUND'].includes(
      e.code,
    )
  );
}
