/** One comparison the engine made: what the policy expected and what the evidence showed. */
export interface Check {
  readonly what: string;
  readonly expected: string;
  readonly found: string;
  readonly ok: boolean;
}

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
