/** `vouch audit ci`: GitHub Actions workflows, composite actions and Dependabot configuration. */
export {
  auditCi,
  type CiAuditOptions,
  type CiAuditResult,
  type CiInput,
  CI_RULES,
  classifyCiFile,
} from './audit.js';
export {
  allContexts,
  dataflowContexts,
  type Expr,
  ExpressionSyntaxError,
  extractFencedExpressions,
  parseExpression,
} from './expressions.js';
export { CiDocument, type CiKind, PERSONAS, type Persona } from './model.js';
export { isCommitRef, parseUses, type Uses } from './uses.js';
export {
  applyEdits,
  type FixPlan,
  isVersionRef,
  type Pin,
  type PinLookup,
  planFixes,
  unifiedDiff,
} from './fix.js';
export { type GitHubApiOptions, parsePinsFile, resolvePinFromGitHub } from './pin-sources.js';
