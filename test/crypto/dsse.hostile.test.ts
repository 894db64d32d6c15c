import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DSSE_ENVELOPE_MAX_BYTES, DSSE_SIGNATURES_MAX, parseEnvelope } from '../../src/crypto/index.js';

const parse = (doc: unknown) => parseEnvelope(Buffer.from(JSON.stringify(doc)), 'env');
const sig = { keyid: '', sig: 'AAAA' };

test('an envelope with zero signatures is malformed', () => {
  assert.throws(() => parse({ payloadType: 't', payload: 'AAAA', signatures: [] }), {
    code: 'INPUT_MALFORMED',
  });
});

test('bad base64 in the payload is refused', () => {
  assert.throws(() => parse({ payloadType: 't', payload: 'not base64!', signatures: [sig] }), {
    code: 'INPUT_MALFORMED',
  });
});

test('URL-safe base64 in a signature is refused (DSSE uses standard base64)', () => {
  assert.throws(() => parse({ payloadType: 't', payload: 'AAAA', signatures: [{ sig: 'ab-_' }] }), {
    code: 'INPUT_MALFORMED',
  });
});

test('a truncated envelope is INPUT_MALFORMED', () => {
  assert.throws(() => parseEnvelope(Buffer.from('{"payloadType":"t","payl'), 'env'), {
    code: 'INPUT_MALFORMED',
  });
});

test('a huge envelope is refused before JSON parsing', () => {
  assert.throws(() => parseEnvelope(Buffer.alloc(DSSE_ENVELOPE_MAX_BYTES + 1, 0x20), 'env'), {
    code: 'INPUT_TOO_LARGE',
  });
});

test('more signatures than the cap are refused', () => {
  const signatures = Array.from({ length: DSSE_SIGNATURES_MAX + 1 }, () => sig);
  assert.throws(() => parse({ payloadType: 't', payload: 'AAAA', signatures }), { code: 'INPUT_MALFORMED' });
});

test('missing payloadType, non-string keyid and non-object signatures are all listed', () => {
  try {
    parse({ payload: 'AAAA', signatures: [{ keyid: 5, sig: 'AAAA' }, 'x'] });
    assert.fail('expected an error');
  } catch (e) {
    assert.equal((e as { code: string }).code, 'INPUT_MALFORMED');
    assert.equal((e as { fields: string[] }).fields.length, 3);
  }
});

test('unknown top-level fields are ignored, as the DSSE spec allows', () => {
  assert.equal(parse({ payloadType: 't', payload: 'AAAA', signatures: [sig], extra: 1 }).payloadType, 't');
});
