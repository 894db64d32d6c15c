/**
 * A directory on disk as a FileTree (`dir:path` or a bare path). The tree is untrusted: a symlink may
 * point anywhere (`/etc`, `..`, itself), so links are resolved and followed only while they stay inside
 * the root, each real directory is entered at most once (loop safety), and unreadable directories
 * become warnings rather than aborting the scan.
 */
import type { Dirent } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { VouchError, describeCause } from '../../errors.js';
import type { FileCandidate, FileTree, TreeFile, TreeWarning } from '../file-tree.js';

export interface DirTreeOptions {
  /**
   * `auto` (default) skips a `node_modules` that sits next to a lockfile (the lockfile is the complete,
   * authoritative list and reading thousands of package.json files would only repeat it); `always`
   * reads installed packages everywhere; `never` skips every node_modules.
   */
  nodeModules?: 'auto' | 'always' | 'never';
}

/** Version-control metadata holds no packages, and can be huge. */
const ALWAYS_SKIPPED = new Set(['.git', '.hg', '.svn']);
const NODE_LOCKFILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
];

function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Opens a directory (or one file) as a FileTree. @throws FILE_NOT_FOUND, IO_ERROR */
export async function openDirTree(path: string, opts: DirTreeOptions = {}): Promise<FileTree> {
  let root: string;
  try {
    root = await realpath(path);
  } catch (e) {
    throw new VouchError('FILE_NOT_FOUND', `${path}: no such file or directory`, { cause: e });
  }
  const st = await stat(root).catch((e: unknown) => {
    throw new VouchError('IO_ERROR', `${path}: ${describeCause(e)}`, { cause: e });
  });
  const nodeModules = opts.nodeModules ?? 'auto';
  return {
    description: `dir:${path}`,
    ...(st.isDirectory() ? {} : { singleFile: true }),
    rereadable: true,
    files: st.isDirectory()
      ? (want, o) => walkDir(root, nodeModules, want, o)
      : (want, o) => singleFile(root, st.size, st.mode, want, o),
  };
}

async function* singleFile(
  real: string,
  size: number,
  mode: number,
  want: (c: FileCandidate) => boolean,
  o: { maxBytes: number; onWarning: (w: TreeWarning) => void },
): AsyncIterable<TreeFile> {
  const c: FileCandidate = { path: basename(real), size, mode: mode & 0o7777 };
  if (!want(c)) return;
  const bytes = await readBounded(real, c, o);
  if (bytes) yield { ...c, bytes };
}

async function readBounded(
  real: string,
  c: FileCandidate,
  o: { maxBytes: number; onWarning: (w: TreeWarning) => void },
): Promise<Uint8Array | undefined> {
  if (c.size > o.maxBytes) {
    o.onWarning({ path: c.path, message: `skipped: ${c.size} bytes is over the ${o.maxBytes}-byte limit` });
    return undefined;
  }
  try {
    const fh = await open(real, 'r');
    try {
      // Read at most the size stat reported (+1 to notice growth): a file that grows while we read it
      // cannot push us past the limit.
      const buf = new Uint8Array(c.size + 1);
      let off = 0;
      while (off < buf.length) {
        const { bytesRead } = await fh.read(buf, off, buf.length - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      if (off > c.size) {
        o.onWarning({ path: c.path, message: 'skipped: the file grew while it was read' });
        return undefined;
      }
      return buf.subarray(0, off);
    } finally {
      await fh.close();
    }
  } catch (e) {
    o.onWarning({ path: c.path, message: `unreadable: ${describeCause(e)}` });
    return undefined;
  }
}

async function* walkDir(
  root: string,
  nodeModules: 'auto' | 'always' | 'never',
  want: (c: FileCandidate) => boolean,
  o: { maxBytes: number; onWarning: (w: TreeWarning) => void },
): AsyncIterable<TreeFile> {
  const visited = new Set<string>([root]);
  // Explicit stack, not recursion: a deep tree cannot exhaust the call stack.
  const stack: Array<{ real: string; rel: string }> = [{ real: root, rel: '' }];
  while (stack.length > 0) {
    const dir = stack.pop();
    if (!dir) break;
    let entries: Dirent[];
    try {
      entries = await readdir(dir.real, { withFileTypes: true });
    } catch (e) {
      o.onWarning({ path: dir.rel || '.', message: `unreadable directory: ${describeCause(e)}` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    const names = new Set(entries.map((e) => e.name));
    const hasLockfile = NODE_LOCKFILES.some((n) => names.has(n));
    const subdirs: Array<{ real: string; rel: string }> = [];
    for (const entry of entries) {
      const rel = dir.rel ? `${dir.rel}/${entry.name}` : entry.name;
      let real = join(dir.real, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(real);
        } catch (e) {
          o.onWarning({ path: rel, message: `dangling or looping symlink: ${describeCause(e)}` });
          continue;
        }
        if (!isInside(root, target)) {
          o.onWarning({ path: rel, message: 'symlink points outside the scanned directory; not followed' });
          continue;
        }
        const ts = await stat(target).catch(() => undefined);
        if (!ts) continue;
        real = target;
        isDir = ts.isDirectory();
        isFile = ts.isFile();
      }
      if (isDir) {
        if (ALWAYS_SKIPPED.has(entry.name)) continue;
        if (
          entry.name === 'node_modules' &&
          (nodeModules === 'never' || (nodeModules === 'auto' && hasLockfile))
        )
          continue;
        const key = await realpath(real).catch(() => real);
        if (visited.has(key)) continue;
        visited.add(key);
        subdirs.push({ real: key, rel });
      } else if (isFile) {
        const st = await stat(real).catch((e: unknown) => {
          o.onWarning({ path: rel, message: `unreadable: ${describeCause(e)}` });
          return undefined;
        });
        if (!st) continue;
        const c: FileCandidate = { path: rel, size: st.size, mode: st.mode & 0o7777 };
        if (!want(c)) continue;
        const bytes = await readBounded(real, c, o);
        if (bytes) yield { ...c, bytes };
      }
    }
    // Pushed in reverse name order so they pop in name order: the walk order is stable.
    for (const s of subdirs) stack.push(s);
  }
}
