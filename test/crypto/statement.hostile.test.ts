import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStatement, STATEMENT_SUBJECTS_MAX, STATEMENT_V1 } from '../../src/crypto/index.js';

const parse = (doc: unknown) => parseStatement(Buffer.from(JSON.stringify(doc)), 's');

test('a truncated statement is ATTESTATION_INVALID', () => {
  assert.throws(() => parseStatement(Buffer.from('{"_type":"https://in-toto.io/Statement/v1","subj'), 's'), {
    code: 'ATTESTATION_INVALID',
  });
});

test('more subjects than the cap are refused', () => {
  const subject = Array.from({ length: STATEMENT_SUBJECTS_MAX + 1 }, () => ({
    name: 'x',
    digest: { sha256: 'aa' },
  }));
  assert.throws(() => parse({ _type: STATEMENT_V1, subject, predicateType: 'p:x' }), {
    code: 'ATTESTATION_INVALID',
  });
});

test('a subject digest that is an empty object or holds numbers is refused', () => {
  for (const digest of [{}, { sha256: 1 }, [], 'aa']) {
    assert.throws(
      () => parse({ _type: STATEMENT_V1, subject: [{ name: 'x', digest }], predicateType: 'p:x' }),
      {
        code: 'ATTESTATION_INVALID',
      },
    );
  }
});

test('non-object statements are refused', () => {
  for (const doc of [[], 'x', null]) assert.throws(() => parse(doc), { code: 'ATTESTATION_INVALID' });
});

test('unknown top-level fields are ignored (in-toto parsers must allow them)', () => {
  const s = parse({
    _type: STATEMENT_V1,
    subject: [{ name: 'x', digest: { sha256: 'aa' } }],
    predicateType: 'p:x',
    extra: 1,
  });
  assert.equal(s.predicateType, 'p:x');
});
