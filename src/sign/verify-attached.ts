import { IN_TOTO_PAYLOAD_TYPE, pae } from '../attest/dsse.js';
import {
  parseStatement,
  type Statement,
  statementCoversDigest,
  statementDigests,
} from '../attest/statement.js';
import { type AttestationCandidate, verifyImageAttestations } from '../attest/verify-attestations.js';
import { describeCause, type VouchErrorCode } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import type { CertificateIdentity } from './certificate-identity.js';
import { parseCertificatePem } from './keys/certificate.js';
import { encodePem } from './keys/pem.js';
import { verifyBytes } from './signature.js';
import { type Bundle, COSIGN_SIGN_PREDICATE_TYPE, parseBundle } from './sigstore-bundle.js';
import { checkSigner, type TrustPolicy } from './trust.js';
import { type SignatureCandidate, summarize, verifyImageSignatures } from './verify.js';

/** A Sigstore bundle found as an OCI 1.1 referrer of the image, with the referrer's digest for messages. */
export interface BundleCandidate {
  referrer: Digest;
  bytes: Buffer;
}

/** Everything attached to one image digest in both cosign storage formats, before verification. */
export interface AttachedCandidates<L> {
  imageDigest: Digest;
  /** Entries of the `sha256-<hex>.sig` / `.att` tag manifest. */
  legacy: L[];
  /** Bundle referrers (`application/vnd.dev.sigstore.bundle.v0.3+json`). */
  bundles: BundleCandidate[];
  /** What was seen but could not be used (a missing blob, a non-cosign manifest under the tag). */
  problems: string[];
}

/** One signature or attestation that verified, whichever format it came in. */
export interface VerifiedAttachment {
  format: 'legacy' | 'bundle';
  /** Position across legacy entries then bundles, as used in failure messages. */
  index: number;
  keyId: string;
  identity?: CertificateIdentity;
  /** DER leaf certificate when the signer was a certificate. */
  certificateDer?: Buffer;
  /** The signed bytes to show a user: the simple-signing payload, or the in-toto statement. */
  payload: Buffer;
  /** Set for DSSE content (attestations, bundle signatures). */
  statement?: Statement;
}

type Failure = { ok: false; index: number; code: VouchErrorCode; reason: string; seenKeyId?: string };
type Success = { ok: true; item: VerifiedAttachment };

export interface AttachedVerification {
  imageDigest: Digest;
  ok: boolean;
  verified: VerifiedAttachment[];
  failures: Failure[];
  error?: { code: VouchErrorCode; message: string };
}

/**
 * Verifies every signature attached to an image, legacy `.sig` entries and bundle referrers alike
 * (pure). A bundle signature counts when its DSSE envelope verifies with a trusted signer, carries an
 * in-toto statement of cosign's sign predicate type, and a subject names `imageDigest`.
 */
export function verifyAttachedSignatures(input: {
  attached: AttachedCandidates<SignatureCandidate>;
  trust: TrustPolicy;
  now: Date;
}): AttachedVerification {
  const { attached, trust, now } = input;
  const legacy = verifyImageSignatures({
    imageDigest: attached.imageDigest,
    candidates: attached.legacy,
    trust,
    now,
  });
  const outcomes: (Success | Failure)[] = [
    ...legacy.verified.map(
      (v): Success => ({
        ok: true,
        item: {
          format: 'legacy',
          index: v.index,
          keyId: v.keyId,
          ...(v.identity ? { identity: v.identity } : {}),
          ...certificateOf(attached.legacy.find((c) => c.entry.index === v.index)?.entry.certificatePem),
          payload: attached.legacy.find((c) => c.entry.index === v.index)?.payload ?? Buffer.alloc(0),
        },
      }),
    ),
    ...legacy.failures,
    ...attached.bundles.map((b, i) =>
      checkBundle(
        b,
        attached.legacy.length + i,
        attached.imageDigest,
        trust,
        now,
        COSIGN_SIGN_PREDICATE_TYPE,
      ),
    ),
  ];
  return finish(attached.imageDigest, outcomes, trust, 'signature');
}

/**
 * Verifies every attestation attached to an image in both formats (pure). Bundles holding cosign's
 * own image-signature statement are signatures, not attestations, and are left out.
 */
