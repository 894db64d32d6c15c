import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildStatement,
  PREDICATE_TYPES,
  parseStatement,
  resolvePredicateType,
  STATEMENT_V01,
  STATEMENT_V1,
  statementCoversDigest,
} from '../../src/attest/index.js';
import type { Digest } from '../../src/digest.js';

const D = `sha256:${'cd'.repeat(32)}` as Digest;
const E = `sha256:${'ef'.repeat(32)}` as Digest;

test('a statement names its subject by repository and digest', () => {
  const s = buildStatement({
    subjectName: 'ghcr.io/octo/app',
    digest: D,
    predicateType: 'https://x/y',
    predicate: {},
  });
  assert.equal(s._type, STATEMENT_V1);
  assert.deepEqual(s.subject, [{ name: 'ghcr.io/octo/app', digest: { sha256: 'cd'.repeat(32) } }]);
  assert.ok(statementCoversDigest(s, D));
  assert.ok(!statementCoversDigest(s, E));
});

test('v0.1 statements (what cosign attest writes) parse like v1', () => {
  const s = buildStatement({
    subjectName: 'r',
    digest: D,
    predicateType: 'p:x',
    predicate: { a: 1 },
    type: STATEMENT_V01,
  });
  const parsed = parseStatement(Buffer.from(JSON.stringify(s)), 's');
  assert.equal(parsed._type, STATEMENT_V01);
  assert.deepEqual(parsed.predicate, { a: 1 });
});

test('a subject without a name (cosign 3 sign statements, protojson) parses', () => {
  const text = JSON.stringify({
    _type: STATEMENT_V1,
    subject: [{ digest: { sha256: 'cd'.repeat(32) } }],
    predicateType: 'https://sigstore.dev/cosign/sign/v1',
    predicate: {},
  });
  assert.ok(statementCoversDigest(parseStatement(Buffer.from(text), 's'), D));
});

test('subject digests compare case-insensitively (in-toto DigestSet hex)', () => {
  const s = buildStatement({ subjectName: 'r', digest: D, predicateType: 'p:x', predicate: {} });
  const first = s.subject[0];
  assert.ok(first);
  first.digest['sha256'] = 'CD'.repeat(32);
  assert.ok(statementCoversDigest(s, D));
});

test('an unknown _type, an empty subject and a missing predicateType are listed together', () => {
  try {
    parseStatement(Buffer.from(JSON.stringify({ _type: 'x', subject: [] })), 's');
    assert.fail('expected an error');
  } catch (e) {
    assert.equal((e as { code: string }).code, 'ATTESTATION_INVALID');
    assert.equal((e as { fields: string[] }).fields.length, 3);
  }
});

test('a subject digest that is not hex is refused', () => {
  const text = JSON.stringify({
    _type: STATEMENT_V1,
    subject: [{ name: 'r', digest: { sha256: 'zz' } }],
    predicateType: 'p:x',
  });
  assert.throws(() => parseStatement(Buffer.from(text), 's'), { code: 'ATTESTATION_INVALID' });
});

// cosign options/predicate.go PredicateTypeMap + attestation.go (OpenVEX: attestation.OpenVexNamespace).
const shorthands: Array<[string, string]> = [
  ['slsaprovenance', 'https://slsa.dev/provenance/v0.2'],
  ['slsaprovenance02', 'https://slsa.dev/provenance/v0.2'],
  ['slsaprovenance1', 'https://slsa.dev/provenance/v1'],
  ['link', 'https://in-toto.io/Link/v1'],
  ['spdx', 'https://spdx.dev/Document'],
  ['spdxjson', 'https://spdx.dev/Document'],
  ['cyclonedx', 'https://cyclonedx.org/bom'],
  ['vuln', 'https://cosign.sigstore.dev/attestation/vuln/v1'],
  ['openvex', 'https://openvex.dev/ns'],
  ['custom', 'https://cosign.sigstore.dev/attestation/v1'],
];
for (const [t, uri] of shorthands) {
  test(`--type ${t} maps to ${uri} as in cosign`, () => {
    assert.equal(resolvePredicateType(t), uri);
  });
}

test('every shorthand is covered by the table above', () => {
  assert.equal(Object.keys(PREDICATE_TYPES).length, shorthands.length);
});

test('a predicate type URI passes through; a bare word is a USAGE error', () => {
  assert.equal(resolvePredicateType('https://example.com/pred/v1'), 'https://example.com/pred/v1');
  assert.throws(() => resolvePredicateType('sbom'), { code: 'USAGE' });
});
