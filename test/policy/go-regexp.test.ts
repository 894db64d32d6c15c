// Every user-supplied pattern runs on RE2 semantics (Go's regexp, as cosign, Kyverno and
// policy-controller use): linear in the input, Go's syntax, RE2's refusals in RE2's words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anchored, compileGoRegexp, isAnchored } from '../../src/go-regexp.js';
import { compileGlob, cueSubset, lintPolicies } from '../../src/policy/index.js';
import { IssueList } from '../../src/policy/issues.js';
import { matchString, regexpMatcher } from '../../src/policy/string-matcher.js';
import { identityMismatches } from '../../src/sign/index.js';

// Patterns that backtrack exponentially (or with a high polynomial) on JavaScript's engine, each with a
// 10,000-character subject that almost matches. On RE2 each answers at once; the test asserts the answer.
const REDOS: ReadonlyArray<{ pattern: string; subject: string; matches: boolean }> = [
  { pattern: '^(a+)+$', subject: `${'a'.repeat(10_000)}!`, matches: false },
  { pattern: '(a+)+$', subject: `${'a'.repeat(10_000)}!`, matches: false },
  { pattern: '^(a|a)*$', subject: `${'a'.repeat(10_000)}!`, matches: false },
  { pattern: '^(a|aa)+$', subject: `${'a'.repeat(10_000)}b`, matches: false },
  { pattern: '^(.*a){20}$', subject: 'a'.repeat(10_000).replace(/a$/, 'b'), matches: false },
  { pattern: '^(\\w+\\s?)+$', subject: `${'word '.repeat(2_000)}!`, matches: false },
  {
    pattern: '^([a-zA-Z0-9]+)*@example\\.com$',
    subject: `${'x'.repeat(10_000)}@example.org`,
    matches: false,
  },
  { pattern: '(x+x+)+y', subject: 'x'.repeat(10_000), matches: false },
  { pattern: '^(a+)+$', subject: 'a'.repeat(10_000), matches: true },
  { pattern: '(x+x+)+y', subject: `${'x'.repeat(10_000)}y`, matches: true },
];

for (const { pattern, subject, matches } of REDOS) {
  test(`RE2 answers /${pattern}/ on a ${subject.length}-character subject: ${matches}`, () => {
    const c = compileGoRegexp(pattern);
    assert.ok(c.ok);
    assert.equal(c.re.test(subject), matches);
  });
}

test('a policy subjectRegExp of nested quantifiers answers on a 10,000-character SAN', () => {
  const m = regexpMatcher(new IssueList('p.yaml'), '(a+)+$', 'subjectRegExp');
  assert.ok(m);
  assert.equal(matchString(m, `${'a'.repeat(10_000)}!`), false);
  assert.equal(matchString(m, `https://x/${'a'.repeat(10_000)}`), true);
});

test('--certificate-identity-regexp and --certificate-oidc-issuer-regexp answer on hostile identities', () => {
  const id = { sans: [`${'a'.repeat(10_000)}!`], issuer: `${'b'.repeat(10_000)}!` };
  const out = identityMismatches(id, { subjectRegExp: '^(a+)+$', issuerRegExp: '^(b|bb)+$' });
  assert.equal(out.length, 2);
  assert.deepEqual(identityMismatches({ sans: ['a'.repeat(10_000)] }, { subjectRegExp: '^(a+)+$' }), []);
});

test("an invalid CLI identity regexp is a usage error with RE2's message", () => {
  assert.throws(
    () => identityMismatches({ sans: ['x'] }, { subjectRegExp: '(?=x)' }),
    (e: Error & { code?: string }) =>
      e.code === 'USAGE' &&
      /--certificate-identity-regexp: invalid regular expression: error parsing regexp: invalid or unsupported Perl syntax: `\(\?=`/.test(
        e.message,
      ),
  );
});

test('CUE =~ in the built-in subset runs on RE2 and answers on a 10,000-character field', () => {
  const c = cueSubset.compile('predicate: name: =~"^(a+)+$"');
  assert.ok(c.ok);
  const now = new Date(0);
  assert.equal(c.check({ predicate: { name: `${'a'.repeat(10_000)}!` } }, now).ok, false);
  assert.equal(c.check({ predicate: { name: 'a'.repeat(10_000) } }, now).ok, true);
});

test("CUE =~ refuses what RE2 refuses, in RE2's words", () => {
  const c = cueSubset.compile('predicate: name: =~"(a)\\\\1"');
  assert.equal(c.ok, false);
  assert.match(c.ok ? '' : c.message, /invalid regexp: error parsing regexp: invalid escape sequence: `\\1`/);
});

