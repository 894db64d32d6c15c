import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  parseStatement,
  SLSA_PROVENANCE_V1,
  STATEMENT_V01,
  slsaProvenanceV1Problems,
  statementCoversDigest,
} from '../../src/attest/index.js';
import { digestOf } from '../../src/digest.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'attest', name));

test('sigstore-rs statement v1 parses, covers its sha256 and sha512 digests, and its SLSA v1 predicate is valid', () => {
  const s = parseStatement(fixture('statement-v1.json'), 'statement-v1.json');
  assert.equal(s.predicateType, SLSA_PROVENANCE_V1);
  assert.ok(statementCoversDigest(s, digestOf('', 'sha256')));
  assert.ok(statementCoversDigest(s, digestOf('', 'sha512')));
  assert.deepEqual(slsaProvenanceV1Problems(s.predicate), []);
});

test('sigstore-rs statement v0.1 parses; its SLSA v0.2 predicate is rightly not SLSA v1', () => {
  const s = parseStatement(fixture('statement-v0.1.json'), 'statement-v0.1.json');
  assert.equal(s._type, STATEMENT_V01);
  assert.equal(s.subject[0]?.name, 'slsa-provenance-0.0.7.tgz');
  assert.ok(slsaProvenanceV1Problems(s.predicate).length > 0);
});
