import type { VouchErrorCode } from '../errors.js';
import { type Digest, digestAlgorithm, digestOf } from '../digest.js';
import type { CertificateIdentity } from './certificate-identity.js';
import type { CosignEntry } from './cosign-manifest.js';
import {
  type DsseEnvelope,
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  parseEnvelope,
  parseStatement,
  type Statement,
  statementCoversDigest,
  statementDigests,
  verifyBytes,
} from '../crypto/index.js';
import { checkSigner, type TrustPolicy } from './trust.js';
import { summarize } from './verify.js';

/** One `.att` entry with its layer bytes (the DSSE envelope JSON). */
export interface AttestationCandidate {
  entry: CosignEntry;
  envelope: Buffer;
  /** Verified signing time (see SignatureCandidate.signingTime). */
  signingTime?: Date;
}

export type AttestationOutcome =
  | { ok: true; index: number; keyId: string; statement: Statement; identity?: CertificateIdentity }
  | { ok: false; index: number; code: VouchErrorCode; reason: string; seenKeyId?: string };

export interface AttestationVerification {
  imageDigest: Digest;
  ok: boolean;
  verified: Extract<AttestationOutcome, { ok: true }>[];
  failures: Extract<AttestationOutcome, { ok: false }>[];
  error?: { code: VouchErrorCode; message: string };
}

/**
 * Verifies cosign `.att` attestations of an image (pure). One counts when its DSSE envelope verifies
 * with a trusted signer, carries an in-toto statement (v1 or v0.1), a subject names `imageDigest`, and
 * — when `predicateType` is given — the statement's (signed) predicate type equals it. The layer's
 * `predicateType` annotation is unsigned and never trusted.
 */
export function verifyImageAttestations(input: {
  imageDigest: Digest;
  candidates: readonly AttestationCandidate[];
  trust: TrustPolicy;
  now: Date;
  predicateType?: string;
}): AttestationVerification {
  const outcomes = input.candidates.map((c) => checkAttestation(c, input));
  return summarize(input.imageDigest, outcomes, input.trust, 'attestation');
}

function checkAttestation(
  c: AttestationCandidate,
  input: { imageDigest: Digest; trust: TrustPolicy; now: Date; predicateType?: string },
): AttestationOutcome {
  const index = c.entry.index;
  const got = digestOf(c.envelope, digestAlgorithm(c.entry.layer.digest));
  if (got !== c.entry.layer.digest) {
    return {
      ok: false,
      index,
      code: 'DIGEST_MISMATCH',
      reason: `layer bytes hash to ${got}, not ${c.entry.layer.digest}`,
    };
  }
  let env: DsseEnvelope;
  try {
    env = parseEnvelope(c.envelope, `attestation ${index}`);
  } catch (e) {
    return { ok: false, index, code: 'SIGNATURE_INVALID', reason: (e as Error).message };
  }
  const payload = Buffer.from(env.payload, 'base64');
  const message = pae(env.payloadType, payload);
  const sigs = env.signatures.map((s) => Buffer.from(s.sig, 'base64'));
  const signer = checkSigner(
    c.entry,
    (k) => sigs.some((s) => verifyBytes(k, message, s)),
    input.trust,
    c.signingTime ?? input.now,
  );
  if (!signer.ok) return { index, ...signer };
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return {
      ok: false,
      index,
      code: 'ATTESTATION_INVALID',
      reason: `payload type ${env.payloadType} != expected ${IN_TOTO_PAYLOAD_TYPE}`,
      seenKeyId: signer.keyId,
    };
  }
  let statement: Statement;
  try {
    statement = parseStatement(payload, `attestation ${index}`);
  } catch (e) {
    return {
      ok: false,
      index,
      code: 'ATTESTATION_INVALID',
      reason: (e as Error).message,
      seenKeyId: signer.keyId,
    };
  }
  if (!statementCoversDigest(statement, input.imageDigest)) {
    return {
      ok: false,
      index,
      code: 'DIGEST_MISMATCH',
      reason: `statement subject names ${statementDigests(statement).join(', ')} but the image is ${input.imageDigest}`,
      seenKeyId: signer.keyId,
    };
  }
  if (input.predicateType !== undefined && statement.predicateType !== input.predicateType) {
    return {
      ok: false,
      index,
      code: 'ATTESTATION_INVALID',
      reason: `predicate type ${statement.predicateType} != expected ${input.predicateType}`,
      seenKeyId: signer.keyId,
    };
  }
  return {
    ok: true,
    index,
    keyId: signer.keyId,
    statement,
    ...(signer.identity ? { identity: signer.identity } : {}),
  };
}
