// The ratchet of test/architecture.test.ts: every import in src/ that broke a rule of
// docs/architecture.md when the rules were written, exactly (`rule from -> to`, paths relative to src/).
// The test fails when an import breaks a rule and is not listed here, and when a listed one no longer
// happens; so this list only shrinks. Never add an entry: fix the import (import the area's index.ts,
// or move the code to the right layer). New areas (see NEW_AREAS) get no entry at all.
// `node --import tsx scripts/import-graph.ts --violations` prints the current violations in this form.

export const KNOWN_VIOLATIONS: readonly string[] = [
  'not-via-index admission/index.ts -> policy/workload-images.ts',
  'not-via-index cli/commands/admission.ts -> admission/controller.ts',
  'not-via-index cli/commands/sbom.ts -> attest/predicate-types.ts',
  'not-via-index cli/commands/sbom.ts -> sign/attest-image.ts',
  'not-via-index cli/commands/sbom.ts -> sign/cosign-storage.ts',
  'not-via-index cli/trusted-root.ts -> sign/keyless/index.ts',
  'upward sign/keyless/verify-sigstore-bundle.ts -> policy/index.ts',
];

/** Cycles between areas that existed when the rules were written (each sorted, space-separated). */
export const KNOWN_AREA_CYCLES: readonly string[] = [];

/** Cycles between modules that existed when the rules were written (each sorted, space-separated). */
export const KNOWN_MODULE_CYCLES: readonly string[] = [];
