// Temporary: the digest module moved to src/digest.ts (the ground floor, below archive/ and oci/).
// Kept so that modules outside the moved areas compile unchanged; see docs/architecture.md.
export * from '../digest.js';
