import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decryptCosignKey,
  encodePem,
  PEM_MAX_BYTES,
  parseCertificatesPem,
  parsePrivateKeyPem,
  parsePublicKeyPem,
} from '../../src/crypto/index.js';
import { caPem, fixture } from '../sign/test-material.js';

const good = fixture('cosign-keys', 'sigstore-n32768.key').toString('utf8');

function envelopePem(doc: unknown): string {
  return encodePem('ENCRYPTED SIGSTORE PRIVATE KEY', Buffer.from(JSON.stringify(doc)));
}
const validEnvelope = JSON.parse(
  Buffer.from(good.split('\n').slice(1, -2).join(''), 'base64').toString('utf8'),
) as { kdf: { params: { N: number } }; cipher: { nonce: string }; ciphertext: string };

test('a truncated PEM (no END line) is INPUT_MALFORMED', async () => {
  await assert.rejects(decryptCosignKey(good.slice(0, 200), 'hello', 'k'), { code: 'INPUT_MALFORMED' });
});

test('a PEM whose base64 was cut mid-quantum is INPUT_MALFORMED', () => {
  const pem = caPem('root.pem');
  const lines = pem.trim().split('\n');
  const cut = [...lines.slice(0, 3), (lines[3] as string).slice(0, 5), lines[lines.length - 1]].join('\n');
  assert.throws(() => parseCertificatesPem(cut, 'c'), { code: 'INPUT_MALFORMED' });
});

test('a private key PEM offered as a cosign key is a wrong PEM type', async () => {
  await assert.rejects(decryptCosignKey(fixture('cosign-keys', 'ec-p256-pkcs8.key'), 'hello', 'k'), {
    code: 'INPUT_MALFORMED',
  });
});

test('a certificate offered as a public key is a wrong PEM type', () => {
  assert.throws(() => parsePublicKeyPem(caPem('root.pem'), 'pub'), { code: 'INPUT_MALFORMED' });
});

test('a PGP block is not a key', () => {
  const pgp =
    '-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: x\n\nAAAA\n-----END PGP PRIVATE KEY BLOCK-----\n';
  assert.throws(() => parsePrivateKeyPem(pgp, 'k'), { code: 'INPUT_MALFORMED' });
});

test('mismatched BEGIN/END labels are refused', () => {
  assert.throws(
    () => parsePublicKeyPem('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', 'k'),
    {
      code: 'INPUT_MALFORMED',
    },
  );
});

test('non-base64 PEM bodies are refused', () => {
  assert.throws(
    () => parsePublicKeyPem('-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n', 'k'),
    {
      code: 'INPUT_MALFORMED',
    },
  );
});

test('valid base64 that is not DER is INPUT_MALFORMED, not a node crypto trace', () => {
  assert.throws(() => parsePublicKeyPem(encodePem('PUBLIC KEY', Buffer.from('not der at all')), 'k'), {
    code: 'INPUT_MALFORMED',
  });
});

test('oversized PEM text is refused before parsing', () => {
  assert.throws(() => parsePublicKeyPem('A'.repeat(PEM_MAX_BYTES + 1), 'k'), { code: 'INPUT_TOO_LARGE' });
});

test('too many certificates in a chain are refused', () => {
  assert.throws(() => parseCertificatesPem(caPem('root.pem').repeat(11), 'chain'), {
    code: 'INPUT_TOO_LARGE',
  });
});

test('an encrypted key whose JSON is not JSON is INPUT_MALFORMED', async () => {
  await assert.rejects(
    decryptCosignKey(encodePem('ENCRYPTED SIGSTORE PRIVATE KEY', Buffer.from('{')), 'p', 'k'),
    {
      code: 'INPUT_MALFORMED',
    },
  );
});

test('an unknown KDF or cipher is reported by field', async () => {
  const doc = structuredClone(validEnvelope) as unknown as Record<string, Record<string, unknown>>;
  (doc['kdf'] as Record<string, unknown>)['name'] = 'pbkdf2';
  (doc['cipher'] as Record<string, unknown>)['name'] = 'aes';
  await assert.rejects(
    decryptCosignKey(envelopePem(doc), 'hello', 'k'),
    (e: { code: string; fields: string[] }) => {
      assert.equal(e.code, 'INPUT_MALFORMED');
      assert.ok(e.fields.some((f) => f.startsWith('kdf.name')));
      assert.ok(e.fields.some((f) => f.startsWith('cipher.name')));
      return true;
    },
  );
});

test('hostile scrypt cost parameters are refused before any work (no memory bomb)', async () => {
  const doc = structuredClone(validEnvelope);
  doc.kdf.params.N = 2 ** 30;
  await assert.rejects(decryptCosignKey(envelopePem(doc), 'hello', 'k'), { code: 'INPUT_MALFORMED' });
});

test('a scrypt N that is not a power of two is refused', async () => {
  const doc = structuredClone(validEnvelope);
  doc.kdf.params.N = 30000;
  await assert.rejects(decryptCosignKey(envelopePem(doc), 'hello', 'k'), { code: 'INPUT_MALFORMED' });
});

test('a nonce of the wrong length is refused', async () => {
  const doc = structuredClone(validEnvelope);
  doc.cipher.nonce = Buffer.alloc(12).toString('base64');
  await assert.rejects(decryptCosignKey(envelopePem(doc), 'hello', 'k'), { code: 'INPUT_MALFORMED' });
});

test('bad base64 in the ciphertext is refused', async () => {
  const doc = structuredClone(validEnvelope);
  doc.ciphertext = '***';
  await assert.rejects(decryptCosignKey(envelopePem(doc), 'hello', 'k'), { code: 'INPUT_MALFORMED' });
});

test('a modified ciphertext fails authentication as WRONG_PASSWORD, never yielding a key', async () => {
  const doc = structuredClone(validEnvelope);
  const ct = Buffer.from(doc.ciphertext, 'base64');
  ct[ct.length - 1] = (ct[ct.length - 1] as number) ^ 1;
  doc.ciphertext = ct.toString('base64');
  await assert.rejects(decryptCosignKey(envelopePem(doc), 'hello', 'k'), { code: 'WRONG_PASSWORD' });
});
