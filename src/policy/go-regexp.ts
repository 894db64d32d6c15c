/**
 * Policy regexps (`subjectRegExp`, `issuerRegExp`) are Go RE2 syntax in both controllers. JavaScript
 * RegExp accepts a superset with different meanings in places, so we refuse what RE2 refuses
 * (backreferences, lookaround) rather than evaluate a pattern differently from the real controller,
 * and translate the two RE2 spellings JS lacks (`(?P<name>`, a leading `(?i)`).
 *
 * Matching is unanchored, as Go's `regexp.MatchString` used by cosign and Kyverno is: `github.com/org`
 * also matches `https://evil.example/github.com/org`. Lint warns about unanchored identity patterns.
 */
export type CompiledRegexp = { ok: true; re: RegExp; source: string } | { ok: false; error: string };

/** Compiles an RE2 pattern to an equivalent JS RegExp, or explains why it cannot. */
export function compileGoRegexp(source: string): CompiledRegexp {
  if (source.length > 4096) return { ok: false, error: 'pattern longer than 4096 characters' };
  if (/\\[1-9]/.test(source.replace(/\\\\/g, ''))) {
    return { ok: false, error: 'backreferences (\\1) are not supported by Go regexp (RE2)' };
  }
  if (/\(\?<?[=!]/.test(source))
    return { ok: false, error: 'lookaround (?= (?! (?<= is not supported by Go regexp (RE2)' };
  let js = source.replace(/\(\?P</g, '(?<');
  let flags = 'u';
  const lead = /^\(\?([imsU]+)\)/.exec(js);
  if (lead) {
    const f = lead[1] ?? '';
    if (f.includes('U')) return { ok: false, error: 'the (?U) ungreedy flag has no JavaScript equivalent' };
    if (f.includes('i')) flags += 'i';
    if (f.includes('m')) flags += 'm';
    if (f.includes('s')) flags += 's';
    js = js.slice(lead[0].length);
  }
  if (/\(\?[a-zA-Z]/.test(js))
    return { ok: false, error: 'inline flags are only supported at the start of the pattern' };
  try {
    return { ok: true, re: new RegExp(js, flags), source };
  } catch (e) {
    return {
      ok: false,
      error: e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e),
    };
  }
}

/** True when the pattern is anchored at both ends, so it cannot match inside a longer attacker string. */
export function isAnchored(source: string): boolean {
  return /^(\(\?[ims]+\))?\^/.test(source) && /\$$/.test(source) && !/\\\$$/.test(source);
}
