import { VouchError } from '../errors.js';

/** The archive root itself (`./` entries that docker and tar emit for the top directory). */
export const ROOT_PATH = '.';

/**
 * Normalises a tar entry name to a clean relative path (`./usr//bin/` -> `usr/bin`, `./` -> `.`).
 * Attacker model: a layer or archive is hostile input; an entry that climbs out of the root (`..`
 * component) or names an absolute path would, once extracted or merged, write outside the tree it
 * belongs to (the "zip slip" family), so it is refused rather than silently rewritten.
 * @throws UNSAFE_PATH
 */
export function normalizeEntryPath(name: string, what = 'archive entry'): string {
  if (name.includes('\0')) {
    throw new VouchError('UNSAFE_PATH', `${what} "${clip(name)}": contains a NUL byte`);
  }
  if (name.startsWith('/')) {
    throw new VouchError('UNSAFE_PATH', `${what} "${clip(name)}": absolute path`, {
      hint: 'archive entries must be relative to the archive root; this archive may be hostile',
    });
  }
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      throw new VouchError('UNSAFE_PATH', `${what} "${clip(name)}": ".." climbs out of the archive root`, {
        hint: 'archive entries must stay inside the archive root; this archive may be hostile',
      });
    }
    parts.push(part);
  }
  return parts.length === 0 ? ROOT_PATH : parts.join('/');
}

/** The parent directory of a normalised path (`a/b/c` -> `a/b`, `a` -> `.`). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? ROOT_PATH : path.slice(0, i);
}

/** Every proper ancestor of a normalised path, nearest last: `a/b/c` -> [`a`, `a/b`]. */
export function ancestorPaths(path: string): string[] {
  const out: string[] = [];
  let i = path.indexOf('/');
  while (i >= 0) {
    out.push(path.slice(0, i));
    i = path.indexOf('/', i + 1);
  }
  return out;
}

/**
 * Resolves a symlink target lexically against the link's directory, as seen from the archive root.
 * Absolute targets are root-relative (inside an image filesystem `/` is the image root). Returns
 * null when the target climbs above the root.
 */
export function resolveLinkTarget(linkPath: string, target: string): string | null {
  const base = target.startsWith('/')
    ? []
    : parentPath(linkPath)
        .split('/')
        .filter((p) => p !== ROOT_PATH);
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (base.length === 0) return null;
      base.pop();
      continue;
    }
    base.push(part);
  }
  return base.length === 0 ? ROOT_PATH : base.join('/');
}

function clip(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 120 ? `${printable.slice(0, 117)}...` : printable;
}
