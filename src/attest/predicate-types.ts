import { VouchError } from '../errors.js';

/**
 * `--type` shorthands and the predicate URIs cosign maps them to (cosign
 * cmd/cosign/cli/options/predicate.go PredicateTypeMap, pkg/cosign/attestation/attestation.go, and
 * in-toto-golang's constants for SPDX, CycloneDX, Link and SLSA).
 */
export const PREDICATE_TYPES: Readonly<Record<string, string>> = Object.freeze({
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  link: 'https://in-toto.io/Link/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
});

export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const SLSA_PROVENANCE_V02 = 'https://slsa.dev/provenance/v0.2';

/**
 * Resolves a `--type` value: a known shorthand, or else an absolute URI used as is (cosign accepts
 * anything url.ParseRequestURI accepts; we require a scheme, which is what that amounts to).
 * @throws USAGE
 */
export function resolvePredicateType(t: string): string {
  const known = PREDICATE_TYPES[t];
  if (known) return known;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(t)) {
    try {
      new URL(t);
      return t;
    } catch {
      // fall through to the usage error below: not a URI either
    }
  }
  throw new VouchError('USAGE', `invalid predicate type "${t}"`, {
    hint: `use one of ${Object.keys(PREDICATE_TYPES).join(', ')}, or a predicate type URI`,
  });
}
