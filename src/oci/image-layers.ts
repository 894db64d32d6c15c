import { VouchError } from '../errors.js';
import type { Digest } from './digest.js';
import type { ImageReader } from './image-store.js';
import { type ImageManifest, parseManifest } from './manifest.js';

/** One layer of an image, opened lazily and verified against its digest as it streams. */
export interface ImageLayer {
  digest: Digest;
  size: number;
  mediaType: string;
  open(): Promise<AsyncIterable<Uint8Array>>;
}

/**
 * The layers of one image manifest (base first), ready for walkLayers / the SBOM image tree.
 * @throws INPUT_MALFORMED when `digest` names an index (a platform must be chosen first), and as
 *   ImageReader.fetchManifest
 */
export async function imageLayers(
  reader: ImageReader,
  digest: Digest,
): Promise<{ manifest: ImageManifest; layers: ImageLayer[] }> {
  const fetched = await reader.fetchManifest(digest);
  const manifest = parseManifest(
    fetched.bytes,
    fetched.mediaType,
    `manifest ${digest} in ${reader.location}`,
  );
  if (manifest.kind !== 'manifest') {
    throw new VouchError('INPUT_MALFORMED', `${reader.location}@${digest} is an index, not one image`, {
      hint: 'choose one platform with --platform os/arch',
    });
  }
  return {
    manifest,
    layers: manifest.layers.map((l) => ({
      digest: l.digest,
      size: l.size,
      mediaType: l.mediaType,
      open: async () => reader.fetchBlob(l),
    })),
  };
}
