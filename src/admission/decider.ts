import type { Digest } from '../oci/index.js';

/** How a failing rule acts: `enforce` denies the request, `audit` admits it with a warning and a report. */
export type EnforcementMode = 'enforce' | 'audit';

/** What a rule concluded about one image; the PolicyReport `result` vocabulary minus `warn`. */
export type RuleResult = 'pass' | 'fail' | 'error' | 'skip';

/** The admission verdict a rule outcome turns into, as `policy_controller_admissions_total` names it. */
export type AdmissionVerdict = 'allowed' | 'denied' | 'warned';

/** The Kubernetes object an image was found in. */
export interface ResourceRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  /** Empty on CREATE: the API server assigns it after admission. */
  readonly uid: string;
}

/** One image field of an admitted object, with the RFC 6901 pointer a digest pin patches. */
export interface ObjectImageField {
  readonly image: string;
  readonly pointer: string;
  /** Container name, or the extractor's key for an image found by `imageExtractors`. */
  readonly container: string;
}

/** One image the webhook asks the decider about. */
export interface ImageCheckRequest {
  /** The image exactly as written in the pod spec. */
  readonly image: string;
  readonly namespace: string;
  /** Labels of `namespace`, for CIP `policy.sigstore.dev/include` and Kyverno namespace selectors. */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly resource: ResourceRef;
  /** `metadata.labels` of the object (Kyverno `selector`, CIP `match[].selector`); absent: none. */
  readonly labels?: Readonly<Record<string, string>>;
  /** `metadata.annotations` of the object (Kyverno `annotations` filters); absent: none. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** The AdmissionReview operation; absent: CREATE. */
  readonly operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  /** The object as admitted (`request.object`), for Kyverno preconditions and context variables. */
  readonly object?: unknown;
}

/**
 * Which facts of a request, beyond the image, apiVersion, kind, namespace and namespace labels, a
 * decision reads: a cache must key on exactly these, and only these, to stay correct and useful.
 */
export interface RequestFacts {
  readonly labels: boolean;
  readonly annotations: boolean;
  readonly name: boolean;
  readonly operation: boolean;
  /** The whole object (and with it everything above). */
  readonly object: boolean;
}

/** What the next `decide` of a decider reads, and the policy generation that answer belongs to. */
export interface DecisionInputs {
  readonly facts: RequestFacts;
  /**
   * Identity of what the decision was made under (the loaded PolicySet object): decisions made under
   * different scopes never share a cache entry, so a reload can never serve an answer of the old set.
   */
  readonly scope: object;
  /**
   * Present when the decision also reads data outside the request (ConfigMaps of Kyverno `configMap`
   * context): reads it for `req` now, and returns a fingerprint of it for the cache key with a decide
   * that uses exactly the data fingerprinted, under the same scope.
   */
  readonly external?: (req: ImageCheckRequest, ctx: DecideContext) => Promise<ExternalInputs>;
}

/** Outside data read ahead of a decision: its fingerprint, and the decision made with it. */
export interface ExternalInputs {
  readonly key: string;
  decide(): Promise<ImageDecision>;
}

/** Per-decision context: one `now` for the whole request, and the request's deadline as a signal. */
export interface DecideContext {
  readonly now: Date;
  readonly signal: AbortSignal;
}

/** One policy rule applied to one image. */
export interface RuleOutcome {
  readonly policy: string;
  readonly rule: string;
  readonly result: RuleResult;
  readonly mode: EnforcementMode;
  /** One line a developer can act on. */
  readonly message: string;
  /** What the rule required, e.g. `signature by key cosign.pub` or `predicateType https://cyclonedx.org/bom`. */
  readonly expected?: string;
  /** What was there instead, e.g. `no signatures` or `signed by ci@example.com`. */
  readonly found?: string;
  /** The next step, e.g. `sign it with: vouch sign --key cosign.key <image>@<digest>`. */
  readonly fix?: string;
  /** Short machine reason for `cosign_verification_failures_total{reason}`: `no-signatures`, `untrusted-signer`, … */
  readonly reason?: string;
  readonly category?: string;
  readonly severity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
}

/**
 * A policy rule that selects an image, known before anything is fetched: a failure that happens before
 * the rule could judge the image (deadline, unreachable registry) belongs to it and acts in its mode.
 */
export type RuleOwner = Pick<RuleOutcome, 'policy' | 'rule' | 'mode'>;

/** One finding of a verified vulnerability attestation. */
export interface VulnerabilityFact {
  readonly id: string;
  readonly severity: string;
  readonly package?: string;
  readonly installedVersion?: string;
}

/** Everything the policy engine concluded about one image. */
export interface ImageDecision {
  /** The verified image digest, when the image resolved and its identity was checked. */
  readonly digest?: Digest;
  /**
   * `repo@sha256:…` to pin this image to, set only by policies with `mutateDigest` and only when the
   * image verified: the webhook still refuses to patch an image that has a failing or erroring rule.
   */
  readonly pinnedReference?: string;
  /** Creation time of the newest verified SBOM attestation, for `sbom_age_hours`. */
  readonly sbomCreatedAt?: Date;
  /**
   * Findings of the newest verified vulnerability attestation (cosign-vuln predicate), for the
   * `trivy_vulnerability_id` gauge; absent when the image carries none.
   */
  readonly vulnerabilities?: readonly VulnerabilityFact[];
  /** Empty when no policy matched the image. */
  readonly outcomes: readonly RuleOutcome[];
}

/**
 * The decision dependency of the webhook: the policy engine implements it. It must honour
 * `ctx.signal` where it can; the webhook enforces the deadline itself either way.
 * Expected outcomes (unsigned, untrusted) are returned as `fail` outcomes; throwing is for "could not
 * decide" (registry down, bad policy) and becomes an explicit deny in Enforce / warning in Audit.
 */
export interface ImageDecider {
  decide(req: ImageCheckRequest, ctx: DecideContext): Promise<ImageDecision>;
  /**
   * The image fields of an object under the active policies (Kyverno `imageExtractors` reach kinds
   * without a pod spec). Absent: the built-in pod-spec fields of workload kinds. Never throws: a field
   * that cannot be read comes back with an empty image, which the webhook denies.
   */
  images?(kind: string, object: Readonly<Record<string, unknown>>): readonly ObjectImageField[];
  /**
   * What the `decide` called next, in the same tick, will read of its request. Absent: the decider may
   * read anything in the request, so a cache keys on all of it.
   */
  inputs?(): DecisionInputs;
  /**
   * The rules that select the image of `req`, computed without I/O. The webhook asks only when the
   * decision did not come back (error, deadline): each owner then gets an `error` outcome in its own
   * mode, so a policy in Enforce denies whatever the server's mode. Absent or empty: no policy owns the
   * image and the server's mode applies. Never throws: an image it cannot read has no owners.
   */
  owners?(req: ImageCheckRequest): readonly RuleOwner[];
}

/** The verdict of one outcome: a failing or erroring rule denies in Enforce and warns in Audit. */
export function verdictOf(outcome: Pick<RuleOutcome, 'result' | 'mode'>): AdmissionVerdict {
  if (outcome.result === 'pass' || outcome.result === 'skip') return 'allowed';
  return outcome.mode === 'enforce' ? 'denied' : 'warned';
}

/** An image verified when at least one rule passed it and none failed or errored. */
export function isVerified(decision: ImageDecision): boolean {
  let passed = false;
  for (const o of decision.outcomes) {
    if (o.result === 'fail' || o.result === 'error') return false;
    if (o.result === 'pass') passed = true;
  }
  return passed && decision.digest !== undefined;
}
