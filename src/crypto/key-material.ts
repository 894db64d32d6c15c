import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { describeCause, VouchError } from '../errors.js';
import { decodeSinglePem, encodePem } from './pem.js';

/** Key algorithms cosign signs with. P-224 and non-NIST curves are refused, as cosign's goodkey does. */
export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa' | 'ed25519';

/** A verification key, parsed and vetted, with sigstore's key id (sha256 of the SPKI DER, hex). */
export interface PublicKeyMaterial {
  algorithm: KeyAlgorithm;
  key: KeyObject;
  spkiDer: Buffer;
  keyId: string;
}

/** A signing key with its public half. */
export interface PrivateKeyMaterial {
  algorithm: KeyAlgorithm;
  key: KeyObject;
  publicKey: PublicKeyMaterial;
}

const CURVES: Record<string, KeyAlgorithm> = {
  prime256v1: 'ecdsa-p256',
  secp384r1: 'ecdsa-p384',
  secp521r1: 'ecdsa-p521',
};

// sigstore/sigstore goodkey: RSA keys between 2048 and 4096 bits only.
const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 4096;

function algorithmOf(key: KeyObject, what: string): KeyAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
    const alg = CURVES[curve];
    if (!alg) {
      throw new VouchError('UNSUPPORTED', `${what}: ECDSA curve ${curve} is not allowed`, {
        hint: 'use a P-256, P-384 or P-521 key',
      });
    }
    return alg;
  }
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
      throw new VouchError('UNSUPPORTED', `${what}: RSA key size ${bits} is not supported`, {
        hint: `use an RSA key of ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits`,
      });
    }
    return 'rsa';
  }
  if (type === 'ed25519') return 'ed25519';
  throw new VouchError('UNSUPPORTED', `${what}: key type ${type ?? 'unknown'} is not supported`, {
    hint: 'vouch signs with ECDSA, RSA and Ed25519 keys',
  });
}

/** sigstore's key id: lowercase hex sha256 of the SPKI DER encoding. */
export function keyIdOf(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}

/**
 * The public-key hint Sigstore bundles carry (`verificationMaterial.publicKey.hint`): the same sha256
 * of the SPKI DER, base64-encoded (as in the sigstore-conformance key-signed bundles).
 */
export function keyHintOf(key: PublicKeyMaterial): string {
  return Buffer.from(key.keyId, 'hex').toString('base64');
}

/**
 * Vets a node KeyObject holding a public key and wraps it with its key id.
 * @throws UNSUPPORTED
 */
export function publicKeyFromKeyObject(key: KeyObject, what: string): PublicKeyMaterial {
  const algorithm = algorithmOf(key, what);
  const spkiDer = key.export({ format: 'der', type: 'spki' });
  return { algorithm, key, spkiDer, keyId: keyIdOf(spkiDer) };
}

/**
 * Vets a node KeyObject holding a private key.
 * @throws UNSUPPORTED
 */
export function privateKeyFromKeyObject(key: KeyObject, what: string): PrivateKeyMaterial {
  const algorithm = algorithmOf(key, what);
  return { algorithm, key, publicKey: publicKeyFromKeyObject(createPublicKey(key), what) };
}

/**
 * Parses a `PUBLIC KEY` (SPKI) PEM, as cosign.pub holds it.
 * @throws INPUT_MALFORMED, UNSUPPORTED
 */
export function parsePublicKeyPem(text: string | Buffer, what: string): PublicKeyMaterial {
  const block = decodeSinglePem(text, ['PUBLIC KEY'], what);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: block.der, format: 'der', type: 'spki' });
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: not a valid SPKI public key: ${describeCause(e)}`, {
      cause: e,
    });
  }
  return publicKeyFromKeyObject(key, what);
}

/**
 * Parses an unencrypted private key PEM: PKCS#8 `PRIVATE KEY`, SEC1 `EC PRIVATE KEY` or PKCS#1
 * `RSA PRIVATE KEY` (the formats `cosign import-key-pair` takes).
 * @throws INPUT_MALFORMED, UNSUPPORTED
 */
export function parsePrivateKeyPem(text: string | Buffer, what: string): PrivateKeyMaterial {
  const block = decodeSinglePem(text, ['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY'], what);
  const type = block.label === 'PRIVATE KEY' ? 'pkcs8' : block.label === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs1';
  return privateKeyFromDer(block.der, type, what);
}

/**
 * Loads private key DER of a known encoding.
 * @throws INPUT_MALFORMED, UNSUPPORTED
 */
export function privateKeyFromDer(
  der: Buffer,
  type: 'pkcs8' | 'sec1' | 'pkcs1',
  what: string,
): PrivateKeyMaterial {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: der, format: 'der', type });
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: not a valid ${type} private key: ${describeCause(e)}`, {
      cause: e,
    });
  }
  return privateKeyFromKeyObject(key, what);
}

/** The SPKI PEM of a public key, as cosign writes cosign.pub. */
export function publicKeyToPem(key: PublicKeyMaterial): string {
  return encodePem('PUBLIC KEY', key.spkiDer);
}

/** PKCS#8 DER of a private key: what cosign encrypts into cosign.key. */
export function privateKeyToPkcs8(key: PrivateKeyMaterial): Buffer {
  return key.key.export({ format: 'der', type: 'pkcs8' });
}
