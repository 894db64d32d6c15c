import { type Digest, digestAlgorithm, digestHex } from './digest.js';
import type { Descriptor, ImageIndex, Manifest } from './manifest.js';
import { MediaType } from './media-types.js';

/**
 * The tag of the referrers fallback index for a subject (distribution-spec v1.1 "Referrers Tag
 * Schema"): `<alg>-<hex>`, the algorithm cut to 32 and the hex to 64 characters.
 */
export function referrersTag(subject: Digest): string {
  return `${digestAlgorithm(subject).slice(0, 32)}-${digestHex(subject).slice(0, 64)}`;
}

/**
 * The descriptor a referrers list holds for a manifest (distribution-spec "Listing Referrers"):
 * artifactType is the manifest's artifactType, else its config mediaType; annotations are copied.
 */
export function referrerDescriptor(manifest: Manifest, digest: Digest, size: number): Descriptor {
  const artifactType =
    manifest.artifactType ?? (manifest.kind === 'manifest' ? manifest.config.mediaType : undefined);
  return {
    mediaType: manifest.mediaType,
    digest,
    size,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
  };
}

/**
 * The fallback index with `desc` added (replacing an entry with the same digest), as bytes to push
 * under referrersTag(subject). Entries already there are kept in order.
 */
export function withReferrer(existing: ImageIndex | undefined, desc: Descriptor): Buffer {
  const manifests = (existing?.manifests ?? []).filter((d) => d.digest !== desc.digest);
  manifests.push(desc);
  const doc = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests,
    ...(existing?.annotations ? { annotations: existing.annotations } : {}),
  };
  return Buffer.from(JSON.stringify(doc));
}

/** Referrers whose artifactType is the one asked for (all when none is asked for). */
export function filterReferrers(
  descs: readonly Descriptor[],
  artifactType: string | undefined,
): Descriptor[] {
  return artifactType === undefined ? [...descs] : descs.filter((d) => d.artifactType === artifactType);
}
