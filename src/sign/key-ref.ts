import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { VouchError } from '../errors.js';
import {
  COSIGN_PRIVATE_KEY_PEM,
  decodePemBlocks,
  decryptCosignKey,
  parseCertificatesPem,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  PEM_MAX_BYTES,
  type PrivateKeyMaterial,
  type PublicKeyMaterial,
  SIGSTORE_PRIVATE_KEY_PEM,
} from '../crypto/index.js';

/** Where key material comes from: process environment and files, passed in as data. */
export interface KeySourceDeps {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/**
 * Reads a small trust file (key, certificate, PEM roots) whole, refusing more than `maxBytes` before
 * reading it all.
 * @throws FILE_NOT_FOUND, INPUT_TOO_LARGE, IO_ERROR
 */
export async function readSmallFile(
  path: string,
  cwd: string,
  maxBytes: number,
  what: string,
): Promise<Buffer> {
  const full = resolve(cwd, path);
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(full, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new VouchError('FILE_NOT_FOUND', `${what}: ${path} does not exist`, { cause: e });
    throw new VouchError('IO_ERROR', `${what}: cannot open ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new VouchError('INPUT_MALFORMED', `${what}: ${path} is not a regular file`);
    if (st.size > maxBytes) {
      throw new VouchError('INPUT_TOO_LARGE', `${what}: ${path} is ${st.size} bytes, at most ${maxBytes}`);
    }
    const buf = Buffer.alloc(st.size);
    const { bytesRead } = await fh.read(buf, 0, st.size, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * The text of a `--key` value: `env://VAR` (cosign's syntax for a key held in an environment
 * variable) or a file path.
 * @throws USAGE, FILE_NOT_FOUND, INPUT_TOO_LARGE, IO_ERROR
 */
export async function readKeyRef(ref: string, deps: KeySourceDeps): Promise<Buffer> {
  if (ref.startsWith('env://')) {
    const name = ref.slice('env://'.length);
    const v = deps.env[name];
    if (name === '' || v === undefined || v === '') {
      throw new VouchError(
        'USAGE',
        `--key ${ref}: environment variable ${name || '(empty name)'} is not set`,
      );
    }
    if (Buffer.byteLength(v) > PEM_MAX_BYTES)
      throw new VouchError('INPUT_TOO_LARGE', `--key ${ref}: too large`);
    return Buffer.from(v, 'utf8');
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref)) {
    throw new VouchError('UNSUPPORTED', `--key ${ref}: KMS and remote key references are not supported`, {
      hint: 'pass a key file or env://VAR',
    });
  }
  return readSmallFile(ref, deps.cwd, PEM_MAX_BYTES, '--key');
}

/** True when the PEM holds a cosign-encrypted private key (which needs a password). */
export function isEncryptedCosignKey(pem: Buffer): boolean {
  const first = decodePemBlocks(pem, 'key')[0];
  return first?.label === SIGSTORE_PRIVATE_KEY_PEM || first?.label === COSIGN_PRIVATE_KEY_PEM;
}

/**
 * Loads a signing key from `--key`: a cosign-encrypted key (the password is asked for only then) or
 * an unencrypted PKCS#8 / SEC1 / PKCS#1 PEM. The key is named by `ref` in messages, so a wrong
 * password reads "wrong password for cosign.key".
 * @throws WRONG_PASSWORD, INPUT_MALFORMED, UNSUPPORTED, USAGE, FILE_NOT_FOUND
 */
export async function loadSigningKey(
  ref: string,
  deps: KeySourceDeps & { password: () => Promise<string> },
): Promise<PrivateKeyMaterial> {
  const pem = await readKeyRef(ref, deps);
  if (isEncryptedCosignKey(pem)) return decryptCosignKey(pem, await deps.password(), ref);
  return parsePrivateKeyPem(pem, ref);
}

/**
 * Loads verification keys from `--key`: a `PUBLIC KEY` PEM, or a certificate whose key is used
 * (cosign accepts both).
 * @throws INPUT_MALFORMED, UNSUPPORTED, USAGE, FILE_NOT_FOUND
 */
export async function loadVerificationKey(ref: string, deps: KeySourceDeps): Promise<PublicKeyMaterial> {
  const pem = await readKeyRef(ref, deps);
  const first = decodePemBlocks(pem, ref)[0];
  if (first?.label === 'CERTIFICATE') {
    const cert = parseCertificatesPem(pem, ref)[0];
    if (cert) return parsePublicKeyPem(cert.publicKey.export({ format: 'pem', type: 'spki' }), ref);
  }
  return parsePublicKeyPem(pem, ref);
}
