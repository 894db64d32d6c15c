import { RE2JS, RE2JSException } from 're2js';

/**
 * Every user-supplied regular expression (`subjectRegExp`/`issuerRegExp`, the CLI's
 * `--certificate-identity-regexp`/`--certificate-oidc-issuer-regexp`, CUE `=~`/`!~`, CIP globs) runs on
 * RE2 semantics, as in cosign, Kyverno and policy-controller, which use Go's `regexp`. The engine is
 * `re2js`, a port of RE2/J: matching takes time linear in the input whatever the pattern, so a
 * signer who chooses the certificate's SAN cannot make a pattern like `(a+)+$` backtrack for minutes.
 * The syntax is Go's (`(?P<name>…)`, `(?i)` anywhere, `\pL`, `[[:alpha:]]`, `\Q…\E`), and what RE2
 * refuses (backreferences, lookaround, repeat counts over 1000) is refused with RE2's own message,
 * `error parsing regexp: …`.
 *
 * Matching is unanchored, as Go's `regexp.MatchString` used by cosign and Kyverno is: `github.com/org`
 * also matches `https://evil.example/github.com/org`. Lint warns about unanchored identity patterns.
 */
export interface LinearRegexp {
  /** True when the pattern matches anywhere in `input` (Go's `MatchString`). Linear in `input`. */
  test(input: string): boolean;
}

export type CompiledRegexp = { ok: true; re: LinearRegexp; source: string } | { ok: false; error: string };

/** Longest pattern accepted: a policy field, never a program. */
export const REGEXP_MAX_CHARS = 4096;

/** Compiles a Go (RE2) pattern, or says why RE2 refuses it in RE2's words. */
export function compileGoRegexp(source: string): CompiledRegexp {
  if (source.length > REGEXP_MAX_CHARS)
    return { ok: false, error: `pattern longer than ${REGEXP_MAX_CHARS} characters` };
  try {
    const re = RE2JS.compile(source);
    return { ok: true, re: { test: (input: string) => re.test(input) }, source };
  } catch (e) {
    if (e instanceof RE2JSException) return { ok: false, error: e.message };
    throw e;
  }
}

/** True when the pattern is anchored at both ends, so it cannot match inside a longer attacker string. */
export function isAnchored(source: string): boolean {
  return anchoredAtStart(source) && anchoredAtEnd(source);
}

/** Starts with `^` (after leading flags such as `(?i)`), or with `\A`. */
export function anchoredAtStart(source: string): boolean {
  return /^(\(\?[imsU]+\))?(\^|\\A)/.test(source);
}

/** Ends with an unescaped `$`, or with `\z`. */
export function anchoredAtEnd(source: string): boolean {
  const trailingBackslashes = /(\\*)(\$|z)$/.exec(source);
  if (trailingBackslashes === null) return false;
  const n = (trailingBackslashes[1] ?? '').length;
  // `$` is an anchor when preceded by an even number of backslashes; `z` only as `\z` (exactly odd).
  return trailingBackslashes[2] === '$' ? n % 2 === 0 : n % 2 === 1;
}

/** The pattern with whichever anchors it lacks added: the fix lint suggests for an unanchored identity. */
export function anchored(source: string): string {
  let out = source;
  if (!anchoredAtStart(out)) {
    const flags = /^\(\?[imsU]+\)/.exec(out)?.[0] ?? '';
    out = `${flags}^${out.slice(flags.length)}`;
  }
  if (!anchoredAtEnd(out)) out = `${out}$`;
  return out;
}
