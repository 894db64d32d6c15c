import { describeCause, VouchError, type VouchErrorCode } from '../../errors.js';
import type { Digest } from '../../oci/digest.js';
import type { IdentityConstraints } from '../certificate-identity.js';
import { hasIdentityConstraint } from '../certificate-identity.js';
import type { TrustPolicy } from '../trust.js';
import {
  type ImageVerification,
  type SignatureCandidate,
  summarize,
  verifyImageSignatures,
} from '../verify.js';
import { type VerifiedRekorEntry, verifyCosignRekorBundle } from './rekor-bundle.js';
import type { TrustedRootMaterial } from './trusted-root.js';

/** Keyless `.sig` verification: the usual outcome, plus the Rekor entry that dated each verified signature. */
export interface KeylessImageVerification extends ImageVerification {
  /** Keyed by signature index; absent for signatures accepted under insecureIgnoreTlog. */
  tlog: Record<number, VerifiedRekorEntry>;
}

/**
 * Verifies cosign legacy `.sig` signatures made keylessly, as cosign does: each layer's Rekor bundle
 * annotation is checked first (SET with the trusted root's Rekor key, body = this signature), and its
 * integratedTime becomes the time at which the short-lived Fulcio certificate must have been valid;
 * then signature, chain to the root's Fulcio CAs and identity (src/sign/verify.ts). Without a Rekor
 * bundle a layer fails, unless insecureIgnoreTlog, where the certificate is checked at `now`.
 * @throws USAGE (no identity constraint)
 */
export function verifyKeylessImageSignatures(input: {
  imageDigest: Digest;
  candidates: readonly SignatureCandidate[];
  trustedRoot: TrustedRootMaterial;
  identity: IdentityConstraints;
  insecureIgnoreTlog?: boolean;
  now: Date;
}): KeylessImageVerification {
  if (!hasIdentityConstraint(input.identity)) {
    throw new VouchError(
      'USAGE',
      'keyless verification needs --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]',
    );
  }
  const trust: TrustPolicy = {
    kind: 'certificate',
    authorities: input.trustedRoot.authorities,
    identity: input.identity,
  };
  const tlog: Record<number, VerifiedRekorEntry> = {};
  const tlogFailures: { ok: false; index: number; code: VouchErrorCode; reason: string }[] = [];
  const dated: SignatureCandidate[] = [];
  for (const c of input.candidates) {
    const index = c.entry.index;
    if (c.entry.rekorBundle === undefined || c.entry.rekorBundle === '') {
      if (input.insecureIgnoreTlog) {
        dated.push({ ...c, signingTime: input.now });
      } else {
        tlogFailures.push({
          ok: false,
          index,
          code: 'TLOG_INVALID',
          reason: `signature ${index} has no Rekor bundle annotation (dev.sigstore.cosign/bundle); pass --insecure-ignore-tlog to accept it`,
        });
      }
      continue;
    }
    try {
      const entry = verifyCosignRekorBundle({
        rekorBundle: c.entry.rekorBundle,
        signature: c.entry.signature,
        payload: c.payload,
        certificatePem: c.entry.certificatePem ?? '',
        rekorLogs: input.trustedRoot.rekorLogs,
        what: `signature ${index}`,
      });
      tlog[index] = entry;
      dated.push({ ...c, signingTime: entry.integratedTime });
    } catch (e) {
      const code: VouchErrorCode = e instanceof VouchError ? e.code : 'TLOG_INVALID';
      tlogFailures.push({ ok: false, index, code, reason: describeCause(e) });
    }
  }
  const checked = verifyImageSignatures({
    imageDigest: input.imageDigest,
    candidates: dated,
    trust,
    now: input.now,
  });
  const merged = summarize(
    input.imageDigest,
    [...checked.verified, ...checked.failures, ...tlogFailures],
    trust,
    'signature',
  );
  return { ...merged, tlog };
}
