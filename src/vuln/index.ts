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
