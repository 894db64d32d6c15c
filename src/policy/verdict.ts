/** One comparison the engine made: what the policy expected and what the evidence showed. */
export interface Check {
  readonly what: string;
  readonly expected: string;
  readonly found: string;
  readonly ok: boolean;
  /** Why a failing check failed, set where the check is made (never parsed back from the text). */
  readonly reason?: FailureReason;
}

/**
 * Machine reasons for a failing check, from the most basic to the closest to passing:
 * - `policy-error`: the policy could not be evaluated (preconditions, context, rego, unresolved template)
 * - `digest-required` / `digest-mismatch`: Kyverno verifyDigest, or a pinned digest that is not the image's
 * - `static-fail`: a CIP `static: {action: fail}` authority
 * - `no-evidence`: the digest or the evidence for it is unknown (nothing could be read)
 * - `no-signatures`: nothing verified at all for this digest
 * - `untrusted-signer`: verified signatures, none by a signer the policy trusts
 * - `wrong-repository`: a trusted signature, stored where the policy does not look (`source.oci`)
 * - `no-tlog-entry` / `no-timestamp`: a trusted signature without the required Rekor entry / RFC 3161 stamp
 * - `missing-attestation`: no trusted attestation of the predicate type
 * - `policy-condition`: a trusted attestation whose content fails the policy (CUE, Kyverno conditions)
 */
export type FailureReason =
  | 'policy-error'
  | 'digest-required'
  | 'digest-mismatch'
  | 'static-fail'
  | 'no-evidence'
  | 'no-signatures'
  | 'untrusted-signer'
  | 'wrong-repository'
  | 'no-tlog-entry'
  | 'no-timestamp'
  | 'missing-attestation'
  | 'policy-condition';

export const FAILURE_REASON_RANK: Readonly<Record<FailureReason, number>> = {
  'policy-error': 0,
  'digest-required': 1,
  'digest-mismatch': 2,
  'static-fail': 3,
  'no-evidence': 4,
  'no-signatures': 5,
  'untrusted-signer': 6,
  'wrong-repository': 7,
  'no-tlog-entry': 8,
  'no-timestamp': 9,
  'missing-attestation': 10,
  'policy-condition': 11,
};

/** Reasons that mean the image carries no signature the policy accepts as its signer's. */
export const UNSIGNED_REASONS: ReadonlySet<FailureReason> = new Set(['no-signatures', 'untrusted-signer']);

/** The result of one CIP authority or one Kyverno attestor set / attestation. */
export interface AuthorityResult {
  readonly name: string;
  /** Field path of the authority/attestor in the policy document. */
  readonly path: string;
  readonly ok: boolean;
  readonly checks: readonly Check[];
}

/** How one policy (or Kyverno rule) judged one image. */
export interface PolicyResult {
  readonly engine: 'cip' | 'kyverno';
  readonly policy: string;
  readonly rule?: string;
  readonly source: string;
  /** The glob or imageReference that selected the image. */
  readonly matchedBy: string;
  readonly passed: boolean;
  /** What a failure does: enforce/Enforce deny, warn/Audit warn. */
  readonly onFailure: 'deny' | 'warn';
  readonly summary: string;
  readonly authorities: readonly AuthorityResult[];
}

export interface ImagePatch {
  readonly op: 'replace';
  /** RFC 6901 pointer to the container's image field. */
  readonly path: string;
  readonly value: string;
}

export interface ImageVerdict {
  readonly image: string;
  readonly container?: string;
  readonly pointer?: string;
  readonly digest?: string;
  readonly outcome: 'allow' | 'warn' | 'deny';
  /** One line per failing policy, the first thing a person reads. */
  readonly reasons: readonly string[];
  readonly policies: readonly PolicyResult[];
  readonly patch?: ImagePatch;
}

/** The decision for a whole request: every image must be allowed (or only warned). */
export interface Decision {
  readonly allowed: boolean;
  readonly warnings: readonly string[];
  readonly reasons: readonly string[];
  readonly images: readonly ImageVerdict[];
  readonly patches: readonly ImagePatch[];
}
