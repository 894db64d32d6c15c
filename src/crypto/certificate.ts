import { X509Certificate } from 'node:crypto';
import { describeCause, VouchError } from '../errors.js';
import { type PublicKeyMaterial, publicKeyFromKeyObject } from './key-material.js';
import { decodePemBlocks } from './pem.js';

/** Upper bound on certificates in one chain file: Fulcio chains are 2 long; 10 leaves ample room. */
export const CHAIN_MAX_CERTS = 10;

/**
 * Parses one or more `CERTIFICATE` PEM blocks (a leaf, or a chain leaf-first / intermediates-first).
 * @throws INPUT_MALFORMED, INPUT_TOO_LARGE
 */
export function parseCertificatesPem(text: string | Buffer, what: string): X509Certificate[] {
  const blocks = decodePemBlocks(text, what);
  if (blocks.length > CHAIN_MAX_CERTS) {
    throw new VouchError(
      'INPUT_TOO_LARGE',
      `${what}: ${blocks.length} certificates, at most ${CHAIN_MAX_CERTS}`,
    );
  }
  return blocks.map((b, i) => {
    if (b.label !== 'CERTIFICATE') {
      throw new VouchError(
        'INPUT_MALFORMED',
        `${what}: PEM block ${i} is "${b.label}", expected CERTIFICATE`,
      );
    }
    return certificateFromDer(b.der, `${what} [${i}]`);
  });
}

/**
 * Parses exactly one certificate.
 * @throws INPUT_MALFORMED
 */
export function parseCertificatePem(text: string | Buffer, what: string): X509Certificate {
  const certs = parseCertificatesPem(text, what);
  if (certs.length !== 1) {
    throw new VouchError('INPUT_MALFORMED', `${what}: expected one certificate, found ${certs.length}`);
  }
  return certs[0] as X509Certificate;
}

/**
 * Parses DER certificate bytes.
 * @throws INPUT_MALFORMED
 */
export function certificateFromDer(der: Buffer, what: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: not a valid X.509 certificate: ${describeCause(e)}`, {
      cause: e,
    });
  }
}

/**
 * The certificate's subject public key, vetted like any other verification key.
 * @throws UNSUPPORTED
 */
export function certificatePublicKey(cert: X509Certificate, what: string): PublicKeyMaterial {
  return publicKeyFromKeyObject(cert.publicKey, what);
}
