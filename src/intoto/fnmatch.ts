/**
 * Python's `fnmatch.fnmatch` on POSIX, which the in-toto reference uses for artifact rule patterns:
 * `*` matches any run of characters *including* `/`, `?` one character, `[seq]` / `[!seq]` a class
 * (ranges `a-z` included); matching is case-sensitive (POSIX `normcase` is the identity).
 *
 * Matched without regular expressions: patterns come from a layout, which may be hostile, and a
 * pattern such as `*a*a*a*a*b` makes a backtracking regex engine polynomial in the path length. The
 * greedy two-pointer algorithm below only ever backtracks to the last star: O(path × pattern).
 */
type Token =
  | { kind: 'star' }
  | { kind: 'any' }
  | { kind: 'char'; ch: string }
  | { kind: 'class'; negate: boolean; items: Array<[string, string]> };

const cache = new Map<string, Token[]>();

function compile(pattern: string): Token[] {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const chars = [...pattern];
  const tokens: Token[] = [];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i] ?? '';
    i += 1;
    if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '[') {
      let j = i;
      if (chars[j] === '!') j += 1;
      if (chars[j] === ']') j += 1;
      while (j < chars.length && chars[j] !== ']') j += 1;
      if (j >= chars.length) {
        tokens.push({ kind: 'char', ch: '[' });
        continue;
      }
      let body = chars.slice(i, j);
      i = j + 1;
      let negate = false;
      if (body[0] === '!') {
        negate = true;
        body = body.slice(1);
      }
      const items: Array<[string, string]> = [];
      for (let k = 0; k < body.length; k++) {
        const a = body[k] ?? '';
        const dash = body[k + 1];
        const b = body[k + 2];
        if (dash === '-' && b !== undefined) {
          // Python drops a reversed range (z-a) instead of failing.
          if (a <= b) items.push([a, b]);
          k += 2;
        } else items.push([a, a]);
      }
      tokens.push({ kind: 'class', negate, items });
    } else tokens.push({ kind: 'char', ch: c });
  }
  if (cache.size > 4096) cache.clear();
  cache.set(pattern, tokens);
  return tokens;
}

function single(t: Token, ch: string): boolean {
  switch (t.kind) {
    case 'any':
      return true;
    case 'char':
      return t.ch === ch;
    case 'class': {
      const cp = ch.codePointAt(0) ?? 0;
      const inside = t.items.some(([a, b]) => cp >= (a.codePointAt(0) ?? 0) && cp <= (b.codePointAt(0) ?? 0));
      return t.negate ? !inside : inside;
    }
    case 'star':
      return false;
  }
}

export function fnmatch(name: string, pattern: string): boolean {
  const tokens = compile(pattern);
  const s = [...name];
  let si = 0;
  let ti = 0;
  let starTi = -1;
  let starSi = 0;
  while (si < s.length) {
    const t = tokens[ti];
    if (t && t.kind !== 'star' && single(t, s[si] ?? '')) {
      si += 1;
      ti += 1;
    } else if (t?.kind === 'star') {
      starTi = ti;
      starSi = si;
      ti += 1;
    } else if (starTi >= 0) {
      ti = starTi + 1;
      starSi += 1;
      si = starSi;
    } else return false;
  }
  while (tokens[ti]?.kind === 'star') ti += 1;
  return ti === tokens.length;
}

/** `fnmatch.filter(names, pattern)`. */
export function fnmatchFilter(names: Iterable<string>, pattern: string): string[] {
  const out: string[] = [];
  for (const name of names) if (fnmatch(name, pattern)) out.push(name);
  return out;
}
