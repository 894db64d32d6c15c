import type { X509Certificate } from 'node:crypto';
import { describeCause, type VouchErrorCode } from '../errors.js';
import { type CertificateAuthorities, verifyCertificateChain } from './certificate-chain.js';
import {
  type CertificateIdentity,
  type IdentityConstraints,
  identityMismatches,
  readCertificateIdentity,
} from './certificate-identity.js';
import {
  certificatePublicKey,
  parseCertificatePem,
  parseCertificatesPem,
  type PublicKeyMaterial,
} from '../crypto/index.js';

/** Whom the verifier trusts: given keys, or certificates from given CAs with a given identity. */
export type TrustPolicy =
  | { kind: 'key'; keys: readonly PublicKeyMaterial[] }
  | { kind: 'certificate'; authorities: CertificateAuthorities; identity: IdentityConstraints };

/** The outcome of checking who made one signature. */
export type SignerCheck =
  | { ok: true; keyId: string; identity?: CertificateIdentity }
  | { ok: false; code: VouchErrorCode; reason: string; seenKeyId?: string };

/**
 * Decides whether one signature was made by a trusted signer. `verifyWith` checks the signature
 * bytes with a candidate key (the caller knows what was signed: a payload, a DSSE PAE). Checks run
 * cheapest-to-forge last: the signature first (so a forged signature is never reported as an identity
 * problem), then the chain at `signingTime`, then the identity.
 */
export function checkSigner(
  material: { certificatePem?: string; chainPem?: string },
  verifyWith: (key: PublicKeyMaterial) => boolean,
  trust: TrustPolicy,
  signingTime: Date,
): SignerCheck {
  let cert: X509Certificate | undefined;
  let certError: string | undefined;
  if (material.certificatePem !== undefined && material.certificatePem !== '') {
    try {
      cert = parseCertificatePem(material.certificatePem, 'signature certificate');
    } catch (e) {
      certError = describeCause(e);
    }
  }
  let certKey: PublicKeyMaterial | undefined;
  if (cert) {
    try {
      certKey = certificatePublicKey(cert, 'signature certificate');
    } catch (e) {
      certError = describeCause(e);
    }
  }
  switch (trust.kind) {
    case 'key': {
      const key = trust.keys.find((k) => verifyWith(k));
      if (key) return { ok: true, keyId: key.keyId };
      return {
        ok: false,
        code: 'SIGNATURE_INVALID',
        reason: 'signature does not verify with the given key',
        ...(certKey ? { seenKeyId: certKey.keyId } : {}),
      };
    }
    case 'certificate': {
      if (!cert || !certKey) {
        return {
          ok: false,
          code: 'CERTIFICATE_INVALID',
          reason: certError ?? 'no certificate attached to the signature',
        };
      }
      if (!verifyWith(certKey)) {
        return {
          ok: false,
          code: 'SIGNATURE_INVALID',
          reason: 'signature does not verify with its certificate key',
          seenKeyId: certKey.keyId,
        };
      }
      let chain: X509Certificate[] = [];
      if (material.chainPem) {
        try {
          chain = parseCertificatesPem(material.chainPem, 'certificate chain');
        } catch (e) {
          return {
            ok: false,
            code: 'CERTIFICATE_INVALID',
            reason: describeCause(e),
            seenKeyId: certKey.keyId,
          };
        }
      }
      const path = verifyCertificateChain(cert, chain, trust.authorities, signingTime);
      if (!path.ok)
        return { ok: false, code: 'CERTIFICATE_INVALID', reason: path.reason, seenKeyId: certKey.keyId };
      let identity: CertificateIdentity;
      try {
        identity = readCertificateIdentity(cert, 'signature certificate');
      } catch (e) {
        return { ok: false, code: 'CERTIFICATE_INVALID', reason: describeCause(e), seenKeyId: certKey.keyId };
      }
      const mismatches = identityMismatches(identity, trust.identity);
      if (mismatches.length > 0) {
        return {
          ok: false,
          code: 'UNTRUSTED_SIGNER',
          reason: mismatches.join('; '),
          seenKeyId: certKey.keyId,
        };
      }
      return { ok: true, keyId: certKey.keyId, identity };
    }
  }
}

/** How far a failed check got: the furthest failure explains the most (signature fine, wrong digest). */
export const FAILURE_RANK: Partial<Record<VouchErrorCode, number>> = {
  DIGEST_MISMATCH: 6,
  ATTESTATION_INVALID: 5,
  UNTRUSTED_SIGNER: 4,
  CERTIFICATE_INVALID: 3,
  VERIFICATION_FAILED: 2,
  SIGNATURE_INVALID: 1,
};

/** Describes the trust policy for messages: the key ids, or the expected identity. */
export function describeTrust(trust: TrustPolicy): string {
  switch (trust.kind) {
    case 'key':
      return `key ${trust.keys.map((k) => k.keyId.slice(0, 16)).join(', ') || '(none)'}`;
    case 'certificate': {
      const i = trust.identity;
      return `identity ${i.subject ?? (i.subjectRegExp ? `/${i.subjectRegExp}/` : '(any)')} from ${i.issuer ?? (i.issuerRegExp ? `/${i.issuerRegExp}/` : '(any issuer)')}`;
    }
  }
}
