import { generateKeyPairSync, randomBytes, scrypt } from 'node:crypto';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa';
import { describeCause, VouchError } from '../errors.js';
import {
  type PrivateKeyMaterial,
  privateKeyFromDer,
  privateKeyFromKeyObject,
  privateKeyToPkcs8,
  publicKeyToPem,
} from './key-material.js';
import { decodeSinglePem, encodePem } from './pem.js';

/** The PEM label cosign writes today. */
export const SIGSTORE_PRIVATE_KEY_PEM = 'ENCRYPTED SIGSTORE PRIVATE KEY';
/** The PEM label older cosign releases wrote; still read. */
export const COSIGN_PRIVATE_KEY_PEM = 'ENCRYPTED COSIGN PRIVATE KEY';

/** scrypt cost parameters of the `encrypted` envelope (go-securesystemslib). */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * What vouch generates with: go-securesystemslib's original ("legacy") parameters. Recent cosign
 * writes N=65536, but cosign releases before that refuse any N other than 32768, so 32768 is the one
 * setting every cosign can read. Both are read here.
 */
export const COSIGN_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 32768, r: 8, p: 1 });

// Upper bounds on attacker-chosen KDF parameters: a hostile key file must not make us allocate
// gigabytes or spin for minutes. cosign has written N=32768 and N=65536 (r=8, p=1); go-securesystemslib's
// largest preset is N=131072. scrypt needs 128*N*r bytes, so cap that product at 256 MiB.
const SCRYPT_MEMORY_MAX_BYTES = 256 * 1024 * 1024;
const SCRYPT_R_MAX = 32;
const SCRYPT_P_MAX = 4;
const SALT_BYTES = 32;
const NONCE_BYTES = 24;
const KEY_BYTES = 32;

/** The JSON envelope inside the PEM (go-securesystemslib `encrypted.Encrypt`). */
interface EncryptedKeyEnvelope {
  kdf: { name: 'scrypt'; params: ScryptParams; salt: string };
  cipher: { name: 'nacl/secretbox'; nonce: string };
  ciphertext: string;
}

export interface EncryptOptions {
  params?: ScryptParams;
  /** PEM label; cosign writes SIGSTORE, and keeps COSIGN when re-encrypting an old key. */
  label?: typeof SIGSTORE_PRIVATE_KEY_PEM | typeof COSIGN_PRIVATE_KEY_PEM;
  /** For reproducible tests only; random otherwise. */
  salt?: Buffer;
  nonce?: Buffer;
}

function deriveKey(password: Buffer, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // node's default maxmem (32 MiB) is below what N=65536 r=8 needs (64 MiB): size it from the params.
  const maxmem = 128 * params.N * params.r * params.p + 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) => {
      if (err) reject(new VouchError('INPUT_MALFORMED', `scrypt failed: ${err.message}`, { cause: err }));
      else resolve(key);
    });
  });
}

/**
 * Encrypts PKCS#8 DER into cosign's `ENCRYPTED SIGSTORE PRIVATE KEY` PEM.
 * @throws INPUT_MALFORMED
 */
