export { verifyPrehashed } from './prehashed-signature.js';
export { REKOR_BUNDLE_MAX_BYTES, type VerifiedRekorEntry, verifyCosignRekorBundle } from './rekor-bundle.js';
export { fromSigstoreError } from './sigstore-errors.js';
export {
  parseTrustedRoot,
  type RekorLogKey,
  TRUSTED_ROOT_MAX_BYTES,
  type TrustedRootMaterial,
} from './trusted-root.js';
export { type KeylessImageVerification, verifyKeylessImageSignatures } from './verify-keyless-signatures.js';
export {
  type BundleArtifact,
  type BundleSignerPolicy,
  type BundleVerification,
  type BundleVerifyOptions,
  verifySigstoreBundle,
} from './verify-sigstore-bundle.js';
