export {
  ADMISSION_API_VERSION,
  type AdmissionOperation,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionReviewResponse,
  type JsonPatchOp,
  parseAdmissionReview,
} from './admission-review.js';
export { CachingDecider, type CachingDeciderOptions } from './caching-decider.js';
export {
  ACCEPTED_CONDITION,
  CLUSTER_POLICY_KINDS,
  ClusterPolicies,
  type ClusterPoliciesOptions,
  type ClusterPolicyKind,
  parseClusterPolicyKinds,
} from './cluster-policies.js';
export {
  type AdmissionVerdict,
  type DecideContext,
  type EnforcementMode,
  type ImageCheckRequest,
  type ImageDecider,
  type ImageDecision,
  isVerified,
  type ObjectImageField,
  type ResourceRef,
  type RuleOutcome,
  type RuleOwner,
  type RuleResult,
  verdictOf,
} from './decider.js';
export {
  type DecisionLogEntry,
  EvidenceRecorder,
  type EvidenceRecorderOptions,
} from './evidence-recorder.js';
export {
  connectionFromKubeconfig,
  inClusterConnection,
  KubeClient,
  type KubeConnection,
} from './kube-client.js';
export { AdmissionMetrics } from './metrics.js';
export {
  type NamespaceLabelMap,
  type NamespaceLabelSource,
  namespaceLabelsFromKube,
  namespaceLabelsFromMap,
  parseNamespaceLabels,
} from './namespace-labels.js';
export { eventsFor, type KubeEvent, type PolicyEventReason } from './policy-event.js';
export {
  type ObjectReference,
  POLICY_REPORT_API_VERSION,
  type PolicyReport,
  type PolicyReportResult,
  policyReportFor,
  reportName,
} from './policy-report.js';
export { readRequestBody } from './request-body.js';
export {
  type DecisionRecord,
  type ReviewDeps,
  type ReviewedImage,
  type ReviewEndpoint,
  type ReviewResult,
  review,
  VOUCH_POLICY,
} from './review.js';
export { type CertificatePair, generateSelfSignedCertificate } from './self-signed-cert.js';
export {
  type AdmissionServer,
  type AdmissionServerOptions,
  type Readiness,
  startAdmissionServer,
  type TlsSource,
} from './server.js';
export { type CacheEvent, VerdictCache, type VerdictCacheOptions } from './verdict-cache.js';
// Image extraction lives in the policy module (one implementation for the webhook and the CLI); the
// admission surface keeps its names.
export {
  type ContainerList,
  type ImageField,
  WORKLOAD_KINDS,
  workloadImageFields as extractImages,
} from '../policy/workload-images.js';
export { type ApiResource, KubeResources, KubeStatusError, WatchEventSplitter } from './kube-resources.js';
export { Reflector, type ReflectorOptions, type ReflectorState } from './kube-watch.js';
export { type PolicyLoadOutcome, PolicyStore, policyFiles } from './policy-store.js';
export {
  reconcileWebhookCertificates,
  startWebhookCertRotation,
  type WebhookCertOptions,
  type WebhookCertState,
} from './webhook-certs.js';
export type { ConfigMapSource } from './config-maps.js';
export { configMapsFromKube } from './config-maps.js';
export { configMapsFromSet } from './config-maps.js';
export type { ConfigMapSet } from './config-maps.js';
export { parseConfigMaps } from './config-maps.js';
export { configMapLookup } from './config-maps.js';
export { TagResolver } from './image-resolver.js';
export { startController } from './controller.js';