test('a CIP glob of many ** answers on a long reference', () => {
  const g = compileGlob(`${'**a'.repeat(30)}b`);
  assert.ok(g.ok);
  assert.equal(g.re.test(`${'a'.repeat(10_000)}c`), false);
});

// Go's regexp/syntax error texts, as `regexp.Compile` returns them.
const REFUSED: ReadonlyArray<[string, string]> = [
  ['(a)\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
  ['(?=a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
  ['(?<=a)b', 'error parsing regexp: invalid named capture: `(?<=a)b`'],
  ['(?!a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?!`'],
  ['a{1001}', 'error parsing regexp: invalid repeat count: `{1001}`'],
  ['a**', 'error parsing regexp: invalid nested repetition operator: `**`'],
  ['[z-a]', 'error parsing regexp: invalid character class range: `z-a`'],
  ['(abc', 'error parsing regexp: missing closing ): `(abc`'],
];

for (const [pattern, message] of REFUSED) {
  test(`RE2 refuses /${pattern}/ with Go's message`, () => {
    const c = compileGoRegexp(pattern);
    assert.equal(c.ok, false);
    assert.equal(c.ok ? '' : c.error, message);
  });
}

// What Go accepts and JavaScript spells differently or not at all.
const GO_SYNTAX: ReadonlyArray<[string, string, boolean]> = [
  ['(?P<org>[a-z]+)/app', 'octo/app', true],
  ['a(?i)BC', 'abc', true],
  ['(?i)a(?-i)BC', 'Abc', false],
  ['^\\pL+$', 'Grüße', true],
  ['^[[:alpha:]]+$', 'abc1', false],
  ['^\\Qa.b\\E$', 'a.b', true],
  ['^\\Qa.b\\E$', 'axb', false],
  ['(?s)a.b', 'a\nb', true],
  ['a.b', 'a\nb', false],
  ['^https://github\\.com/octo/\\z', 'https://github.com/octo/', true],
];

for (const [pattern, input, want] of GO_SYNTAX) {
  test(`Go syntax /${pattern}/ on ${JSON.stringify(input)}: ${want}`, () => {
    const c = compileGoRegexp(pattern);
    assert.ok(c.ok, c.ok ? '' : c.error);
    assert.equal(c.re.test(input), want);
  });
}

test('matching is unanchored, as Go MatchString is', () => {
  const c = compileGoRegexp('github\\.com/org');
  assert.ok(c.ok);
  assert.equal(c.re.test('https://evil.example/github.com/org'), true);
});

test('anchoring adds only the anchors a pattern lacks', () => {
  assert.equal(anchored('(a+)+$'), '^(a+)+$');
  assert.equal(anchored('^https://x'), '^https://x$');
  assert.equal(anchored('(?i)ci@example\\.com'), '(?i)^ci@example\\.com$');
  assert.equal(anchored('price\\$'), '^price\\$$');
  assert.equal(anchored('\\Aabc\\z'), '\\Aabc\\z');
  assert.equal(isAnchored('^a$'), true);
  assert.equal(isAnchored('^a\\$'), false);
});

const kyverno = (subjectRegExp: string) => `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: keyless }
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match: { any: [{ resources: { kinds: [Pod] } }] }
      verifyImages:
        - imageReferences: ["ghcr.io/org/*"]
          attestors:
            - entries:
                - keyless:
                    issuer: https://token.actions.githubusercontent.com
                    subjectRegExp: '${subjectRegExp}'
`;

test('lint suggests anchoring (a+)+$ as ^(a+)+$, never ^(a+)+$$', () => {
  const r = lintPolicies(kyverno('(a+)+$'), 'k.yaml');
  const issue = r.issues.find((i) => i.path.endsWith('subjectRegExp'));
  assert.equal(issue?.fix, 'anchor it: ^(a+)+$');
});

test("lint flags a pattern RE2 rejects as an error with RE2's message", () => {
  const r = lintPolicies(kyverno('^https://github\\.com/(?!evil)'), 'k.yaml');
  assert.equal(r.ok, false);
  const issue = r.issues.find((i) => i.path.endsWith('subjectRegExp'));
  assert.equal(issue?.severity, 'error');
  assert.match(issue?.message ?? '', /error parsing regexp: invalid or unsupported Perl syntax: `\(\?!`/);
});
