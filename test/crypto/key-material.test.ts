import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import {
  certificatePublicKey,
  parseCertificatePem,
  parseCertificatesPem,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  publicKeyToPem,
} from '../../src/crypto/index.js';
import { caPem, fixture } from '../sign/test-material.js';

// cosign pkg/cosign/keys_test.go TestImportPrivateKey vectors.
const accepted: Array<[string, string]> = [
  ['ec-p256-sec1.key', 'ecdsa-p256'],
  ['ec-p384-sec1.key', 'ecdsa-p384'],
  ['ec-p256-pkcs8.key', 'ecdsa-p256'],
  ['ed25519-pkcs8.key', 'ed25519'],
];
for (const [file, alg] of accepted) {
  test(`cosign import vector ${file} reads as ${alg}`, () => {
    assert.equal(parsePrivateKeyPem(fixture('cosign-keys', file), file).algorithm, alg);
  });
}

test('a P-224 key is refused as cosign refuses it', () => {
  assert.throws(() => parsePrivateKeyPem(fixture('cosign-keys', 'ec-p224-sec1.key'), 'k'), {
    code: 'UNSUPPORTED',
  });
});

test('a secp256k1 key is refused (not a NIST curve)', () => {
  assert.throws(() => parsePrivateKeyPem(fixture('cosign-keys', 'ec-secp256k1-sec1.key'), 'k'), {
    code: 'UNSUPPORTED',
  });
});

test('a public key offered as a private key is a wrong PEM type', () => {
  assert.throws(() => parsePrivateKeyPem(fixture('cosign-keys', 'rsa-pubkey-as-private.key'), 'k'), {
    code: 'INPUT_MALFORMED',
  });
});

test('RSA keys read from PKCS#1 and PKCS#8 PEM', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pkcs1 = privateKey.export({ format: 'pem', type: 'pkcs1' }) as string;
  const pkcs8 = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  assert.equal(parsePrivateKeyPem(pkcs1, 'k').algorithm, 'rsa');
  assert.equal(parsePrivateKeyPem(pkcs8, 'k').algorithm, 'rsa');
});

test('RSA keys under 2048 bits are refused', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  assert.throws(() => parsePrivateKeyPem(pem, 'k'), { code: 'UNSUPPORTED' });
});

test('public keys round-trip through SPKI PEM with a stable key id', () => {
  const k = parsePrivateKeyPem(fixture('cosign-keys', 'ec-p256-pkcs8.key'), 'k');
  const pub = parsePublicKeyPem(publicKeyToPem(k.publicKey), 'pub');
  assert.equal(pub.keyId, k.publicKey.keyId);
  assert.equal(pub.algorithm, 'ecdsa-p256');
});

test('a certificate chain PEM reads leaf-first with each key usable for verification', () => {
  const chain = parseCertificatesPem(caPem('intermediate.pem') + caPem('root.pem'), 'chain');
  assert.equal(chain.length, 2);
  assert.ok(chain.every((c) => c.ca));
  const leaf = parseCertificatePem(caPem('leaf-github.pem'), 'leaf');
  assert.equal(certificatePublicKey(leaf, 'leaf').algorithm, 'ecdsa-p256');
});

test('a single-certificate read refuses a chain', () => {
  assert.throws(() => parseCertificatePem(caPem('intermediate.pem') + caPem('root.pem'), 'cert'), {
    code: 'INPUT_MALFORMED',
  });
});
