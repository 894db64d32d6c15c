import type { CompiledGlob } from '../glob.js';
import type { LabelSelector } from '../label-selector.js';
import type { StringMatcher } from '../string-matcher.js';
import type { CueCompiled } from '../cue/evaluator.js';

/** `policy.sigstore.dev` ClusterImagePolicy (v1alpha1 or v1beta1), validated and narrowed. */
export interface ClusterImagePolicy {
  readonly engine: 'cip';
  readonly apiVersion: 'policy.sigstore.dev/v1alpha1' | 'policy.sigstore.dev/v1beta1';
  readonly name: string;
  /** Where the document came from, for explanations. */
  readonly source: string;
  readonly images: readonly (CompiledGlob & { ok: true })[];
  readonly authorities: readonly CipAuthority[];
  readonly policy?: CipPolicy;
  /** enforce (default): a failure denies. warn: a failure admits with a warning. */
  readonly mode: 'enforce' | 'warn';
  readonly match: readonly CipMatchResource[];
}

export interface CipMatchResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly selector?: LabelSelector;
}

export interface CipAuthority {
  readonly name: string;
  readonly path: string;
  readonly verifier: CipVerifier;
  readonly sources: readonly { readonly oci: string; readonly tagPrefix?: string }[];
  /**
   * Transparency-log verification. Required when `ctlog.url` or `ctlog.trustRootRef` is set; without
   * either, a `key` authority is checked signature-only as policy-controller does, and a keyless one
   * still requires Rekor unless `ctlog: {}` turns it off.
   */
  readonly tlog: { readonly required: boolean; readonly url?: string; readonly trustRootRef?: string };
  readonly rfc3161?: { readonly trustRootRef?: string };
  readonly attestations: readonly CipAttestation[];
  readonly signatureFormat: 'legacy' | 'bundle';
}

export type CipKeySource =
  | { readonly kind: 'data'; readonly pem: string; readonly spkiSha256: string }
  | { readonly kind: 'secretRef'; readonly name: string; readonly namespace?: string }
  | { readonly kind: 'kms'; readonly uri: string };

export type CipVerifier =
  | { readonly kind: 'key'; readonly key: CipKeySource; readonly hashAlgorithm: string }
  | {
      readonly kind: 'keyless';
      readonly url?: string;
      readonly caCert?: CipKeySource;
      readonly trustRootRef?: string;
      readonly identities: readonly CipIdentity[];
      readonly insecureIgnoreSct: boolean;
    }
  | { readonly kind: 'static'; readonly action: 'pass' | 'fail'; readonly message?: string };

export interface CipIdentity {
  readonly issuer: StringMatcher;
  readonly subject: StringMatcher;
}

export interface CipAttestation {
  readonly name: string;
  /** As written (may be a shorthand such as `vuln`). */
  readonly predicateTypeWritten: string;
  /** The full URI statements must carry, after cosign's shorthand table. */
  readonly predicateType: string;
  readonly policy?: CipPolicy;
}

export type CipPolicySource =
  /** `fetchedFrom`: a `remote` or `configMapRef` policy inlined when loaded (see cip/policy-sources.ts). */
  | { readonly kind: 'inline'; readonly data: string; readonly fetchedFrom?: string }
  | { readonly kind: 'remote'; readonly url: string; readonly sha256sum?: string }
  | { readonly kind: 'configMap'; readonly name: string; readonly namespace?: string; readonly key?: string };

export interface CipPolicy {
  readonly type: 'cue' | 'rego';
  readonly path: string;
  readonly source: CipPolicySource;
  /** For inline CUE: the compiled program or why it did not compile. */
  readonly cue?: CueCompiled;
}

/** `policy.sigstore.dev/v1alpha1` TrustRoot: trust material for air-gapped or private Sigstore. */
export interface TrustRoot {
  readonly engine: 'trustroot';
  readonly name: string;
  readonly source: string;
  readonly kind: 'remote' | 'repository' | 'sigstoreKeys';
  readonly spec: Readonly<Record<string, unknown>>;
}

/**
 * cosign's `--type` shorthands (cmd/cosign/cli/options/predicate.go), which policy-controller accepts in
 * `predicateType` too.
 */
export const PREDICATE_SHORTHANDS: Readonly<Record<string, string>> = {
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  link: 'https://in-toto.io/Link/v1',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
};

export const PUBLIC_FULCIO = 'https://fulcio.sigstore.dev';
