// Shared test material for test/sign and test/attest: fixture paths, the test PKI made by
// test/fixtures/sign/make-test-ca.sh, and freshly generated keys (node:crypto, no randomness in names).
import { generateKeyPairSync, type X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type PrivateKeyMaterial,
  parseCertificatePem,
  parsePrivateKeyPem,
  privateKeyFromKeyObject,
} from '../../src/sign/index.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'sign');

export function fixture(...parts: string[]): Buffer {
  return readFileSync(join(FIXTURES, ...parts));
}

export function ecKey(curve: 'P-256' | 'P-384' = 'P-256'): PrivateKeyMaterial {
  return privateKeyFromKeyObject(
    generateKeyPairSync('ec', { namedCurve: curve }).privateKey,
    `test ${curve} key`,
  );
}

export function rsaKey(bits = 2048): PrivateKeyMaterial {
  return privateKeyFromKeyObject(
    generateKeyPairSync('rsa', { modulusLength: bits }).privateKey,
    'test RSA key',
  );
}

export function ed25519Key(): PrivateKeyMaterial {
  return privateKeyFromKeyObject(generateKeyPairSync('ed25519').privateKey, 'test Ed25519 key');
}

export function caCert(name: string): X509Certificate {
  return parseCertificatePem(fixture('test-ca', name), name);
}

export function caPem(name: string): string {
  return fixture('test-ca', name).toString('utf8');
}

export function caKey(name: string): PrivateKeyMaterial {
  return parsePrivateKeyPem(fixture('test-ca', name), name);
}

/** Inside the test leaves' ten-minute validity (2025-01-01T00:00:00Z .. 00:10:00Z). */
export const SIGNED_AT = new Date('2025-01-01T00:05:00Z');
/** After the leaves expired. */
export const LATER = new Date('2025-01-01T00:15:00Z');

export const GITHUB_IDENTITY = 'https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main';
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
