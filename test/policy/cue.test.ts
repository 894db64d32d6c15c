import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cueSubset } from '../../src/policy/index.js';

const NOW = new Date('2026-11-23T12:00:00Z');

function run(policy: string, input: unknown): { ok: boolean; message?: string } {
  const c = cueSubset.compile(policy);
  assert.ok(c.ok, c.ok ? '' : c.message);
  const r = c.check(input, NOW);
  return r.ok ? { ok: true } : { ok: false, message: r.message };
}

test('a non-empty list constraint passes a list with elements and fails an empty or missing one', () => {
  const p = 'predicate: components: [_, ...]';
  assert.equal(run(p, { predicate: { components: [{ name: 'a' }] } }).ok, true);
  assert.match(
    run(p, { predicate: { components: [] } }).message ?? '',
    /incompatible list lengths \(0 and 1 or more\)/,
  );
  assert.match(run(p, { predicate: {} }).message ?? '', /incomplete value/);
});

test('a concrete value on a missing field passes, as CUE unification fills it in', () => {
  assert.equal(run('predicate: scanner: result: Summary: Critical: 0', { predicate: {} }).ok, true);
  assert.equal(
    run('predicate: scanner: result: Summary: Critical: 0', {
      predicate: { scanner: { result: { Summary: { Critical: 1 } } } },
    }).ok,
    false,
  );
});

test('a bound requires the field and its value to be within the bound', () => {
  const p = 'a: <=0';
  assert.equal(run(p, { a: 0 }).ok, true);
  assert.equal(run(p, { a: 2 }).ok, false);
  assert.equal(run(p, {}).ok, false);
  assert.equal(run('a: >=1 & <10 & int', { a: 5 }).ok, true);
  assert.equal(run('a: >=1 & <10 & int', { a: 5.5 }).ok, false);
  assert.equal(run('a: !="x"', { a: 'y' }).ok, true);
  assert.equal(run('a: =~"^v[0-9]+"', { a: 'v12' }).ok, true);
});

test('time.Now() is bound to the injected now: a scan within 24 h passes, an older one fails', () => {
  const p = 'import "time"\npredicate: metadata: scanFinishedOn: >time.Now().Add(-24*time.Hour)';
  assert.equal(run(p, { predicate: { metadata: { scanFinishedOn: '2026-11-23T01:00:00Z' } } }).ok, true);
  assert.equal(run(p, { predicate: { metadata: { scanFinishedOn: '2026-11-22T11:00:00Z' } } }).ok, false);
});

test('time.Parse with RFC3339 and references to top-level fields work as in the policy-controller testdata', () => {
  const p = `import "time"
before: time.Parse(time.RFC3339, "2049-10-09T17:10:27Z")
predicateType: "https://cosign.sigstore.dev/attestation/v1"
predicate: {
  Timestamp: <before
}`;
  assert.equal(
    run(p, {
      predicateType: 'https://cosign.sigstore.dev/attestation/v1',
      predicate: { Timestamp: '2026-01-01T00:00:00Z' },
    }).ok,
    true,
  );
  assert.equal(
    run(p, { predicateType: 'other', predicate: { Timestamp: '2026-01-01T00:00:00Z' } }).ok,
    false,
  );
});

test('structs, repeated fields and nested lists unify', () => {
  const p = 'predicate: { a: 1 }\npredicate: { b: string }\nlist: [1, {x: int}]';
  assert.equal(run(p, { predicate: { a: 1, b: 's', extra: true }, list: [1, { x: 2 }] }).ok, true);
  assert.equal(run(p, { predicate: { a: 1, b: 2 }, list: [1, { x: 2 }] }).ok, false);
  assert.equal(run(p, { predicate: { a: 1, b: 's' }, list: [1] }).ok, false);
});

for (const [what, src] of [
  [
    'a # comment (as in seed 002)',
    '# CUE policy: SBOM must have at least one component\npredicate: components: [_, ...]',
  ],
  ['an unterminated struct', 'a: {'],
  ['a reference to an undefined field', 'a: <b'],
  ['time used without import', 'a: >time.Now()'],
  ['a string that is not closed', 'a: "abc'],
] as const) {
  test(`CUE that does not compile is refused with kind syntax: ${what}`, () => {
    const c = cueSubset.compile(src);
    assert.equal(c.ok, false);
    assert.equal(c.ok ? '' : c.kind, 'syntax');
  });
}

for (const [what, src] of [
  ['disjunctions', 'a: 1 | 2'],
  ['definitions', '#Def: {a: int}'],
  ['comprehensions', 'a: [for x in y {x}]'],
  ['other imports', 'import "strings"\na: 1'],
  ['default values', 'a: *1 | int'],
] as const) {
  test(`CUE outside the subset is UNSUPPORTED, never silently passed: ${what}`, () => {
    const c = cueSubset.compile(src);
    assert.equal(c.ok, false);
    assert.equal(c.ok ? '' : c.kind, 'unsupported');
  });
}

test('a huge CUE source is refused before parsing', () => {
  const c = cueSubset.compile(`a: 1\n${'b: 2\n'.repeat(20_000)}`);
  assert.equal(c.ok, false);
});
