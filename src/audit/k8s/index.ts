/** `vouch audit k8s`: Pod Security Standards, RBAC, workload, admission and network rules over manifests. */
export { auditK8s, K8S_RULE_GROUPS, K8S_RULES, type K8sAuditOptions, type K8sAuditResult } from './audit.js';
export { parseJsonSource } from './json-source.js';
export { collectObjects, type KubeObject, type ManifestFile } from './objects.js';
export {
  activeChecks,
  admissionWarning,
  evaluatePod,
  formatPolicy,
  PSS_CHECKS,
  PSS_LATEST_MINOR,
  type PssLevel,
  type PssPolicy,
  parsePssLevel,
  parsePssVersion,
} from './pss/registry.js';
export { readPodView } from './pss/pod-view.js';
export type { ServiceAccountPermissions } from './rbac.js';
export { type LabelSelector, parseLabelSelector } from './workload-rules.js';
