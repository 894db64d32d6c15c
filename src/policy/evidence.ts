import type { Digest } from '../digest.js';

/**
 * What the engine is told about an image by whoever did the cryptography (src/sign at the edge). The
 * engine never sees signatures or certificates, only what verified them; it decides whether that
 * signer is one a policy trusts. Every item says which image digest it was verified for, and the engine
 * re-checks that against the image under review, so evidence for another image can never count.
 */

/** GitHub Actions OIDC claims Fulcio puts in certificate extensions (OIDs 1.3.6.1.4.1.57264.1.*). */
export interface CertificateExtensions {
  readonly githubWorkflowTrigger?: string;
  readonly githubWorkflowSha?: string;
  readonly githubWorkflowName?: string;
  readonly githubWorkflowRepository?: string;
  readonly githubWorkflowRef?: string;
  readonly sourceRepositoryUri?: string;
  readonly sourceRepositoryRef?: string;
  readonly buildSignerUri?: string;
  readonly runnerEnvironment?: string;
}

/** Who produced a verified signature. */
export type SignerIdentity =
  | {
      readonly kind: 'key';
      /** sha256 (hex) of the DER SubjectPublicKeyInfo of the key the signature verified with. */
      readonly spkiSha256: string;
      /** For keys resolved at the edge (KMS URI, secret reference), the reference that was resolved. */
      readonly keyRef?: string;
    }
  | {
      readonly kind: 'certificate';
      /** sha256 (hex) of the DER leaf certificate. */
      readonly certificateSha256: string;
      /**
       * The trust anchor the chain was verified to, as the engine named it in the AuthorityRequirement
       * (`trustAnchorFor`): e.g. `fulcio:https://fulcio.sigstore.dev`, `pem-sha256:<hex>`, `trust-root:<name>`.
       * `leaf-pinned` when the certificate itself was the trusted material (Kyverno `certificates.cert`).
       */
      readonly chainTrust: string;
      /** OIDC issuer extension (1.3.6.1.4.1.57264.1.1 / .8). */
      readonly issuer?: string;
      /** Subject alternative name: e-mail, URI (workflow ref) or other name. */
      readonly subject?: string;
      readonly extensions: CertificateExtensions;
    };

/** Transparency-log and timestamp facts established during verification. */
export interface TimingEvidence {
  /** Present when an inclusion proof or SET from Rekor verified. */
  readonly tlog?: { readonly logIndex: number; readonly integratedTime: string; readonly url?: string };
  /** Present when an RFC 3161 timestamp verified. */
  readonly rfc3161Time?: string;
}

export interface VerifiedSignature extends TimingEvidence {
  /** The image digest named in the signed payload (simple signing `critical.image.docker-manifest-digest`). */
  readonly signedDigest: Digest;
  readonly signer: SignerIdentity;
  /** Repository the signature was read from (`registry/repo`). */
  readonly foundIn: string;
}

/** An in-toto statement, as decoded from a verified DSSE payload. */
export interface InTotoStatement {
  readonly _type: string;
  readonly subject: readonly { readonly name?: string; readonly digest: Readonly<Record<string, string>> }[];
  readonly predicateType: string;
  readonly predicate: unknown;
}

export interface VerifiedAttestation extends TimingEvidence {
  readonly signer: SignerIdentity;
  readonly foundIn: string;
  readonly statement: InTotoStatement;
}

/** Everything verified for one image digest. */
export interface Evidence {
  readonly digest: Digest;
  readonly signatures: readonly VerifiedSignature[];
  readonly attestations: readonly VerifiedAttestation[];
  /** Verification that could not be done (registry down, bad signature), kept to explain a denial. */
  readonly problems: readonly string[];
}

/** What the engine asks the edge to verify for one authority or attestor entry. */
export type AuthorityRequirement = {
  /** Stable id (policy/authority path) so answers can be attributed. */
  readonly id: string;
  /** Repositories to read signatures from instead of the image's own (CIP `source[].oci`, Kyverno `repository`). */
  readonly signatureRepositories: readonly string[];
  /** Predicate types wanted (full URIs); empty when only signatures are needed. */
  readonly predicateTypes: readonly string[];
  readonly tlog: { readonly required: boolean; readonly url?: string; readonly trustRootRef?: string };
  readonly rfc3161: { readonly required: boolean; readonly trustRootRef?: string };
} & (
  | {
      readonly kind: 'key';
      readonly publicKeyPem?: string;
      readonly keyRef?: string;
      readonly hashAlgorithm: string;
    }
  | {
      readonly kind: 'keyless';
      readonly trustAnchor: string;
      readonly rootsPem?: string;
      readonly ignoreSct: boolean;
    }
  | { readonly kind: 'certificate'; readonly certificatePem?: string; readonly chainPem?: string }
);

export interface ImageIdentity {
  /** The reference as written in the workload. */
  readonly ref: string;
  /** The resolved digest. */
  readonly digest: Digest;
}

/**
 * Implemented at the edge: fetch and cryptographically verify signatures and attestations for one image
 * with the trust material of one requirement, and return what verified. Must not throw for "no
 * signatures"; return empty lists and say why in `problems`.
 */
export interface EvidenceCollector {
  collect(image: ImageIdentity, requirement: AuthorityRequirement): Promise<Evidence>;
}

/** Merges the answers for several requirements into one Evidence per image. */
export function mergeEvidence(digest: Digest, parts: readonly Evidence[]): Evidence {
  return {
    digest,
    signatures: parts.flatMap((p) => (p.digest === digest ? p.signatures : [])),
    attestations: parts.flatMap((p) => (p.digest === digest ? p.attestations : [])),
    problems: parts.flatMap((p) => p.problems),
  };
}

export function emptyEvidence(digest: Digest): Evidence {
  return { digest, signatures: [], attestations: [], problems: [] };
}
