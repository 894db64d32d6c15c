import { compileGoRegexp, type LinearRegexp } from './go-regexp.js';
import type { IssueList } from './issues.js';
import { wildcardMatch } from './kyverno/wildcard.js';

/** How an identity field (issuer, subject) is constrained. */
export type StringMatcher =
  | { readonly kind: 'exact'; readonly value: string }
  | { readonly kind: 'regexp'; readonly source: string; readonly re: LinearRegexp }
  | { readonly kind: 'wildcard'; readonly pattern: string }
  | { readonly kind: 'any' };

export function matchString(m: StringMatcher, value: string | undefined): boolean {
  switch (m.kind) {
    case 'any':
      return true;
    case 'exact':
      return value === m.value;
    case 'regexp':
      return value !== undefined && m.re.test(value);
    case 'wildcard':
      return value !== undefined && wildcardMatch(m.pattern, value);
  }
}

export function describeMatcher(m: StringMatcher): string {
  switch (m.kind) {
    case 'any':
      return 'any';
    case 'exact':
      return `"${m.value}"`;
    case 'regexp':
      return `/${m.source}/ (regexp, unanchored)`;
    case 'wildcard':
      return `"${m.pattern}" (wildcard)`;
  }
}

/** Builds a regexp matcher, reporting an invalid pattern at `path`. */
export function regexpMatcher(issues: IssueList, source: string, path: string): StringMatcher | undefined {
  const c = compileGoRegexp(source);
  if (!c.ok) {
    issues.error(
      path,
      `invalid regular expression "${source}": ${c.error}`,
      'write a Go RE2 regular expression',
    );
    return undefined;
  }
  return { kind: 'regexp', source, re: c.re };
}
