/**
 * Whether a declared license string is shaped like an SPDX license expression (SPDX 2.3 Annex D):
 * identifiers (`MIT`, `GPL-2.0-or-later`, `LicenseRef-x`) joined by AND / OR / WITH, with parentheses.
 * Shape only: the SPDX list itself is not bundled. Free text ("SEE LICENSE IN LICENSE", "BSD style")
 * is kept as a license name, never emitted as an expression.
 */
const ID = /^(?:LicenseRef-|DocumentRef-[A-Za-z0-9.-]+:LicenseRef-)?[A-Za-z0-9][A-Za-z0-9.+-]*$/;

/** True when `s` has the shape of an SPDX license expression. */
export function looksLikeSpdxExpression(s: string): boolean {
  const tokens = s.replace(/[()]/g, ' ').trim().split(/\s+/);
  if (tokens.length === 0 || tokens[0] === '') return false;
  let expectId = true;
  for (const t of tokens) {
    if (expectId) {
      if (!ID.test(t) || t === 'AND' || t === 'OR' || t === 'WITH') return false;
      expectId = false;
    } else {
      if (t !== 'AND' && t !== 'OR' && t !== 'WITH') return false;
      expectId = true;
    }
  }
  if (expectId) return false;
  const opens = (s.match(/\(/g) ?? []).length;
  return opens === (s.match(/\)/g) ?? []).length && !/^(?:UNLICENSED|UNKNOWN|NONE)$/i.test(s);
}