export function verifyAttachedAttestations(input: {
  attached: AttachedCandidates<AttestationCandidate>;
  trust: TrustPolicy;
  now: Date;
  predicateType?: string;
}): AttachedVerification {
  const { attached, trust, now } = input;
  const legacy = verifyImageAttestations({
    imageDigest: attached.imageDigest,
    candidates: attached.legacy,
    trust,
    now,
    ...(input.predicateType !== undefined ? { predicateType: input.predicateType } : {}),
  });
  const bundleOutcomes = attached.bundles
    .map((b, i) =>
      checkBundle(b, attached.legacy.length + i, attached.imageDigest, trust, now, input.predicateType),
    )
    .filter((o) => !(o.ok && o.item.statement?.predicateType === COSIGN_SIGN_PREDICATE_TYPE));
  const outcomes: (Success | Failure)[] = [
    ...legacy.verified.map(
      (v): Success => ({
        ok: true,
        item: {
          format: 'legacy',
          index: v.index,
          keyId: v.keyId,
          ...(v.identity ? { identity: v.identity } : {}),
          ...certificateOf(attached.legacy.find((c) => c.entry.index === v.index)?.entry.certificatePem),
          payload: Buffer.from(JSON.stringify(v.statement)),
          statement: v.statement,
        },
      }),
    ),
    ...legacy.failures,
    ...bundleOutcomes,
  ];
  return finish(attached.imageDigest, outcomes, trust, 'attestation');
}

function finish(
  imageDigest: Digest,
  outcomes: (Success | Failure)[],
  trust: TrustPolicy,
  noun: 'signature' | 'attestation',
): AttachedVerification {
  const s = summarize(imageDigest, outcomes, trust, noun);
  return {
    imageDigest,
    ok: s.ok,
    verified: s.verified.map((v) => v.item).sort((a, b) => a.index - b.index),
    failures: s.failures,
    ...(s.error ? { error: s.error } : {}),
  };
}

function certificateOf(pem: string | undefined): { certificateDer?: Buffer } {
  if (pem === undefined || pem === '') return {};
  // With key trust the certificate annotation is never checked, so it may be garbage an attacker put
  // beside a good signature: unparseable means "no certificate", never an exception.
  try {
    return { certificateDer: parseCertificatePem(pem, 'signature certificate').raw };
  } catch {
    return {};
  }
}

/** The signer material of a bundle as the PEM strings checkSigner takes. */
function bundleSignerMaterial(bundle: Bundle): { certificatePem?: string; chainPem?: string } {
  const m = bundle.verificationMaterial.content;
  switch (m.$case) {
    case 'publicKey':
      return {};
    case 'certificate':
      return { certificatePem: encodePem('CERTIFICATE', m.certificate.rawBytes) };
    case 'x509CertificateChain': {
      const [leaf, ...rest] = m.x509CertificateChain.certificates;
      if (!leaf) return {};
      return {
        certificatePem: encodePem('CERTIFICATE', leaf.rawBytes),
        ...(rest.length > 0
          ? { chainPem: rest.map((c) => encodePem('CERTIFICATE', c.rawBytes)).join('') }
          : {}),
      };
    }
  }
}

/**
 * Checks one bundle referrer: parse (attacker-controlled bytes: a truncated or hostile bundle is a
 * failed candidate, never an exception that hides the others), signer, payload type, statement,
 * subject digest, predicate type.
 */
function checkBundle(
  b: BundleCandidate,
  index: number,
  imageDigest: Digest,
  trust: TrustPolicy,
  now: Date,
  predicateType: string | undefined,
): Success | Failure {
  let bundle: Bundle;
  try {
    bundle = parseBundle(b.bytes, `bundle referrer ${b.referrer}`);
  } catch (e) {
    return { ok: false, index, code: 'VERIFICATION_FAILED', reason: describeCause(e) };
  }
  if (bundle.content.$case !== 'dsseEnvelope') {
    return {
      ok: false,
      index,
      code: 'VERIFICATION_FAILED',
      reason: `bundle referrer ${b.referrer} carries a message signature; image bundles carry a DSSE envelope`,
    };
  }
  const env = bundle.content.dsseEnvelope;
  const payload = Buffer.from(env.payload);
  const message = pae(env.payloadType, payload);
  const material = bundleSignerMaterial(bundle);
  const signer = checkSigner(
    material,
    (k) => env.signatures.some((s) => verifyBytes(k, message, s.sig)),
    trust,
    now,
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
    statement = parseStatement(payload, `bundle referrer ${b.referrer}`);
  } catch (e) {
    return {
      ok: false,
      index,
      code: 'ATTESTATION_INVALID',
      reason: describeCause(e),
      seenKeyId: signer.keyId,
    };
  }
  if (!statementCoversDigest(statement, imageDigest)) {
    return {
      ok: false,
      index,
      code: 'DIGEST_MISMATCH',
      reason: `statement subject names ${statementDigests(statement).join(', ')} but the image is ${imageDigest}`,
      seenKeyId: signer.keyId,
    };
  }
  if (predicateType !== undefined && statement.predicateType !== predicateType) {
    return {
      ok: false,
      index,
      code: 'ATTESTATION_INVALID',
      reason: `predicate type ${statement.predicateType} != expected ${predicateType}`,
      seenKeyId: signer.keyId,
    };
  }
  return {
    ok: true,
    item: {
      format: 'bundle',
      index,
      keyId: signer.keyId,
      ...(signer.identity ? { identity: signer.identity } : {}),
      ...certificateOf(material.certificatePem),
      payload,
      statement,
    },
  };
}
