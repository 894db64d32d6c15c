/**
 * vouch as a library: the same calls the CLI and the admission webhook make. Each area is a namespace
 * (`oci.copyImage`, `sbom.generateSbom`, `policy.evaluate`, …) so names never clash across areas; the
 * error type and its codes are shared by all of them.
 */
export * as admission from './admission/index.js';
export * as archive from './archive/index.js';
export * as attest from './attest/index.js';
export * as helm from './helm/index.js';
export * as audit from './audit/index.js';
export * as crypto from './crypto/index.js';
export * as evidence from './evidence/index.js';
export * as oci from './oci/index.js';
export * as policy from './policy/index.js';
export * as sbom from './sbom/index.js';
export * as sign from './sign/index.js';
export * as vuln from './vuln/index.js';
export {
  ERROR_CODES,
  type ExitCode,
  exitCodeOf,
  isVouchError,
  VouchError,
  type VouchErrorCode,
} from './errors.js';
export { defaultLimits, type Limits, withLimits } from './limits.js';
export { type DrillOptions, type DrillReport, runDrill } from './demo/index.js';
export { VERSION } from './version.js';
