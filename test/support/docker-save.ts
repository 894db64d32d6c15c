import { type TarWriteEntry, writeTar } from '../../src/archive/index.js';
import { digestHex } from '../../src/oci/digest.js';
import type { ComposedImage } from '../../src/oci/image-builder.js';

export interface SavedImage {
  image: ComposedImage;
  repoTags: string[];
}

/**
 * Writes a `docker save` archive for images composed in memory, with uncompressed layers as docker
 * writes them. `legacy` is the pre-25 layout (`<hex>.json`, `<id>/layer.tar`, `repositories`); `oci`
 * is Docker 25+'s (`blobs/sha256/<hex>`, `index.json`, `oci-layout`, plus manifest.json).
 */
export function dockerSave(images: SavedImage[], format: 'legacy' | 'oci', mtime = 0): Buffer {
  const files = new Map<string, TarWriteEntry>();
  const put = (e: TarWriteEntry): void => {
    files.set(e.path, e);
  };
  const manifest: Record<string, unknown>[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { image, repoTags } of images) {
    const configHex = digestHex(image.config.descriptor.digest);
    const layers: string[] = [];
    if (format === 'legacy') {
      put({ path: `${configHex}.json`, type: 'file', content: image.config.bytes });
      for (const layer of image.layers) {
        const id = digestHex(layer.diffId);
        put({ path: id, type: 'directory' });
        put({ path: `${id}/layer.tar`, type: 'file', content: layer.tar });
        put({ path: `${id}/VERSION`, type: 'file', content: '1.0' });
        put({ path: `${id}/json`, type: 'file', content: JSON.stringify({ id }) });
        layers.push(`${id}/layer.tar`);
      }
      const top = image.layers.at(-1);
      for (const t of repoTags) {
        const i = t.lastIndexOf(':');
        const repo = t.slice(0, i);
        repositories[repo] = {
          ...repositories[repo],
          [t.slice(i + 1)]: top ? digestHex(top.diffId) : configHex,
        };
      }
      manifest.push({ Config: `${configHex}.json`, RepoTags: repoTags, Layers: layers });
    } else {
      put({ path: 'blobs', type: 'directory' });
      put({ path: 'blobs/sha256', type: 'directory' });
      put({ path: `blobs/sha256/${configHex}`, type: 'file', content: image.config.bytes });
      for (const layer of image.layers) {
        put({ path: `blobs/sha256/${digestHex(layer.diffId)}`, type: 'file', content: layer.tar });
        layers.push(`blobs/sha256/${digestHex(layer.diffId)}`);
      }
      manifest.push({ Config: `blobs/sha256/${configHex}`, RepoTags: repoTags, Layers: layers });
    }
  }
  put({ path: 'manifest.json', type: 'file', content: JSON.stringify(manifest) });
  if (format === 'legacy') put({ path: 'repositories', type: 'file', content: JSON.stringify(repositories) });
  else {
    put({ path: 'oci-layout', type: 'file', content: '{"imageLayoutVersion":"1.0.0"}' });
    put({ path: 'index.json', type: 'file', content: '{"schemaVersion":2,"manifests":[]}' });
  }
  return writeTar([...files.values()], { mtime });
}
