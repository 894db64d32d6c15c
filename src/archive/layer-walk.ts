import { VouchError } from '../errors.js';
import type { Limits } from '../limits.js';
import type { Digest } from '../digest.js';
import { ancestorPaths, parentPath, ROOT_PATH } from './entry-path.js';
import { readTar, type TarEntry } from './tar-reader.js';

/** One layer of an image, base first as a manifest lists them. */
export interface LayerSource {
  /** The layer blob's digest, reported on every entry that comes from it. */
  digest: Digest;
  /** Opens the layer's bytes, compressed or not (gzip is sniffed), ideally digest-verified as they flow. */
  open(): Promise<AsyncIterable<Uint8Array>>;
}

export interface LayerEntry extends TarEntry {
  /** The layer the entry's final version comes from. */
  layer: Digest;
}

export interface WalkLayersOptions {
  /** Names the image in messages. */
  what: string;
  limits?: Partial<Limits>;
  /** Passed to readTar: relative symlinks that climb above the root are refused unless 'allow'. */
  symlinkEscape?: 'reject' | 'allow';
}

// OCI image-spec layer.md "Whiteouts": `.wh.<name>` deletes <name> from lower layers, and
// `.wh..wh..opq` in a directory hides everything lower layers put in it.
const WHITEOUT_PREFIX = '.wh.';
const OPAQUE = '.wh..wh..opq';

/**
 * Yields the entries of an image's merged filesystem lazily, layer by layer, top layer first: an entry
 * is yielded once, from the highest layer that has it, and never when an upper layer deletes it
 * (whiteout), clears its directory (opaque whiteout) or replaces one of its ancestor directories with a
 * non-directory. Whiteout markers themselves are not yielded; neither is the root entry. Only the
 * paths seen so far are kept in memory, never file contents. A non-directory path that appears twice in
 * one layer is refused (INPUT_MALFORMED), since only the last copy would be extracted. Device files are reported, not refused,
 * since base images may carry them; each layer is read with readTar's other protections.
 * @throws UNSAFE_PATH, INPUT_TOO_LARGE, INPUT_MALFORMED, UNSUPPORTED, and whatever `open` throws
 */
export async function* walkLayers(
  layers: readonly LayerSource[],
  opts: WalkLayersOptions,
): AsyncGenerator<LayerEntry> {
  const present = new Set<string>(); // paths an upper layer already decided
  const deleted = new Set<string>(); // whiteouts from upper layers: the path and all below it
  const opaque = new Set<string>(); // directories whose lower content upper layers hid
  const nonDirs = new Set<string>(); // upper-layer non-directories: nothing lower can live below them
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i] as LayerSource;
    const what = `${opts.what}: layer ${layer.digest}`;
    const seenHere = new Set<string>();
    const inLayer = new Map<string, boolean>(); // every path of this layer -> is a directory
    const deletedHere: string[] = [];
    const opaqueHere: string[] = [];
    const entries = readTar(await layer.open(), {
      what,
      specialFiles: 'report',
      ...(opts.limits ? { limits: opts.limits } : {}),
      ...(opts.symlinkEscape ? { symlinkEscape: opts.symlinkEscape } : {}),
    });
    for await (const entry of entries) {
      const path = entry.header.path;
      if (path === ROOT_PATH) continue;
      const slash = path.lastIndexOf('/');
      const base = slash < 0 ? path : path.slice(slash + 1);
      if (base.startsWith(WHITEOUT_PREFIX)) {
        const dir = parentPath(path);
        if (base === OPAQUE) {
          opaqueHere.push(dir);
          continue;
        }
        const name = base.slice(WHITEOUT_PREFIX.length);
        // `.wh..wh.*` other than the opaque marker is aufs bookkeeping (e.g. `.wh..wh.plnk`): skipped.
        if (name.startsWith(WHITEOUT_PREFIX)) continue;
        if (name === '' || name === '.' || name === '..') {
          throw new VouchError('UNSAFE_PATH', `${what}: whiteout "${path}" names no file`);
        }
        deletedHere.push(dir === ROOT_PATH ? name : `${dir}/${name}`);
        continue;
      }
      // Tar semantics make the last of two same-path entries win on extraction, but a single streaming
      // pass has already reported the first: an attacker could show scanners one file and run another.
      // Repeated directories only restate metadata and are tolerated; anything else is refused.
      const isDir = entry.header.type === 'directory';
      const earlier = inLayer.get(path);
      if (earlier !== undefined) {
        if (earlier && isDir) continue;
        throw new VouchError('INPUT_MALFORMED', `${what}: "${path}" appears twice in one layer`, {
          hint: 'a layer that carries two versions of a path may be hiding one of them; rebuild it',
        });
      }
      inLayer.set(path, isDir);
      if (present.has(path) || deleted.has(path) || hiddenByAncestor(path)) continue;
      seenHere.add(path);
      if (!isDir) nonDirs.add(path);
      yield { ...entry, layer: layer.digest };
    }
    for (const p of seenHere) present.add(p);
    for (const p of deletedHere) deleted.add(p);
    for (const p of opaqueHere) opaque.add(p);
  }

  function hiddenByAncestor(path: string): boolean {
    for (const a of ancestorPaths(path)) {
      if (deleted.has(a) || opaque.has(a)) return true;
      if (nonDirs.has(a) && present.has(a)) return true;
    }
    return opaque.has(ROOT_PATH);
  }
}
