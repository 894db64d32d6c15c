import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as cryptoSign,
  verify as cryptoVerify,
} from 'node:crypto';
import { describeCause, VouchError } from '../errors.js';
import { canonicalJson } from './json-encoding.js';

/**
 * Keys as the in-toto reference implementation (securesystemslib `SSlibKey`) writes them into layouts:
 * `{keyid, keytype, scheme, keyval: {public}}`, where ed25519 public keys are raw hex and RSA/ECDSA
 * keys SubjectPublicKeyInfo PEM, and the keyid is the SHA-256 of the canonical JSON of
 * `{keytype, scheme, keyval}`. Signatures over classic metadata are hex; ECDSA signatures are DER.
 */
export interface PublicKeyDict {
  readonly keyid: string;
  readonly keytype: string;
  readonly scheme: string;
  readonly keyval: { readonly public: string };
}

export interface SigningKey {
  readonly public: PublicKeyDict;
  readonly privateKey: KeyObject;
}

const RSA_PSS = /^rsassa-pss-(sha224|sha256|sha384|sha512)$/;
const RSA_PKCS1 = /^rsa-pkcs1v15-(sha224|sha256|sha384|sha512)$/;
const ECDSA: Readonly<Record<string, { curve: string; hash: string }>> = {
  'ecdsa-sha2-nistp256': { curve: 'prime256v1', hash: 'sha256' },
  'ecdsa-sha2-nistp384': { curve: 'secp384r1', hash: 'sha384' },
  'ecdsa-sha2-nistp521': { curve: 'secp521r1', hash: 'sha512' },
};
const ECDSA_BY_CURVE: Readonly<Record<string, string>> = {
  prime256v1: 'ecdsa-sha2-nistp256',
  secp384r1: 'ecdsa-sha2-nistp384',
  secp521r1: 'ecdsa-sha2-nistp521',
};

/** securesystemslib's `compute_default_keyid`. */
export function computeKeyid(keytype: string, scheme: string, publicValue: string): string {
  return createHash('sha256')
    .update(canonicalJson({ keytype, scheme, keyval: { public: publicValue } }), 'utf8')
    .digest('hex');
}

/** The in-toto key dict of a public key, with securesystemslib's default scheme for its type. */
export function publicKeyDict(key: KeyObject): PublicKeyDict {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const spkiPem = (): string => String(pub.export({ type: 'spki', format: 'pem' }));
  let keytype: string;
  let scheme: string;
  let value: string;
  switch (pub.asymmetricKeyType) {
    case 'ed25519': {
      const der = pub.export({ type: 'spki', format: 'der' });
      keytype = 'ed25519';
      scheme = 'ed25519';
      value = der.subarray(der.length - 32).toString('hex');
      break;
    }
    case 'ec': {
      const curve = pub.asymmetricKeyDetails?.namedCurve ?? '';
      const s = ECDSA_BY_CURVE[curve];
      if (!s)
        throw new VouchError(
          'UNSUPPORTED',
          `ECDSA curve ${curve || '(unknown)'} is not supported by in-toto`,
        );
      keytype = 'ecdsa';
      scheme = s;
      value = spkiPem();
      break;
    }
    case 'rsa':
      keytype = 'rsa';
      scheme = 'rsassa-pss-sha256';
      value = spkiPem();
      break;
    default:
      throw new VouchError(
        'UNSUPPORTED',
        `a ${pub.asymmetricKeyType ?? 'unknown'} key cannot sign in-toto metadata`,
        {
          hint: 'use an ed25519, ECDSA (P-256/P-384) or RSA key',
        },
      );
  }
  return { keyid: computeKeyid(keytype, scheme, value), keytype, scheme, keyval: { public: value } };
}

/**
 * Reads a PEM private key (PKCS#8, or the traditional RSA/EC forms), encrypted or not, as in-toto-run's
 * `--signing-key`. @throws INPUT_MALFORMED, WRONG_PASSWORD
 */
