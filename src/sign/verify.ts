import { VouchError, type VouchErrorCode } from '../errors.js';
import { type Digest, digestOf, digestAlgorithm } from '../digest.js';
import type { CertificateIdentity } from './certificate-identity.js';
import type { CosignEntry } from './cosign-manifest.js';
import { decodeBase64Strict, verifyBytes } from '../crypto/index.js';
import { parseSimpleSigningPayload, type SimpleSigningPayload } from './simple-signing.js';
import { checkSigner, describeTrust, FAILURE_RANK, type TrustPolicy } from './trust.js';

/** One `.sig` entry with the bytes of its layer, as fetched (the core re-checks the digest). */
export interface SignatureCandidate {
  entry: CosignEntry;
  payload: Buffer;
  /**
   * When the signature was made, if the caller established it from a verified source (a Rekor entry
   * whose SET or inclusion proof it checked, or an RFC 3161 timestamp). Absent: `now` is used, which is
   * right for key signatures and makes short-lived keyless certificates fail as expired.
   */
  signingTime?: Date;
}

export type SignatureOutcome =
  | { ok: true; index: number; keyId: string; payload: SimpleSigningPayload; identity?: CertificateIdentity }
  | { ok: false; index: number; code: VouchErrorCode; reason: string; seenKeyId?: string };

/** Everything verification found, signature by signature; `error` is set when nothing verified. */
export interface ImageVerification {
  imageDigest: Digest;
  ok: boolean;
  verified: Extract<SignatureOutcome, { ok: true }>[];
  failures: Extract<SignatureOutcome, { ok: false }>[];
  error?: { code: VouchErrorCode; message: string };
}

/**
 * Verifies cosign `.sig` signatures of an image (pure: data + `now` in, result out). A signature counts
 * when it verifies over its payload with a trusted signer and the payload names `imageDigest`.
 */
export function verifyImageSignatures(input: {
  imageDigest: Digest;
  candidates: readonly SignatureCandidate[];
  trust: TrustPolicy;
  now: Date;
}): ImageVerification {
  const { imageDigest, trust, now } = input;
  const outcomes = input.candidates.map((c) => checkCandidate(c, imageDigest, trust, now));
  return summarize(imageDigest, outcomes, trust, 'signature');
}

function checkCandidate(
  c: SignatureCandidate,
  imageDigest: Digest,
  trust: TrustPolicy,
  now: Date,
): SignatureOutcome {
  const index = c.entry.index;
  // The layer bytes were fetched by digest; re-hashing here keeps the core safe with any caller.
  const got = digestOf(c.payload, digestAlgorithm(c.entry.layer.digest));
  if (got !== c.entry.layer.digest) {
    return {
      ok: false,
      index,
      code: 'DIGEST_MISMATCH',
      reason: `layer bytes hash to ${got}, not ${c.entry.layer.digest}`,
    };
  }
  let sig: Buffer;
  try {
    sig = decodeBase64Strict(c.entry.signature, 'signature annotation');
  } catch {
    return {
      ok: false,
      index,
      code: 'SIGNATURE_INVALID',
      reason: 'signature annotation is missing or not base64',
    };
  }
  const signer = checkSigner(c.entry, (k) => verifyBytes(k, c.payload, sig), trust, c.signingTime ?? now);
  if (!signer.ok) return { index, ...signer };
  let payload: SimpleSigningPayload;
  try {
    payload = parseSimpleSigningPayload(c.payload, `signature ${index} payload`);
  } catch (e) {
    return {
      ok: false,
      index,
      code: 'VERIFICATION_FAILED',
      reason: (e as Error).message,
      seenKeyId: signer.keyId,
    };
  }
  if (payload.digest !== imageDigest) {
    return {
      ok: false,
      index,
      code: 'DIGEST_MISMATCH',
      reason: `payload names digest ${payload.digest} but the image is ${imageDigest}`,
      seenKeyId: signer.keyId,
    };
  }
  return {
    ok: true,
    index,
    keyId: signer.keyId,
    payload,
    ...(signer.identity ? { identity: signer.identity } : {}),
  };
}

/** Folds per-signature outcomes into one result with the most telling error message. */
export function summarize<T extends { ok: boolean }>(
  imageDigest: Digest,
  outcomes: readonly (
    | T
    | { ok: false; index: number; code: VouchErrorCode; reason: string; seenKeyId?: string }
  )[],
  trust: TrustPolicy,
  noun: 'signature' | 'attestation',
): {
  imageDigest: Digest;
  ok: boolean;
  verified: Extract<T, { ok: true }>[];
  failures: { ok: false; index: number; code: VouchErrorCode; reason: string; seenKeyId?: string }[];
  error?: { code: VouchErrorCode; message: string };
} {
  const verified = outcomes.filter((o): o is Extract<T, { ok: true }> => o.ok);
  const failures = outcomes.filter(
    (o): o is { ok: false; index: number; code: VouchErrorCode; reason: string; seenKeyId?: string } => !o.ok,
  );
  if (verified.length > 0) return { imageDigest, ok: true, verified, failures };
  const n = outcomes.length;
  if (n === 0) {
    return {
      imageDigest,
      ok: false,
      verified,
      failures,
      error: { code: 'NO_SIGNATURES', message: `no ${noun}s attached to ${imageDigest}` },
    };
  }
  const best = [...failures].sort(
    (a, b) => (FAILURE_RANK[b.code] ?? 0) - (FAILURE_RANK[a.code] ?? 0),
  )[0] as (typeof failures)[number];
  const plural = n === 1 ? noun : `${noun}s`;
  let message: string;
  if (best.code === 'SIGNATURE_INVALID') {
    const seen = [...new Set(failures.map((f) => f.seenKeyId).filter((k): k is string => k !== undefined))];
    const seenText =
      seen.length > 0 ? seen.map((k) => k.slice(0, 16)).join(', ') : 'no key ids: no certificates attached';
    message = `${n} ${plural} found for ${imageDigest}, none verify with ${describeTrust(trust)} (seen: ${seenText})`;
  } else {
    message = `${n} ${plural} found for ${imageDigest}, none accepted: ${best.reason}`;
  }
  return { imageDigest, ok: false, verified, failures, error: { code: best.code, message } };
}

/**
 * Turns a failed verification into the VouchError the CLI reports (exit 1 for every code used here).
 * @throws NO_SIGNATURES, SIGNATURE_INVALID, DIGEST_MISMATCH, UNTRUSTED_SIGNER, CERTIFICATE_INVALID, VERIFICATION_FAILED, ATTESTATION_INVALID
 */
export function assertVerified(v: { ok: boolean; error?: { code: VouchErrorCode; message: string } }): void {
  if (v.ok) return;
  const e = v.error ?? { code: 'VERIFICATION_FAILED' as const, message: 'verification failed' };
  throw new VouchError(e.code, e.message);
}
