/**
 * An image's merged filesystem as a FileTree: the adapter between src/archive's walkLayers (whiteouts
 * and opaque directories honoured, top layer first, each entry tagged with its layer digest) and the
 * SBOM generator. Layers are streamed; only the regular files a cataloger asks for are buffered, each
 * bounded by maxBytes. The caller (CLI / image sources) opens the layers from a registry, an OCI layout
 * or a docker archive and passes them in as LayerSources.
 */
import { type LayerSource, walkLayers } from '../../archive/index.js';
import { VouchError } from '../../errors.js';
import type { Limits } from '../../limits.js';
import type { FileCandidate, FileTree, TreeFile, TreeWarning } from '../file-tree.js';

export interface ImageLayersTreeOptions {
  /** Source description, e.g. `registry:127.0.0.1:5000/app@sha256:...`. */
  description: string;
  limits?: Partial<Limits>;
}

async function readBody(body: AsyncIterable<unknown>, size: number, what: string): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let off = 0;
  for await (const chunk of body) {
    if (!(chunk instanceof Uint8Array))
      throw new VouchError('INTERNAL', `${what}: tar body yielded a non-byte chunk`);
    const b = chunk;
    // The tar header's size bounds the entry; the reader enforces it, this keeps the copy honest.
    if (off + b.length > size)
      throw new VouchError('INPUT_MALFORMED', `${what}: entry longer than its header says`);
    out.set(b, off);
    off += b.length;
  }
  if (off !== size) throw new VouchError('INPUT_MALFORMED', `${what}: entry shorter than its header says`);
  return out;
}

/** A FileTree over an image's layers (base first, as the manifest lists them). */
export function openImageLayersTree(layers: readonly LayerSource[], opts: ImageLayersTreeOptions): FileTree {
  return {
    description: opts.description,
    async *files(
      want: (c: FileCandidate) => boolean,
      o: { maxBytes: number; onWarning: (w: TreeWarning) => void },
    ): AsyncIterable<TreeFile> {
      const entries = walkLayers(layers, {
        what: opts.description,
        ...(opts.limits ? { limits: opts.limits } : {}),
      });
      for await (const e of entries) {
        // Symlinks are not followed: the files they name are visited under their own paths (Debian's
        // etc/os-release -> ../usr/lib/os-release is read as usr/lib/os-release).
        if (e.header.type !== 'file') continue;
        const c: FileCandidate = { path: e.header.path, size: e.header.size, mode: e.header.mode };
        if (!want(c)) continue;
        if (c.size > o.maxBytes) {
          o.onWarning({
            path: c.path,
            message: `skipped: ${c.size} bytes is over the ${o.maxBytes}-byte limit`,
          });
          continue;
        }
        const bytes = await readBody(e.body, c.size, `${opts.description}: ${c.path}`);
        yield { ...c, bytes, layer: e.layer };
      }
    },
  };
}
