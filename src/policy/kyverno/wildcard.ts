/**
 * Kyverno's wildcard matching (ext/wildcard, after IGLOU-EU/go-wildcard): `*` matches any run of
 * characters including `/`, `?` exactly one character; everything else is literal. Used for
 * `imageReferences`, resource names/namespaces, keyless subjects and `Equals` string conditions.
 */
export function wildcardMatch(pattern: string, value: string): boolean {
  if (pattern === '') return value === '';
  if (pattern === '*') return true;
  // Iterative matcher with single backtrack point: linear-ish, no regexp, so hostile patterns
  // and attacker-chosen values (certificate subjects) cannot cause catastrophic backtracking.
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    const pc = pattern[p];
    if (pc === '?' || (pc !== undefined && pc !== '*' && pc === value[v])) {
      p++;
      v++;
    } else if (pc === '*') {
      star = p++;
      mark = v;
    } else if (star >= 0) {
      p = star + 1;
      v = ++mark;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** True when the text has Kyverno wildcard characters. */
export function hasWildcard(s: string): boolean {
  return s.includes('*') || s.includes('?');
}
