/**
 * One file's bytes as a FileTree, for callers that already hold them (`vouch sbom -` from stdin, a file
 * fetched elsewhere, a lockfile inside another archive). The tree is marked `singleFile`, so a name no
 * cataloger knows is recognised by content, exactly as `vouch sbom <file>` on disk.
 */
import type { FileTree } from '../file-tree.js';

/** A tree holding only `bytes`, under the base name of `name`. */
export function singleFileTree(name: string, bytes: Uint8Array, description = `file:${name}`): FileTree {
  const path = name.slice(name.lastIndexOf('/') + 1) || 'stdin';
  return {
    description,
    singleFile: true,
    rereadable: true,
    async *files(want, o) {
      const candidate = { path, size: bytes.length, mode: 0o644 };
      if (!want(candidate)) return;
      if (bytes.length > o.maxBytes) {
        o.onWarning({ path, message: `skipped: ${bytes.length} bytes is over the ${o.maxBytes}-byte limit` });
        return;
      }
      yield { ...candidate, bytes };
    },
  };
}
