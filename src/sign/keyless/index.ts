export { verifyPrehashed } from './prehashed-signature.js';
export { PUBLIC_GOOD_ROOT_NAME, publicGoodTrustedRootBytes } from './public-good-root.js';
export {
  checkRekorEntryBody,
  legacySignatureBundle,
  parseRekorEntryBody,
  REKOR_BUNDLE_MAX_BYTES,
  type RekorSignedContent,
  type RekorSigner,
  type VerifiedRekorEntry,
  verifyCosignRekorBundle,
} from './rekor-bundle.js';
export { fromSigstoreError } from './sigstore-errors.js';
export { type KeylessArtifact, type KeylessSigningOptions, signKeyless } from './sign-keyless.js';
export {
  parseTrustedRoot,
  type RekorLogKey,
  TRUSTED_ROOT_MAX_BYTES,
  type TrustedRootMaterial,
} from './trusted-root.js';
export {
  type DatedCandidates,
  dateByRekorBundles,
  type KeylessAttestationVerification,
  type KeylessImageVerification,
  keylessTrustPolicy,
  verifyKeylessImageAttestations,
  verifyKeylessImageSignatures,
} from './verify-keyless-signatures.js';
export {
  type BundleArtifact,
  type BundleSignerPolicy,
  type SigstoreBundleVerification,
  type BundleVerifyOptions,
  verifySigstoreBundle,
} from './verify-sigstore-bundle.js';
