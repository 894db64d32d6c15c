import type { LabelSelector } from '../label-selector.js';
import type { StringMatcher } from '../string-matcher.js';
import type { ImageExtractorConfigs } from '../workload-images.js';

/** `kyverno.io/v1` or `kyverno.io/v2beta1` ClusterPolicy or Policy, narrowed to what verifyImages needs. */
export interface KyvernoPolicy {
  readonly engine: 'kyverno';
  readonly apiVersion: 'kyverno.io/v1' | 'kyverno.io/v2beta1';
  readonly kind: 'ClusterPolicy' | 'Policy';
  readonly name: string;
  /** Set for `Policy`: it only applies in its own namespace. */
  readonly namespace?: string;
  readonly source: string;
  readonly validationFailureAction: FailureAction;
  readonly actionOverrides: readonly {
    readonly action: FailureAction;
    readonly namespaces: readonly string[];
    readonly namespaceSelector?: LabelSelector;
  }[];
  /** Kinds autogen extends a Pod rule to (annotation pod-policies.kyverno.io/autogen-controllers). */
  readonly autogenControllers: readonly string[];
  readonly rules: readonly KyvernoRule[];
}

export type FailureAction = 'Audit' | 'Enforce';

export interface KyvernoRule {
  readonly name: string;
  readonly path: string;
  readonly match: ResourceFilterSet;
  readonly exclude?: ResourceFilterSet;
  /** `context` entries of type `variable` and `configMap`, in declaration order (later ones may read earlier ones). */
  readonly context: readonly ContextEntry[];
  /** When set, the rule applies only where they hold; otherwise Kyverno skips it (not applied). */
  readonly preconditions?: ConditionBlock;
  /**
   * True when preconditions, context variables or attestation conditions can read the admission
   * request (`request.object` and friends), so a decision depends on the whole object.
   */
  readonly readsRequest: boolean;
  /** True when an attestor entry holds `{{ … }}` (e.g. `publicKeys: '{{ keys.data.pem }}'`): resolved per request. */
  readonly templated: boolean;
  /**
   * `imageExtractors`: for the kinds it names, the rule's images are what these find (Kyverno's
   * built-in pod-spec extraction still applies to the kinds it does not name).
   */
  readonly imageExtractors?: ImageExtractorConfigs;
  readonly verifyImages: readonly ImageVerification[];
}

export type ContextEntry = ContextVariable | ContextConfigMap;

/** A rule `context` entry `{name, variable: {value, jmesPath, default}}`. */
export interface ContextVariable {
  readonly kind: 'variable';
  readonly path: string;
  readonly name: string;
  /** JSON value; strings may hold `{{ … }}` substitutions. */
  readonly value?: unknown;
  readonly jmesPath?: string;
  readonly default?: unknown;
}

/**
 * A rule `context` entry `{name, configMap: {name, namespace}}`: the variable is `{data, metadata}` of
 * that ConfigMap, which the caller looks up (a file offline, the API server in a cluster).
 */
export interface ContextConfigMap {
  readonly kind: 'configMap';
  readonly path: string;
  readonly name: string;
  /** May hold `{{ … }}` substitutions (e.g. `{{ request.namespace }}`). */
  readonly configMap: { readonly name: string; readonly namespace: string };
}

export interface ResourceFilterSet {
  readonly any: readonly ResourceFilter[];
  readonly all: readonly ResourceFilter[];
}

export interface ResourceFilter {
  readonly kinds: readonly string[];
  readonly names: readonly string[];
  readonly namespaces: readonly string[];
  readonly operations: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly selector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  /** subjects/roles/clusterRoles: need the requesting user, which vouch evaluates when given. */
  readonly userInfo?: {
    readonly subjects: readonly string[];
    readonly roles: readonly string[];
    readonly clusterRoles: readonly string[];
  };
}

export interface ImageVerification {
  readonly path: string;
  readonly type: 'Cosign' | 'SigstoreBundle' | 'Notary';
  readonly imageReferences: readonly string[];
  readonly skipImageReferences: readonly string[];
  readonly attestors: readonly AttestorSet[];
  readonly attestations: readonly KyvernoAttestation[];
  /** Rewrite the image to its digest (default true). */
  readonly mutateDigest: boolean;
  /** Require the image to be given by digest (default true). */
  readonly verifyDigest: boolean;
  /** Require the image to have been verified (default true). */
  readonly required: boolean;
  readonly useCache: boolean;
  readonly failureAction?: FailureAction;
  readonly repository?: string;
  readonly mutateDigestWritten: boolean;
}

export interface AttestorSet {
  readonly path: string;
  /** How many entries must verify; undefined means all of them. */
  readonly count?: number;
  readonly entries: readonly Attestor[];
}

export interface TlogOptions {
  readonly url?: string;
  readonly ignoreTlog: boolean;
}

export type Attestor = { readonly path: string; readonly repository?: string } & (
  | {
      readonly kind: 'keys';
      readonly publicKey?: { readonly pem: string; readonly spkiSha256: string };
      readonly keyRef?: string;
      readonly signatureAlgorithm: string;
      readonly rekor: TlogOptions;
      readonly ignoreSct: boolean;
    }
  | {
      readonly kind: 'keyless';
      readonly issuer: StringMatcher;
      readonly subject: StringMatcher;
      readonly roots?: string;
      readonly additionalExtensions: Readonly<Record<string, string>>;
      readonly rekor: TlogOptions;
      readonly ignoreSct: boolean;
    }
  | {
      readonly kind: 'certificates';
      readonly cert?: string;
      readonly certChain?: string;
      readonly rekor: TlogOptions;
      readonly ignoreSct: boolean;
    }
  | { readonly kind: 'nested'; readonly set: AttestorSet }
  /**
   * An entry with `{{ … }}` in its fields, kept as written: Kyverno substitutes the rule's variables
   * into it per request, and vouch then parses the result like a written entry (see resolve.ts).
   */
  | { readonly kind: 'template'; readonly raw: Readonly<Record<string, unknown>>; readonly depth: number }
);

/** An attestor entry that names trust material: neither a nested set nor an unresolved template. */
export type LeafAttestor = Exclude<Attestor, { kind: 'nested' | 'template' }>;

export interface KyvernoAttestation {
  readonly path: string;
  readonly name?: string;
  readonly predicateType: string;
  readonly attestors: readonly AttestorSet[];
  readonly conditions: readonly ConditionBlock[];
}

export interface ConditionBlock {
  readonly any: readonly Condition[];
  readonly all: readonly Condition[];
}

export const CONDITION_OPERATORS = [
  'Equals',
  'NotEquals',
  'In',
  'AnyIn',
  'AllIn',
  'NotIn',
  'AnyNotIn',
  'AllNotIn',
  'GreaterThanOrEquals',
  'GreaterThan',
  'LessThanOrEquals',
  'LessThan',
  'DurationGreaterThanOrEquals',
  'DurationGreaterThan',
  'DurationLessThanOrEquals',
  'DurationLessThan',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export interface Condition {
  readonly path: string;
  readonly key: unknown;
  readonly operator: ConditionOperator;
  readonly value: unknown;
  readonly message?: string;
}

/** Kyverno's default autogen controllers (CronJob gets its own autogen rule). */
export const DEFAULT_AUTOGEN = [
  'DaemonSet',
  'Deployment',
  'Job',
  'StatefulSet',
  'ReplicaSet',
  'ReplicationController',
  'CronJob',
];