export async function encryptCosignKey(
  pkcs8Der: Buffer,
  password: string | Buffer,
  opts: EncryptOptions = {},
): Promise<string> {
  const params = opts.params ?? COSIGN_SCRYPT_PARAMS;
  checkParams(params, 'scrypt parameters');
  const salt = opts.salt ?? randomBytes(SALT_BYTES);
  const nonce = opts.nonce ?? randomBytes(NONCE_BYTES);
  const key = await deriveKey(toBuffer(password), salt, params);
  const sealed = xsalsa20poly1305(key, nonce).encrypt(pkcs8Der);
  const envelope: EncryptedKeyEnvelope = {
    kdf: { name: 'scrypt', params: { N: params.N, r: params.r, p: params.p }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(sealed).toString('base64'),
  };
  return encodePem(opts.label ?? SIGSTORE_PRIVATE_KEY_PEM, Buffer.from(JSON.stringify(envelope)));
}

/**
 * Decrypts a cosign private key (`ENCRYPTED SIGSTORE|COSIGN PRIVATE KEY`) with its password.
 * `what` names the key in messages (usually the file name).
 * @throws WRONG_PASSWORD, INPUT_MALFORMED, UNSUPPORTED
 */
export async function decryptCosignKey(
  pem: string | Buffer,
  password: string | Buffer,
  what: string,
): Promise<PrivateKeyMaterial> {
  const block = decodeSinglePem(pem, [SIGSTORE_PRIVATE_KEY_PEM, COSIGN_PRIVATE_KEY_PEM], what);
  const env = parseEnvelope(block.der, what);
  const key = await deriveKey(toBuffer(password), env.salt, env.params);
  let plain: Uint8Array;
  try {
    plain = xsalsa20poly1305(key, env.nonce).decrypt(env.ciphertext);
  } catch (e) {
    // Poly1305 authenticates the ciphertext under the derived key: a wrong password and a
    // modified file are indistinguishable here, and the password is by far the likelier cause.
    throw new VouchError('WRONG_PASSWORD', `wrong password for ${what}`, {
      cause: e,
      hint: 'check VOUCH_PASSWORD / COSIGN_PASSWORD, or the key file was modified',
    });
  }
  const der = Buffer.from(plain);
  try {
    return privateKeyFromDer(der, 'pkcs8', what);
  } catch (e) {
    // Some early cosign-labelled EC keys carry SEC1 DER instead of PKCS#8 (cosign's own
    // keys_test.go vector "COSIGN PEM EC Type"); accept those rather than strand their owners.
    if (e instanceof VouchError && e.code === 'INPUT_MALFORMED') return privateKeyFromDer(der, 'sec1', what);
    throw e;
  }
}

function parseEnvelope(
  der: Buffer,
  what: string,
): { params: ScryptParams; salt: Buffer; nonce: Buffer; ciphertext: Buffer } {
  let doc: unknown;
  try {
    doc = JSON.parse(der.toString('utf8'));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: encrypted key is not JSON: ${describeCause(e)}`, {
      cause: e,
    });
  }
  const bad: string[] = [];
  const kdf = field(doc, 'kdf');
  const cipher = field(doc, 'cipher');
  if (field(kdf, 'name') !== 'scrypt') bad.push('kdf.name (must be "scrypt")');
  const p = field(kdf, 'params');
  const params = { N: field(p, 'N'), r: field(p, 'r'), p: field(p, 'p') };
  if (field(cipher, 'name') !== 'nacl/secretbox') bad.push('cipher.name (must be "nacl/secretbox")');
  const salt = b64(field(kdf, 'salt'), 'kdf.salt', bad);
  const nonce = b64(field(cipher, 'nonce'), 'cipher.nonce', bad);
  const ciphertext = b64(field(doc, 'ciphertext'), 'ciphertext', bad);
  if (nonce && nonce.length !== NONCE_BYTES) bad.push(`cipher.nonce (must be ${NONCE_BYTES} bytes)`);
  if (salt && salt.length === 0) bad.push('kdf.salt (empty)');
  // secretbox output is at least its 16-byte tag.
  if (ciphertext && ciphertext.length < 16) bad.push('ciphertext (shorter than the authentication tag)');
  if (![params.N, params.r, params.p].every((x) => typeof x === 'number'))
    bad.push('kdf.params (N, r, p numbers)');
  if (bad.length > 0 || !salt || !nonce || !ciphertext) {
    throw new VouchError('INPUT_MALFORMED', `${what}: invalid encrypted key: ${bad.join('; ')}`, {
      fields: bad,
    });
  }
  const checked = params as ScryptParams;
  checkParams(checked, `${what}: kdf.params`);
  return { params: checked, salt, nonce, ciphertext };
}

function checkParams(params: ScryptParams, what: string): void {
  const { N, r, p } = params;
  const powerOfTwo = Number.isSafeInteger(N) && N > 1 && N <= 2 ** 30 && (N & (N - 1)) === 0;
  const rOk = Number.isSafeInteger(r) && r >= 1 && r <= SCRYPT_R_MAX;
  if (!powerOfTwo || !rOk || 128 * N * r > SCRYPT_MEMORY_MAX_BYTES) {
    throw new VouchError('INPUT_MALFORMED', `${what}: scrypt N=${N} r=${r} is out of range`, {
      hint: `N must be a power of two and 128*N*r at most ${SCRYPT_MEMORY_MAX_BYTES} bytes`,
    });
  }
  if (!Number.isSafeInteger(p) || p < 1 || p > SCRYPT_P_MAX) {
    throw new VouchError('INPUT_MALFORMED', `${what}: scrypt p=${p} is out of range (1..${SCRYPT_P_MAX})`);
  }
}

function field(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)[key]
    : undefined;
}

function b64(v: unknown, path: string, bad: string[]): Buffer | undefined {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
    bad.push(`${path} (must be standard base64)`);
    return undefined;
  }
  return Buffer.from(v, 'base64');
}

function toBuffer(password: string | Buffer): Buffer {
  return typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
}

/** A freshly generated key pair, encoded as cosign writes it. */
export interface GeneratedKeyPair {
  privateKey: PrivateKeyMaterial;
  /** cosign.key contents. */
  privatePem: string;
  /** cosign.pub contents. */
  publicPem: string;
}

/**
 * Generates an ECDSA P-256 key pair (cosign's default) and encodes it as cosign.key + cosign.pub.
 * @throws INPUT_MALFORMED
 */
export async function generateCosignKeyPair(
  password: string | Buffer,
  opts: EncryptOptions = {},
): Promise<GeneratedKeyPair> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const material = privateKeyFromKeyObject(privateKey, 'generated key');
  const privatePem = await encryptCosignKey(privateKeyToPkcs8(material), password, opts);
  return { privateKey: material, privatePem, publicPem: publicKeyToPem(material.publicKey) };
}
