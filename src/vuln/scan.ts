import type { SeverityLevel } from './cvss.js';
import { severityAtLeast } from './cvss.js';
import type { DatabaseMeta } from './db/format.js';
import {
  matchComponents,
  type MatchStats,
  type PurlComponent,
  type VulnFinding,
  type VulnSource,
} from './match.js';
import type { SbomProblem } from './sbom-input.js';
import { applyVex } from './vex/apply.js';
import type { VexStatement } from './vex/model.js';

/**
 * One scan as data (pure): components matched against a source, then narrowed by --ignore,
 * --only-fixed and VEX. Every report format (table, JSON, SARIF, CycloneDX VEX, cosign-vuln) renders
 * a ScanResult, so they all agree on what was found and what was suppressed and why.
 */

export interface ScanTarget {
  /** What was scanned as the user named it (SBOM path or source spec). */
  readonly name: string;
  readonly kind: 'sbom' | 'source';
  /** `cyclonedx 1.6`, `spdx SPDX-2.3`, or `vouch sbom` for a source cataloged in-process. */
  readonly format: string;
  /** What the SBOM describes (an image name, a project), when known. */
  readonly subject: string | undefined;
  /** The file a finding points at in SARIF (the SBOM file; undefined for a directly-scanned source). */
  readonly location: string | undefined;
  /** The scanned CycloneDX SBOM's serialNumber and version, for BOM-Links back into it. */
  readonly bom?: { readonly serialNumber: string; readonly version: number };
}

export interface ActiveFinding extends VulnFinding {
  /** The VEX statement that covered it without suppressing it (affected / under_investigation). */
  readonly vex: { status: string; origin: string; actionStatement: string | undefined } | undefined;
}

export interface SuppressedFinding {
  readonly finding: VulnFinding;
  readonly by: 'vex' | 'ignore' | 'only-fixed';
  /** For `vex`: the statement's status, justification / impact statement and where it came from. */
  readonly status: string | undefined;
  readonly justification: string | undefined;
  readonly origin: string | undefined;
}

export type SeverityCounts = Readonly<Record<SeverityLevel, number>>;

export interface ScanResult {
  readonly target: ScanTarget;
  readonly db: DatabaseMeta | undefined;
  /** Active findings, sorted by purl then id (the matcher's order). */
  readonly findings: readonly ActiveFinding[];
  readonly suppressed: readonly SuppressedFinding[];
  readonly stats: MatchStats;
  readonly sbomProblems: readonly SbomProblem[];
  readonly counts: SeverityCounts;
}

export interface ScanOptions {
  target: ScanTarget;
  db?: DatabaseMeta;
  sbomProblems?: readonly SbomProblem[];
  /** Vulnerability ids (or aliases) to drop, as grype's ignore rules / --ignore. */
  ignore?: readonly string[];
  /** Report only findings with a known fix. */
  onlyFixed?: boolean;
  vex?: readonly VexStatement[];
}

/** Counts by severity level, every level present (0 when none). */
export function countBySeverity(findings: readonly VulnFinding[]): SeverityCounts {
  const c: Record<SeverityLevel, number> = { unknown: 0, none: 0, low: 0, medium: 0, high: 0, critical: 0 };
  for (const f of findings) c[f.severity.level]++;
  return c;
}

/** Matches and filters; the result is what every report renders. */
export function scanComponents(
  components: Iterable<PurlComponent>,
  source: VulnSource,
  o: ScanOptions,
): ScanResult {
  const report = matchComponents(components, source);
  const ignore = new Set(o.ignore ?? []);
  const suppressed: SuppressedFinding[] = [];
  const kept: VulnFinding[] = [];
  for (const f of report.findings) {
    if (ignore.has(f.id) || f.aliases.some((a) => ignore.has(a))) {
      suppressed.push({
        finding: f,
        by: 'ignore',
        status: undefined,
        justification: undefined,
        origin: undefined,
      });
    } else if (o.onlyFixed && f.fixed.length === 0) {
      suppressed.push({
        finding: f,
        by: 'only-fixed',
        status: undefined,
        justification: undefined,
        origin: undefined,
      });
    } else kept.push(f);
  }
  const outcome = applyVex(kept, o.vex ?? [], o.target.subject);
  for (const d of outcome.suppressed) {
    suppressed.push({
      finding: d.finding,
      by: 'vex',
      status: d.statement.status,
      justification: d.statement.justification ?? d.statement.impactStatement,
      origin: d.statement.origin,
    });
  }
  const findings: ActiveFinding[] = outcome.active.map(({ finding, statement }) => ({
    ...finding,
    vex: statement
      ? { status: statement.status, origin: statement.origin, actionStatement: statement.actionStatement }
      : undefined,
  }));
  return {
    target: o.target,
    db: o.db,
    findings,
    suppressed,
    stats: report.stats,
    sbomProblems: o.sbomProblems ?? [],
    counts: countBySeverity(findings),
  };
}

/** Whether any active finding reaches the --fail-on threshold (exit 1). */
export function failsAt(result: ScanResult, threshold: SeverityLevel): boolean {
  return result.findings.some((f) => severityAtLeast(f.severity.level, threshold));
}
