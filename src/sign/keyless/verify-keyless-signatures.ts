import { type DsseEnvelope, parseEnvelope } from '../../crypto/index.js';
import {
  type AttestationCandidate,
  type AttestationVerification,
  verifyImageAttestations,
} from '../verify-attestations.js';
import { describeCause, VouchError, type VouchErrorCode } from '../../errors.js';
import type { Digest } from '../../digest.js';
import { hasIdentityConstraint, type IdentityConstraints } from '../certificate-identity.js';
import type { CosignEntry } from '../cosign-manifest.js';
import type { TrustPolicy } from '../trust.js';
import {
  type ImageVerification,
  type SignatureCandidate,
  summarize,
  verifyImageSignatures,
} from '../verify.js';
import {
  legacySignatureBundle,
  type RekorSignedContent,
  type VerifiedRekorEntry,
  verifyCosignRekorBundle,
} from './rekor-bundle.js';
import type { TrustedRootMaterial } from './trusted-root.js';
import { type BundleArtifact, verifySigstoreBundle } from './verify-sigstore-bundle.js';

type TlogFailure = { ok: false; index: number; code: VouchErrorCode; reason: string };

/** Legacy candidates with a verified signing time, and those whose tlog evidence failed. */
export interface DatedCandidates<C> {
  dated: C[];
  failures: TlogFailure[];
  /** The Rekor entry that dated each candidate, by signature index. */
  tlog: Record<number, VerifiedRekorEntry>;
}

/**
 * Establishes the signing time of cosign `.sig` / `.att` entries from their Rekor bundle annotations,
 * as cosign does for keyless signatures: the SET must verify with the trusted root's Rekor key and the
 * entry must record this very signature and certificate; its integratedTime becomes `signingTime`,
 * the time at which the short-lived Fulcio certificate must have been valid. An entry without a Rekor
 * bundle fails with TLOG_INVALID, unless insecureIgnoreTlog (then it is dated `now`). The dated
 * candidates go on to the usual signature/chain/identity checks (verifyImageSignatures,
 * verifyImageAttestations, verifyAttachedSignatures/Attestations) with `keylessTrustPolicy(...)`.
 */
