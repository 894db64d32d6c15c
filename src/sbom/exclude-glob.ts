import { VouchError } from '../errors.js';
import type { FileTree } from './file-tree.js';

/**
 * syft's `--exclude` glob, matched against a path relative to the source root written as syft writes
 * it, `./dir/file` (a pattern without the `./` prefix is matched against the path without it): `**`
 * crosses directories, `*` and `?` stay within one path segment, `[abc]` is a character class.
 * @throws USAGE (an empty pattern, or an unclosed `[`)
 */
export function compileExclude(pattern: string): (path: string) => boolean {
  if (pattern === '') throw new VouchError('USAGE', '--exclude needs a glob, e.g. ./node_modules/**');
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch === '*') {
      if (pattern.charAt(i + 1) === '*') {
        i++;
        // `**/` also matches no directory at all (`./**/x` matches `./x`).
        if (pattern.charAt(i + 1) === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new VouchError('USAGE', `--exclude ${pattern}: unclosed [`);
      const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  const matcher = new RegExp(`^${re}$`);
  const dotted = pattern.startsWith('./') || pattern.startsWith('/');
  return (path) => matcher.test(dotted ? `${pattern.startsWith('/') ? '' : '.'}/${path}` : path);
}

/** The same tree without the files any of the patterns match (directories under a `dir/**` go too). */
export function excludeFromTree(tree: FileTree, patterns: readonly string[]): FileTree {
  if (patterns.length === 0) return tree;
  const tests = patterns.map(compileExclude);
  return {
    description: tree.description,
    files: (want, opts) => tree.files((c) => !tests.some((t) => t(c.path)) && want(c), opts),
  };
}
