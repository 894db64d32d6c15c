/** Audits of CI workflows, dependencies, Kubernetes manifests and Helm charts share this findings model. */
export type {
  AuditReport,
  Confidence,
  Finding,
  FindingFix,
  InputProblem,
  ObjectRef,
  RuleInfo,
  Severity,
  SourceSpan,
  TextEdit,
} from './finding.js';
export {
  CONFIDENCES,
  compareFindings,
  countBySeverity,
  failsAt,
  parseSeverity,
  SEVERITIES,
  severityRank,
} from './finding.js';
export { applyIgnoreComments, ignoredRulesByLine } from './ignore-comments.js';
export { renderJson } from './render-json.js';
export { renderSarif } from './render-sarif.js';
export { renderTable } from './render-table.js';
export { applySelection, editDistance, type RuleSelection, selectRules } from './rule-selection.js';
export {
  type Located,
  type ParsedYamlFile,
  type Position,
  parseYamlSource,
  type SourceDocument,
  type YamlSyntaxError,
} from './yaml-source.js';

// The Kubernetes manifest audit (vouch audit k8s).
export * from './k8s/index.js';

// The CI workflow audit (vouch audit ci).
export * from './ci/index.js';
