import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { verifyPrehashed } from '../../../src/sign/keyless/index.js';

const DATA = Buffer.from('the artifact');
const DIGEST = createHash('sha256').update(DATA).digest();
const OTHER = createHash('sha256').update('another artifact').digest();

for (const curve of ['P-256', 'P-384'] as const) {
  test(`an ECDSA ${curve} signature verifies against the sha256 digest alone, and only that digest`, () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
    const sig = sign('sha256', DATA, privateKey);
    assert.equal(verifyPrehashed(publicKey, DIGEST, sig), true);
    assert.equal(verifyPrehashed(publicKey, OTHER, sig), false);
  });
}

test('an RSA PKCS#1 v1.5 signature verifies against the digest alone', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sig = sign('sha256', DATA, privateKey);
  assert.equal(verifyPrehashed(publicKey, DIGEST, sig), true);
  assert.equal(verifyPrehashed(publicKey, OTHER, sig), false);
});

test('a signature by another key, a truncated DER signature and an out-of-range r are rejected', () => {
  const a = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const b = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sig = sign('sha256', DATA, a.privateKey);
  assert.equal(verifyPrehashed(b.publicKey, DIGEST, sig), false);
  assert.equal(verifyPrehashed(a.publicKey, DIGEST, sig.subarray(0, sig.length - 3)), false);
  // SEQUENCE { INTEGER 0, INTEGER 1 }: r = 0 is outside [1, n-1].
  assert.equal(verifyPrehashed(a.publicKey, DIGEST, Buffer.from('3006020100020101', 'hex')), false);
});

test('Ed25519 has no prehash mode here and is refused rather than guessed', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  assert.equal(verifyPrehashed(publicKey, DIGEST, sign(null, DIGEST, privateKey)), false);
});
