/** Policy engine: ClusterImagePolicy and Kyverno verifyImages documents, one pure evaluation. */
export type {
  ClusterImagePolicy,
  CipAuthority,
  CipAttestation,
  CipVerifier,
  TrustRoot,
} from './cip/model.js';
export { PREDICATE_SHORTHANDS } from './cip/model.js';
export type { CueCompiled, CueEngine, CueResult } from './cue/evaluator.js';
export { cueSubset } from './cue/subset.js';
export {
  checkRemotePolicy,
  configMapPolicyKey,
  configMapPolicyRefs,
  inlineExternalPolicies,
  type RemotePolicyRef,
  remotePolicyRefs,
} from './cip/policy-sources.js';
export {
  answeredCue,
  CUE_MODES,
  type CueAnswer,
  CueAnswers,
  type CueMode,
  type CueQuestion,
  settle,
} from './cue/answers.js';
export type {
  AuthorityRequirement,
  CertificateExtensions,
  Evidence,
  EvidenceCollector,
  ImageIdentity,
  InTotoStatement,
  SignerIdentity,
  VerifiedAttestation,
  VerifiedSignature,
} from './evidence.js';
export { emptyEvidence, mergeEvidence } from './evidence.js';
export {
  CIP_INCLUDE_LABEL,
  type ConfigMapRef,
  configMapsToRead,
  type EvaluateInput,
  type EvaluateOptions,
  evaluate,
  evidenceRequirements,
  needsDigest,
} from './evaluate.js';
export { compileGlob, globMatches } from './glob.js';
export type { ImageUnderReview } from './image-under-review.js';
export { formatIssues, type PolicyIssue } from './issues.js';
export type { KyvernoPolicy } from './kyverno/model.js';
export type { ConfigMapLookup } from './kyverno/variables.js';
export { wildcardMatch } from './kyverno/wildcard.js';
export { type LintResult, lintPolicies } from './lint.js';
export {
  type LoadOptions,
  loadPolicies,
  mergePolicySets,
  type PolicySet,
  type ReadResult,
  readPolicies,
} from './load.js';
export { type PromoteResult, type PromoteTarget, promotePolicies } from './promote.js';
export { fulcioAnchor, pemAnchor } from './signer-match.js';
export { unifiedDiff } from './unified-diff.js';
export type {
  AuthorityResult,
  Check,
  Decision,
  FailureReason,
  ImagePatch,
  ImageVerdict,
  PolicyResult,
} from './verdict.js';
export { FAILURE_REASON_RANK, UNSIGNED_REASONS } from './verdict.js';
export {
  extractImages,
  extractsKind,
  type ObjectImage,
  objectImages,
  type ResourceContext,
  type ResourceReads,
  readsConfigMaps,
  resourceContext,
  resourceReads,
  type WorkloadImage,
} from './workload.js';
export {
  type ContainerList,
  type ExtractedImage,
  extractWithExtractors,
  type ImageExtractor,
  type ImageExtractorConfigs,
  type ImageField,
  WORKLOAD_KINDS,
  workloadImageFields,
} from './workload-images.js';
export { parseYamlDocuments, type YamlDocument } from './yaml-documents.js';
export { parseGoDuration } from './kyverno/conditions.js';
export { imageView } from './image-under-review.js';
export { boundedIssueLines } from './issues.js';