export function loadSigningKey(pem: string | Buffer, what: string, password?: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({
      key: pem,
      format: 'pem',
      ...(password !== undefined ? { passphrase: password } : {}),
    });
  } catch (e) {
    const msg = describeCause(e);
    if (/passphrase|decrypt|bad decrypt/i.test(msg)) {
      throw new VouchError(
        'WRONG_PASSWORD',
        `${what}: the key is encrypted and the password does not open it`,
        {
          cause: e,
          hint: 'pass the password with --password (or VOUCH_PASSWORD)',
        },
      );
    }
    throw new VouchError('INPUT_MALFORMED', `${what}: not a PEM private key`, { cause: e });
  }
  return { public: publicKeyDict(privateKey), privateKey };
}

/** Reads a SubjectPublicKeyInfo PEM public key, as in-toto-verify's `--verification-keys`. */
export function loadPublicKey(pem: string | Buffer, what: string): PublicKeyDict {
  try {
    return publicKeyDict(createPublicKey({ key: pem, format: 'pem' }));
  } catch (e) {
    if (e instanceof VouchError) throw e;
    throw new VouchError('INPUT_MALFORMED', `${what}: not a PEM public key`, { cause: e });
  }
}

/** Signs bytes with the key's default scheme; returns the raw signature. */
export function signBytes(key: SigningKey, data: Uint8Array): Buffer {
  const { scheme } = key.public;
  if (scheme === 'ed25519') return cryptoSign(null, data, key.privateKey);
  const ec = ECDSA[scheme];
  if (ec) return cryptoSign(ec.hash, data, { key: key.privateKey, dsaEncoding: 'der' });
  const pss = RSA_PSS.exec(scheme);
  if (pss?.[1]) {
    // securesystemslib signs with salt length = digest length and verifies with AUTO.
    return cryptoSign(pss[1], data, {
      key: key.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
  }
  throw new VouchError('UNSUPPORTED', `signing scheme ${scheme} is not supported`);
}

function keyObjectOf(key: PublicKeyDict): KeyObject {
  if (key.keytype === 'ed25519') {
    const raw = Buffer.from(key.keyval.public, 'hex');
    if (raw.length !== 32 || !/^[0-9a-f]{64}$/i.test(key.keyval.public)) {
      throw new VouchError(
        'INPUT_MALFORMED',
        `key ${key.keyid.slice(0, 8)}: an ed25519 public key is 32 bytes of hex`,
      );
    }
    // SPKI DER for Ed25519: a fixed 12-byte prefix (RFC 8410) then the raw key.
    return createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
      format: 'der',
      type: 'spki',
    });
  }
  return createPublicKey({ key: key.keyval.public, format: 'pem' });
}

/**
 * Verifies a raw signature with a key dict, by its scheme, as securesystemslib `SSlibKey.verify_signature`
 * does (the keytype must fit the scheme; a mismatch is a failed verification, not an error).
 */
export function verifyBytes(key: PublicKeyDict, data: Uint8Array, signature: Uint8Array): boolean {
  let pub: KeyObject;
  try {
    pub = keyObjectOf(key);
  } catch {
    return false;
  }
  const { scheme, keytype } = key;
  try {
    if (scheme === 'ed25519') return keytype === 'ed25519' && cryptoVerify(null, data, pub, signature);
    const ec = ECDSA[scheme];
    if (ec) {
      if (!(keytype === 'ecdsa' || keytype === scheme)) return false;
      if (pub.asymmetricKeyDetails?.namedCurve !== ec.curve) return false;
      return cryptoVerify(ec.hash, data, { key: pub, dsaEncoding: 'der' }, signature);
    }
    const pss = RSA_PSS.exec(scheme);
    if (pss?.[1]) {
      return (
        keytype === 'rsa' &&
        cryptoVerify(
          pss[1],
          data,
          { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
          signature,
        )
      );
    }
    const pkcs1 = RSA_PKCS1.exec(scheme);
    if (pkcs1?.[1])
      return (
        keytype === 'rsa' &&
        cryptoVerify(pkcs1[1], data, { key: pub, padding: constants.RSA_PKCS1_PADDING }, signature)
      );
  } catch {
    return false;
  }
  return false;
}
