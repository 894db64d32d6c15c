import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addEnvelopeSignature,
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  parseEnvelope,
  signEnvelope,
  verifyEnvelope,
} from '../../src/crypto/index.js';
import { ecKey, ed25519Key, rsaKey } from '../sign/test-material.js';

test('PAE matches the DSSE spec test vector', () => {
  // secure-systems-lab/dsse protocol.md: PAE("http://example.com/HelloWorld", "hello world").
  assert.equal(
    pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(),
    'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
  );
});

test('PAE lengths count bytes, not characters', () => {
  assert.equal(pae('t', Buffer.from('é')).toString(), 'DSSEv1 1 t 2 é');
});

test('an envelope signed with a key verifies with that key and yields the payload', () => {
  const k = ecKey();
  const env = signEnvelope(Buffer.from('{"a":1}'), IN_TOTO_PAYLOAD_TYPE, k);
  const v = verifyEnvelope(env, [k.publicKey], { expectedPayloadType: IN_TOTO_PAYLOAD_TYPE });
  assert.equal(v.payload.toString(), '{"a":1}');
  assert.deepEqual(v.verifiedKeyIds, [k.publicKey.keyId]);
});

test('cosign-style envelopes carry keyid "" and survive a JSON round trip', () => {
  const k = ecKey();
  const env = signEnvelope(Buffer.from('x'), IN_TOTO_PAYLOAD_TYPE, k);
  assert.equal(env.signatures[0]?.keyid, '');
  const again = parseEnvelope(Buffer.from(JSON.stringify(env)), 'env');
  assert.ok(verifyEnvelope(again, [k.publicKey]).verifiedKeyIds.length === 1);
});

test('tamper: a changed payload type breaks the signature', () => {
  const k = ecKey();
  const env = { ...signEnvelope(Buffer.from('x'), IN_TOTO_PAYLOAD_TYPE, k), payloadType: 'application/json' };
  assert.throws(() => verifyEnvelope(env, [k.publicKey]), { code: 'SIGNATURE_INVALID' });
});

test('tamper: a changed payload breaks the signature', () => {
  const k = ecKey();
  const env = {
    ...signEnvelope(Buffer.from('x'), IN_TOTO_PAYLOAD_TYPE, k),
    payload: Buffer.from('y').toString('base64'),
  };
  assert.throws(() => verifyEnvelope(env, [k.publicKey]), { code: 'SIGNATURE_INVALID' });
});

test('tamper: a signature from another key does not verify', () => {
  const env = signEnvelope(Buffer.from('x'), IN_TOTO_PAYLOAD_TYPE, ecKey());
  assert.throws(() => verifyEnvelope(env, [ecKey().publicKey]), { code: 'SIGNATURE_INVALID' });
});

test('matching is keyid-agnostic: a lying keyid neither helps nor hurts', () => {
  const k = ecKey();
  const env = signEnvelope(Buffer.from('x'), IN_TOTO_PAYLOAD_TYPE, k, { keyid: 'some-other-key' });
  assert.equal(verifyEnvelope(env, [ecKey().publicKey, k.publicKey]).verifiedKeyIds[0], k.publicKey.keyId);
});

test('a correctly signed envelope of an unexpected payload type is ATTESTATION_INVALID', () => {
  const k = ecKey();
  const env = signEnvelope(Buffer.from('x'), 'application/json', k);
  assert.throws(() => verifyEnvelope(env, [k.publicKey], { expectedPayloadType: IN_TOTO_PAYLOAD_TYPE }), {
    code: 'ATTESTATION_INVALID',
  });
});

test('multi-signature envelopes verify with any of their signers (RSA, Ed25519)', () => {
  const a = rsaKey();
  const b = ed25519Key();
  const env = addEnvelopeSignature(signEnvelope(Buffer.from('x'), IN_TOTO_PAYLOAD_TYPE, a), b);
  assert.equal(env.signatures.length, 2);
  assert.deepEqual(verifyEnvelope(env, [b.publicKey]).verifiedKeyIds, [b.publicKey.keyId]);
  assert.equal(verifyEnvelope(env, [a.publicKey, b.publicKey]).verifiedKeyIds.length, 2);
});