export function dateByRekorBundles<C extends { entry: CosignEntry; signingTime?: Date }>(input: {
  candidates: readonly C[];
  content: (c: C) => RekorSignedContent;
  trustedRoot: TrustedRootMaterial;
  insecureIgnoreTlog?: boolean;
  now: Date;
}): DatedCandidates<C> {
  const out: DatedCandidates<C> = { dated: [], failures: [], tlog: {} };
  for (const c of input.candidates) {
    const index = c.entry.index;
    if (c.entry.rekorBundle === undefined || c.entry.rekorBundle === '') {
      if (input.insecureIgnoreTlog) {
        out.dated.push({ ...c, signingTime: input.now });
      } else {
        out.failures.push({
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
        content: input.content(c),
        signer: { kind: 'certificate', certificatePem: c.entry.certificatePem ?? '' },
        rekorLogs: input.trustedRoot.rekorLogs,
        what: `signature ${index}`,
      });
      out.tlog[index] = entry;
      out.dated.push({ ...c, signingTime: entry.integratedTime });
    } catch (e) {
      const code: VouchErrorCode = e instanceof VouchError ? e.code : 'TLOG_INVALID';
      out.failures.push({ ok: false, index, code, reason: describeCause(e) });
    }
  }
  return out;
}

/**
 * The certificate trust policy for keyless verification: the trusted root's Fulcio CAs and the
 * required identity.
 * @throws USAGE (no identity or no issuer constraint)
 */
export function keylessTrustPolicy(
  trustedRoot: TrustedRootMaterial,
  identity: IdentityConstraints,
): TrustPolicy {
  if (!hasIdentityConstraint(identity)) {
    throw new VouchError(
      'USAGE',
      'keyless verification needs --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]',
    );
  }
  return { kind: 'certificate', authorities: trustedRoot.authorities, identity };
}

/** Keyless `.sig` verification: the usual outcome, plus the Rekor entry that dated each verified signature. */
export interface KeylessImageVerification extends ImageVerification {
  /** Keyed by signature index; absent for signatures accepted under insecureIgnoreTlog. */
  tlog: Record<number, VerifiedRekorEntry>;
}

/**
 * Verifies cosign legacy `.sig` signatures made keylessly (pure), as cosign verify does: Rekor bundle
 * first (dateByRekorBundles), then signature, chain to the root's Fulcio CAs at integratedTime and
 * identity; unless insecureIgnoreSct, the layer is also verified as the Sigstore bundle it is
 * equivalent to (legacySignatureBundle), which adds the SCT check against the root's CT logs.
 * @throws USAGE (no identity constraint)
 */
export function verifyKeylessImageSignatures(input: {
  imageDigest: Digest;
  candidates: readonly SignatureCandidate[];
  trustedRoot: TrustedRootMaterial;
  identity: IdentityConstraints;
  insecureIgnoreTlog?: boolean;
  insecureIgnoreSct?: boolean;
  now: Date;
}): KeylessImageVerification {
  const trust = keylessTrustPolicy(input.trustedRoot, input.identity);
  const d = dateByRekorBundles({
    candidates: input.candidates,
    content: (c) => ({ kind: 'simple-signing', signature: c.entry.signature, payload: c.payload }),
    trustedRoot: input.trustedRoot,
    ...(input.insecureIgnoreTlog ? { insecureIgnoreTlog: true } : {}),
    now: input.now,
  });
  const sctFailures: TlogFailure[] = [];
  const dated = input.insecureIgnoreSct
    ? d.dated
    : d.dated.filter((c) => {
        const failure = sctFailure(
          c,
          { kind: 'simple-signing', signature: c.entry.signature, payload: c.payload },
          { kind: 'bytes', bytes: c.payload },
          input,
        );
        if (failure) sctFailures.push(failure);
        return failure === undefined;
      });
  const checked = verifyImageSignatures({
    imageDigest: input.imageDigest,
    candidates: dated,
    trust,
    now: input.now,
  });
  const merged = summarize(
    input.imageDigest,
    [...checked.verified, ...checked.failures, ...d.failures, ...sctFailures],
    trust,
    'signature',
  );
  return { ...merged, tlog: d.tlog };
}

/**
 * Runs the sigstore-js verification over the layer's equivalent bundle; a failure there (the missing
 * or invalid SCT being the case the other checks do not cover) rejects the signature. A layer without
 * a Rekor bundle (accepted only under insecureIgnoreTlog) has no equivalent bundle: its SCT is not checked.
 */
function sctFailure(
  c: { entry: CosignEntry },
  content: RekorSignedContent,
  artifact: BundleArtifact,
  input: { trustedRoot: TrustedRootMaterial; identity: IdentityConstraints; now: Date },
): TlogFailure | undefined {
  const index = c.entry.index;
  if (!c.entry.rekorBundle) return undefined;
  try {
    verifySigstoreBundle({
      artifact,
      trustedRoot: input.trustedRoot,
      policy: { kind: 'certificate', identity: input.identity },
      now: input.now,
      what: `signature ${index}`,
      bundle: legacySignatureBundle({
        rekorBundle: c.entry.rekorBundle,
        content,
        certificatePem: c.entry.certificatePem ?? '',
        what: `signature ${index}`,
      }),
    });
    return undefined;
  } catch (e) {
    const code: VouchErrorCode = e instanceof VouchError ? e.code : 'CERTIFICATE_INVALID';
    return { ok: false, index, code, reason: describeCause(e) };
  }
}

/** Keyless `.att` verification result, with the Rekor entry that dated each verified attestation. */
export interface KeylessAttestationVerification extends AttestationVerification {
  tlog: Record<number, VerifiedRekorEntry>;
}

/**
 * Verifies cosign legacy `.att` attestations made keylessly (pure): the Rekor bundle (intoto v0.0.2 or
 * dsse v0.0.1 entry recording this envelope) dates each one, then verifyImageAttestations checks the
 * DSSE signature, chain at that time, identity, subject and predicate type; unless insecureIgnoreSct,
 * the equivalent Sigstore bundle is verified too (SCT check), as for `.sig` layers.
 * @throws USAGE (no identity constraint)
 */
export function verifyKeylessImageAttestations(input: {
  imageDigest: Digest;
  candidates: readonly AttestationCandidate[];
  trustedRoot: TrustedRootMaterial;
  identity: IdentityConstraints;
  predicateType?: string;
  insecureIgnoreTlog?: boolean;
  insecureIgnoreSct?: boolean;
  now: Date;
}): KeylessAttestationVerification {
  const trust = keylessTrustPolicy(input.trustedRoot, input.identity);
  const envelopes = new Map<AttestationCandidate, DsseEnvelope | undefined>();
  const envelopeOf = (c: AttestationCandidate): DsseEnvelope | undefined => {
    if (!envelopes.has(c)) {
      try {
        envelopes.set(c, parseEnvelope(c.envelope, `attestation ${c.entry.index}`));
      } catch {
        // An unparsable envelope is reported by verifyImageAttestations with its own code.
        envelopes.set(c, undefined);
      }
    }
    return envelopes.get(c);
  };
  const parsable = input.candidates.filter((c) => envelopeOf(c) !== undefined);
  const d = dateByRekorBundles({
    candidates: parsable,
    content: (c) => {
      const envelope = envelopeOf(c);
      if (!envelope) throw new VouchError('INTERNAL', 'envelope vanished between parse and dating');
      return { kind: 'dsse', envelope };
    },
    trustedRoot: input.trustedRoot,
    ...(input.insecureIgnoreTlog ? { insecureIgnoreTlog: true } : {}),
    now: input.now,
  });
  const sctFailures: TlogFailure[] = [];
  const dated = input.insecureIgnoreSct
    ? d.dated
    : d.dated.filter((c) => {
        const envelope = envelopeOf(c);
        const failure = envelope
          ? sctFailure(c, { kind: 'dsse', envelope }, { kind: 'digest', digest: input.imageDigest }, input)
          : undefined;
        if (failure) sctFailures.push(failure);
        return failure === undefined;
      });
  const checked = verifyImageAttestations({
    imageDigest: input.imageDigest,
    candidates: [...dated, ...input.candidates.filter((c) => envelopeOf(c) === undefined)],
    trust,
    now: input.now,
    ...(input.predicateType !== undefined ? { predicateType: input.predicateType } : {}),
  });
  const merged = summarize(
    input.imageDigest,
    [...checked.verified, ...checked.failures, ...d.failures, ...sctFailures],
    trust,
    'attestation',
  );
  return { ...merged, tlog: d.tlog };
}
