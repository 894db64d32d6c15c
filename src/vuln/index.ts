export {
  type CvssResult,
  type CvssVersion,
  levelFromLabel,
  ratingOf,
  scoreCvss,
  type VulnSeverity,
  type SeverityLevel,
  severityAtLeast,
  severityOf,
  severityOrder,
} from './cvss.js';
export * from './db/index.js';
export {
  type PurlComponent,
  type VulnFinding,
  type MatchReport,
  type MatchStats,
  matchComponents,
  memorySource,
  type SkippedComponent,
  type VulnSource,
} from './match.js';
export {
  assertOsv,
  type OsvAffected,
  type OsvEvent,
  type OsvEventKind,
  type OsvParse,
  type OsvRange,
  type OsvRangeType,
  type OsvSeverity,
  type OsvVulnerability,
  parseOsv,
} from './osv.js';
export {
  ecosystemKey,
  indexKey,
  normalizeName,
  normalizePypiName,
  type PackageKey,
  type PurlPackage,
  type PurlResolution,
  resolvePurl,
} from './package-key.js';
export * from './versions/index.js';
export {
  DEFAULT_ECOSYSTEMS,
  OSV_BUCKET_URL,
  type UpdateOptions,
  updateDatabase,
} from './db-update.js';
export {
  COSIGN_VULN_PREDICATE_TYPE,
  type CosignVulnOptions,
  cosignVulnPredicate,
  renderCosignVuln,
} from './report/cosign-vuln.js';
export { renderCycloneDxVex } from './report/cyclonedx-vex.js';
export { renderScanJson, SCAN_JSON_TYPE, scanJsonDocument } from './report/json.js';
export { renderSarif } from './report/sarif.js';
export { renderScanTable } from './report/table.js';
export {
  readSbomInput,
  type SbomFormatName,
  type SbomInput,
  type SbomProblem,
} from './sbom-input.js';
export {
  type ActiveFinding,
  countBySeverity,
  failsAt,
  type ScanOptions,
  type ScanResult,
  type ScanTarget,
  type SeverityCounts,
  type SuppressedFinding,
  scanComponents,
} from './scan.js';
export * from './vex/index.js';
export { importDatabase } from './db/import.js';
export { resultByCve } from './by-cve.js';
export { buildDatabase } from './db/build.js';
export type { BuildResult } from './db/build.js';
export { openDatabase } from './db/open.js';
export { scanJsonChunks } from './report/json.js';
export { sarifChunks } from './report/sarif.js';
export { parseOpenVex } from './vex/index.js';
export { parseVexDocument } from './vex/index.js';
export type { VexStatement } from './vex/index.js';
export { applyVex } from './vex/index.js';
export { createOpenVex } from './vex/index.js';
export { mergeOpenVex } from './vex/index.js';
export { VEX_JUSTIFICATIONS } from './vex/index.js';
export { VEX_STATUSES } from './vex/index.js';
export type { VexStatus } from './vex/index.js';
