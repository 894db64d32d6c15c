import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSimpleSigningPayload, SIMPLE_SIGNING_MAX_BYTES } from '../../src/sign/index.js';

test('a truncated payload is INPUT_MALFORMED', () => {
  assert.throws(() => parseSimpleSigningPayload(Buffer.from('{"critical":{"identity":'), 'p'), {
    code: 'INPUT_MALFORMED',
  });
});

test('an oversized payload is refused before JSON parsing', () => {
  assert.throws(() => parseSimpleSigningPayload(Buffer.alloc(SIMPLE_SIGNING_MAX_BYTES + 1, 0x20), 'p'), {
    code: 'INPUT_TOO_LARGE',
  });
});

test('a JSON array, string or null is not a payload', () => {
  for (const t of ['[]', '"x"', 'null', '42']) {
    assert.throws(() => parseSimpleSigningPayload(Buffer.from(t), 'p'), { code: 'INPUT_MALFORMED' });
  }
});

test('a __proto__ key does not pollute and is reported as an unknown field', () => {
  const text =
    '{"critical":{"__proto__":{"x":1},"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"sha256:00"},"type":"cosign container image signature"}}';
  assert.throws(() => parseSimpleSigningPayload(Buffer.from(text), 'p'), { code: 'INPUT_MALFORMED' });
  assert.equal(({} as Record<string, unknown>)['x'], undefined);
});

test('invalid UTF-8 bytes do not crash the parser', () => {
  assert.throws(() => parseSimpleSigningPayload(Buffer.from([0xff, 0xfe, 0x7b]), 'p'), {
    code: 'INPUT_MALFORMED',
  });
});
