import { constants, sign, verify } from 'node:crypto';
import { describeCause, VouchError } from '../errors.js';
import type { KeyAlgorithm, PrivateKeyMaterial, PublicKeyMaterial } from './key-material.js';

/**
 * RSA padding. cosign's default signer-verifier for RSA keys is PKCS#1 v1.5 with SHA-256
 * (sigstore/sigstore LoadDefaultSignerVerifier); PSS is used only when asked for.
 */
export type RsaScheme = 'pkcs1v15' | 'pss';

export interface SignatureOptions {
  rsaScheme?: RsaScheme;
}

/**
 * The digest algorithm sigstore pairs with each key (sigstore/sigstore signature.LoadDefaultSigner):
 * ECDSA by curve size, RSA SHA-256, Ed25519 none (pure EdDSA signs the message itself).
 */
export function hashFor(algorithm: KeyAlgorithm): 'sha256' | 'sha384' | 'sha512' | null {
  switch (algorithm) {
    case 'ecdsa-p256':
      return 'sha256';
    case 'ecdsa-p384':
      return 'sha384';
    case 'ecdsa-p521':
      return 'sha512';
    case 'rsa':
      return 'sha256';
    case 'ed25519':
      return null;
  }
}

function padding(algorithm: KeyAlgorithm, opts: SignatureOptions): { padding?: number; saltLength?: number } {
  if (algorithm !== 'rsa') return {};
  return opts.rsaScheme === 'pss'
    ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : { padding: constants.RSA_PKCS1_PADDING };
}

/**
 * Signs bytes exactly as cosign does: ECDSA signatures are ASN.1 DER (node's default encoding), RSA
 * PKCS#1 v1.5 unless PSS is asked for, Ed25519 pure.
 * @throws INTERNAL
 */
export function signBytes(key: PrivateKeyMaterial, data: Uint8Array, opts: SignatureOptions = {}): Buffer {
  try {
    return sign(hashFor(key.algorithm), data, {
      key: key.key,
      dsaEncoding: 'der',
      ...padding(key.algorithm, opts),
    });
  } catch (e) {
    throw new VouchError('INTERNAL', `signing failed: ${describeCause(e)}`, { cause: e });
  }
}

/**
 * Checks a signature. Malformed signature bytes are a failed verification, not an error: signatures
 * come from registries and are attacker-controlled.
 */
export function verifyBytes(
  key: PublicKeyMaterial,
  data: Uint8Array,
  signature: Uint8Array,
  opts: SignatureOptions = {},
): boolean {
  try {
    return verify(
      hashFor(key.algorithm),
      data,
      { key: key.key, dsaEncoding: 'der', ...padding(key.algorithm, opts) },
      signature,
    );
  } catch {
    // node throws on structurally invalid DER / wrong-length signatures: that is "does not verify".
    return false;
  }
}

/**
 * Decodes a standard-base64 signature as cosign stores it (annotation, DSSE `sig`), strictly: a
 * lenient decoder would let two different annotation strings name the same signature.
 * @throws INPUT_MALFORMED
 */
export function decodeBase64Strict(value: string, what: string): Buffer {
  if (value.length === 0 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw new VouchError('INPUT_MALFORMED', `${what}: not standard base64`);
  }
  return Buffer.from(value, 'base64');
}
