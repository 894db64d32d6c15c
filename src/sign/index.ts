export {
  certificateFromDer,
  certificatePublicKey,
  CHAIN_MAX_CERTS,
  COSIGN_PRIVATE_KEY_PEM,
  COSIGN_SCRYPT_PARAMS,
  decodeBase64Strict,
  decodePemBlocks,
  decodeSinglePem,
  decryptCosignKey,
  encodePem,
  encryptCosignKey,
  type EncryptOptions,
  generateCosignKeyPair,
  type GeneratedKeyPair,
  hashFor,
  type KeyAlgorithm,
  keyHintOf,
  keyIdOf,
  parseCertificatePem,
  parseCertificatesPem,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  PEM_MAX_BYTES,
  type PemBlock,
  privateKeyFromDer,
  privateKeyFromKeyObject,
  type PrivateKeyMaterial,
  privateKeyToPkcs8,
  publicKeyFromKeyObject,
  type PublicKeyMaterial,
  publicKeyToPem,
  type RsaScheme,
  type ScryptParams,
  type SignatureOptions,
  signBytes,
  SIGSTORE_PRIVATE_KEY_PEM,
  verifyBytes,
} from '../crypto/index.js';
export { writeKeyFileAtomic, writeKeyPairFiles, type WriteKeyFileOptions } from './key-file.js';
export {
  CHAIN_DEPTH_MAX,
  type CertificateAuthorities,
  type ChainResult,
  EKU_CODE_SIGNING,
  verifyCertificateChain,
} from './certificate-chain.js';
export {
  type CertificateIdentity,
  FulcioOid,
  hasIdentityConstraint,
  type IdentityConstraints,
  identityMismatches,
  readCertificateIdentity,
} from './certificate-identity.js';
export {
  type AppendResult,
  appendCosignLayer,
  attestationLayer,
  type BuiltCosignManifest,
  buildCosignManifest,
  COSIGN_LAYERS_MAX,
  CosignAnnotation,
  type CosignEntry,
  type CosignLayer,
  parseCosignManifest,
  type SignatureExtras,
  signatureLayer,
} from './cosign-manifest.js';
export { signImageLayer } from './sign-image.js';
export {
  BUNDLE_MAX_BYTES,
  type Bundle,
  BundleAnnotation,
  type BundleReferrer,
  type BundleSigner,
  type BundleVerification,
  bundleReferrerManifest,
  COSIGN_SIGN_PREDICATE_TYPE,
  cosignSignStatement,
  dsseBundle,
  messageSignatureBundle,
  parseBundle,
  serializeBundle,
  verifyBundleWithKeys,
  verifyImageBundleWithKeys,
} from './sigstore-bundle.js';
export {
  buildSimpleSigningPayload,
  COSIGN_SIGNATURE_TYPE,
  parseSimpleSigningPayload,
  SIMPLE_SIGNING_MAX_BYTES,
  type SimpleSigningPayload,
} from './simple-signing.js';
export { checkSigner, describeTrust, type SignerCheck, type TrustPolicy } from './trust.js';
export {
  assertVerified,
  type ImageVerification,
  type SignatureCandidate,
  type SignatureOutcome,
  verifyImageSignatures,
} from './verify.js';
export {
  type AttachedSbom,
  appendToCosignTag,
  pushBundleReferrer,
  readAttachedAttestations,
  readAttachedSboms,
  readAttachedSignatures,
  type SignatureFormat,
  signingSubjects,
  type WriteResult,
} from './cosign-storage.js';
export type { KeyTlogTrust } from './key-tlog.js';
export {
  isEncryptedCosignKey,
  type KeySourceDeps,
  loadSigningKey,
  loadVerificationKey,
  readKeyRef,
  readSmallFile,
} from './key-ref.js';
export {
  type AttachedCandidates,
  type AttachedVerification,
  type BundleCandidate,
  type KeylessTrust,
  type VerifiedAttachment,
  verifyArtifactBundle,
  verifyAttachedAttestations,
  verifyAttachedSignatures,
  verifyKeylessAttachedAttestations,
  verifyKeylessAttachedSignatures,
} from './verify-attached.js';
export {
  type AttachStore,
  attachAttestation,
  attachKeylessAttestation,
  attachKeylessSignatures,
  attachSignatures,
} from './attach.js';
export * from './keyless/index.js';
export { attestImage } from './attest-image.js';
export {
  type AttestationCandidate,
  type AttestationOutcome,
  type AttestationVerification,
  verifyImageAttestations,
} from './verify-attestations.js';
export type { AttachmentTagKind } from './attachment-tree.js';
export { readAttachmentTree } from './attachment-tree.js';
export { PUBLIC_GOOD_ROOT_NAME } from './keyless/public-good-root.js';
export { publicGoodTrustedRootBytes } from './keyless/public-good-root.js';
export { parseTrustedRoot } from './keyless/trusted-root.js';
export type { TrustedRootMaterial } from './keyless/trusted-root.js';
export { signKeyless } from './keyless/sign-keyless.js';
export { TRUSTED_ROOT_MAX_BYTES } from './keyless/trusted-root.js';
export type { BundleVerifyOptions } from './keyless/verify-sigstore-bundle.js';
export type { BundleArtifact } from './keyless/verify-sigstore-bundle.js';
export type { SigstoreBundleVerification } from './keyless/verify-sigstore-bundle.js';
export { verifySigstoreBundle } from './keyless/verify-sigstore-bundle.js';
