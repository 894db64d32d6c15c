import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUNDLE_MAX_BYTES, parseBundle } from '../../src/sign/index.js';

const parse = (doc: unknown) => parseBundle(Buffer.from(JSON.stringify(doc)), 'bundle');

test('an oversized bundle is refused before parsing', () => {
  assert.throws(() => parseBundle(Buffer.alloc(BUNDLE_MAX_BYTES + 1, 0x20), 'b'), {
    code: 'INPUT_TOO_LARGE',
  });
});

test('a bundle that is not JSON is INPUT_MALFORMED', () => {
  assert.throws(() => parseBundle(Buffer.from('{"mediaType":'), 'b'), { code: 'INPUT_MALFORMED' });
});

test('a JSON array or string is not a bundle', () => {
  for (const doc of [[], 'bundle', null, 7]) assert.throws(() => parse(doc), { code: 'INPUT_MALFORMED' });
});

test('an unknown media type is INPUT_MALFORMED', () => {
  assert.throws(
    () =>
      parse({
        mediaType: 'application/vnd.dev.sigstore.bundle.v9+json',
        verificationMaterial: { publicKey: { hint: '' }, tlogEntries: [] },
        messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: 'AAAA' }, signature: 'AAAA' },
      }),
    { code: 'INPUT_MALFORMED' },
  );
});

test('a bundle with neither content kind is INPUT_MALFORMED', () => {
  assert.throws(
    () =>
      parse({
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: { publicKey: { hint: '' }, tlogEntries: [] },
      }),
    { code: 'INPUT_MALFORMED' },
  );
});

test('a DSSE bundle whose envelope has no signatures is INPUT_MALFORMED', () => {
  assert.throws(
    () =>
      parse({
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: { publicKey: { hint: '' }, tlogEntries: [] },
        dsseEnvelope: { payload: 'AAAA', payloadType: 'application/vnd.in-toto+json', signatures: [] },
      }),
    { code: 'INPUT_MALFORMED' },
  );
});
