import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { isAbsolute, posix, resolve } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { VouchError } from '../errors.js';

/**
 * Records artifacts (paths → sha256) as the reference implementation's FileResolver does: each path is
 * normalised (`os.path.normpath`), excluded paths are dropped by gitignore-style patterns (pathspec's
 * GitIgnoreSpec; default `*.link*`, `.git`, `*.pyc`, `*~`), directories are walked (following
 * symlinked directories, as in-toto-run does), broken symlinks are skipped, `--lstrip-paths` prefixes
 * are removed, and line endings optionally normalised (CRLF and CR to LF) before hashing.
 * Unlike the reference, a symlink loop is refused instead of walked until the OS gives up.
 */
export const DEFAULT_EXCLUDES: readonly string[] = ['*.link*', '.git', '*.pyc', '*~'];

export interface RecordOptions {
  /** Where relative paths are looked up (in-toto's --base-path); not part of the recorded names. */
  readonly basePath: string;
  readonly exclude?: readonly string[];
  readonly followSymlinkDirs?: boolean;
  readonly normalizeLineEndings?: boolean;
  readonly lstripPaths?: readonly string[];
  /** At most this many files (a bound on hostile trees). */
  readonly maxFiles?: number;
}

export type RecordedArtifacts = Map<string, { sha256: string }>;

/** Python's os.path.normpath for POSIX paths. */
export function normpath(p: string): string {
  if (p === '') return '.';
  const initial = p.startsWith('/') ? (p.startsWith('//') && !p.startsWith('///') ? '//' : '/') : '';
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..' || (!initial && out.length === 0) || out.at(-1) === '..') out.push(part);
    else if (out.length > 0) out.pop();
  }
  const joined = initial + out.join('/');
  return joined || '.';
}

function excluder(patterns: readonly string[]): (path: string) => boolean {
  const ig: Ignore = ignore({ allowRelativePaths: true }).add([...patterns]);
  return (path) => {
    // `ignore` takes relative paths only; pathspec matches patterns against the path's text, so the
    // leading `/` or `../` segments are dropped before asking.
    const rel = path.replace(/^(?:\/+|(?:\.\.\/)+)/, '');
    if (rel === '' || rel === '.' || rel === '..') return false;
    return ig.ignores(rel);
  };
}

// One buffer reused for every file: recording walks thousands of small files, and per-file streams
// and allocations cost more than the hashing (measured: 3× the CPU of the reference on 10,000 files).
const CHUNK = Buffer.allocUnsafe(1024 * 1024);

function hashFile(path: string, normalize: boolean): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    let pendingCr = false;
    for (;;) {
      const n = readSync(fd, CHUNK, 0, CHUNK.length, null);
      if (n === 0) break;
      if (!normalize) {
        h.update(CHUNK.subarray(0, n));
        continue;
      }
      let text: string = (pendingCr ? '\r' : '') + CHUNK.toString('latin1', 0, n);
      // A CR at the end of a chunk may be the first half of a CRLF: keep it for the next chunk.
      pendingCr = text.endsWith('\r');
      if (pendingCr) text = text.slice(0, -1);
      h.update(Buffer.from(text.replace(/\r\n/g, '\n').replace(/\r/g, '\n'), 'latin1'));
    }
    if (pendingCr) h.update('\n');
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    // A broken symlink, or a file removed while walking: not an artifact.
    return undefined;
  }
}

/** Records the artifacts at `paths`. @throws UNSAFE_PATH for a symlink loop, INPUT_TOO_LARGE past maxFiles */
export async function recordArtifacts(
  paths: readonly string[],
  opts: RecordOptions,
): Promise<RecordedArtifacts> {
  const excluded = excluder(opts.exclude ?? DEFAULT_EXCLUDES);
  const lstrip = opts.lstripPaths ?? [];
  for (const a of lstrip) {
    for (const b of lstrip) {
      if (a !== b && a.startsWith(b)) {
        throw new VouchError(
          'USAGE',
          `--lstrip-paths: '${a}' and '${b}' overlap (one is a prefix of the other)`,
        );
      }
    }
  }
  const follow = opts.followSymlinkDirs ?? true;
  const maxFiles = opts.maxFiles ?? 1_000_000;
  const files: string[] = [];
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(opts.basePath, p));

  function walk(dir: string, ancestors: readonly string[]): void {
    const real = realpathSync(abs(dir));
    if (ancestors.includes(real)) {
      throw new VouchError('UNSAFE_PATH', `${dir}: a symbolic link loops back to ${real}`, {
        hint: 'remove the loop or exclude the directory with --exclude',
      });
    }
    const entries = readdirSync(abs(dir), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = normpath(posix.join(dir, e.name));
      if (excluded(p)) continue;
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const target = statOrUndefined(abs(p));
        if (!target) continue; // a broken symlink: skipped, as the reference does
        isDir = target.isDirectory() && follow;
        isFile = target.isFile();
      }
      if (isDir) walk(p, [...ancestors, real]);
      else if (isFile) {
        files.push(p);
        if (files.length > maxFiles) {
          throw new VouchError('INPUT_TOO_LARGE', `more than ${maxFiles} files to record`, {
            hint: 'narrow the paths or use --exclude',
          });
        }
      }
    }
  }

  for (const raw of paths) {
    const p = normpath(raw);
    if (excluded(p)) continue;
    const st = await stat(abs(p)).catch(() => undefined);
    if (!st) continue; // the reference skips paths that do not exist
    if (st.isFile()) files.push(p);
    else if (st.isDirectory()) {
      const l = await lstat(abs(p));
      if (l.isSymbolicLink() && !follow) continue;
      walk(p, []);
    }
  }

  const out: RecordedArtifacts = new Map();
  const names = files.map((f) => {
    let name = f;
    for (const prefix of lstrip) {
      if (name.startsWith(prefix)) {
        name = name.slice(prefix.length);
        break;
      }
    }
    return name;
  });
  if (lstrip.length > 0 && new Set(names).size !== names.length) {
    throw new VouchError('USAGE', '--lstrip-paths makes two artifacts share one name', {
      hint: 'strip a shorter prefix',
    });
  }
  const normalize = opts.normalizeLineEndings ?? false;
  const hashes = files.map((f) => hashFile(abs(f), normalize));
  names.forEach((n, i) => {
    out.set(n, { sha256: hashes[i] ?? '' });
  });
  return out;
}
