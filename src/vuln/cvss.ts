import cvssCalculator from 'ae-cvss-calculator';
import type { OsvSeverity, OsvVulnerability } from './osv.js';

/**
 * Severity of a vulnerability: CVSS base scores computed from the vectors an OSV record carries
 * (ae-cvss-calculator, FIRST's v2.0 / v3.0 / v3.1 / v4.0 formulas), rated with FIRST's qualitative
 * scale, falling back to the database's own label (GHSA `database_specific.severity`, Debian
 * urgency, Ubuntu priority) when no vector is usable. An invalid vector is reported, never fatal.
 */

export type SeverityLevel = 'unknown' | 'none' | 'low' | 'medium' | 'high' | 'critical';

export const severityOrder: readonly SeverityLevel[] = [
  'unknown',
  'none',
  'low',
  'medium',
  'high',
  'critical',
];

export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';

export type CvssResult =
  | { ok: true; version: CvssVersion; vector: string; score: number; level: SeverityLevel }
  | { ok: false; vector: string; reason: string };

export interface VulnSeverity {
  readonly level: SeverityLevel;
  /** The highest base score among valid vectors, the newest CVSS version first. */
  readonly score: number | undefined;
  readonly vector: string | undefined;
  /** Where the level came from: a CVSS version, or the database label it was read from. */
  readonly source: string;
  /** Vectors that did not parse, for the report. */
  readonly invalid: readonly string[];
}

const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = cvssCalculator;

// The calculator scores a vector with missing base metrics as 0 rather than refusing it, so the
// mandatory base metrics of each version are checked here first (CVSS v2 guide §3.2.1, v3.1 spec
// §7.4, v4.0 spec §7).
const BASE_METRICS: Record<CvssVersion, readonly string[]> = {
  '2.0': ['AV', 'AC', 'Au', 'C', 'I', 'A'],
  '3.0': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '3.1': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '4.0': ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'],
};

function versionOf(vector: string): CvssVersion | undefined {
  if (vector.startsWith('CVSS:4.0/')) return '4.0';
  if (vector.startsWith('CVSS:3.1/')) return '3.1';
  if (vector.startsWith('CVSS:3.0/')) return '3.0';
  if (/^\(?AV:[LAN]\//.test(vector)) return '2.0';
  return undefined;
}

/** FIRST's qualitative rating of a base score (v3.x/v4.0 table; v2 has no critical band). */
export function ratingOf(score: number, version: CvssVersion): SeverityLevel {
  if (version === '2.0') return score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low';
  if (score === 0) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

/** Scores one CVSS vector string; an unusable vector is a result with a reason. */
export function scoreCvss(raw: string): CvssResult {
  const vector = raw.trim().replace(/^\((.*)\)$/, '$1');
  const version = versionOf(vector);
  if (version === undefined)
    return { ok: false, vector: raw, reason: 'not a CVSS v2, v3.0, v3.1 or v4.0 vector' };
  const body = version === '2.0' ? vector : vector.slice(vector.indexOf('/') + 1);
  const metrics = new Map<string, string>();
  for (const part of body.split('/')) {
    const [k, v, extra] = part.split(':');
    if (k === undefined || v === undefined || extra !== undefined || metrics.has(k)) {
      return { ok: false, vector: raw, reason: `malformed metric "${part}"` };
    }
    metrics.set(k, v);
  }
  const missing = BASE_METRICS[version].filter((m) => !metrics.has(m));
  if (missing.length > 0)
    return { ok: false, vector: raw, reason: `missing base metrics ${missing.join(', ')}` };
  try {
    const calc =
      version === '2.0'
        ? new Cvss2(vector)
        : version === '3.0'
          ? new Cvss3P0(vector)
          : version === '3.1'
            ? new Cvss3P1(vector)
            : new Cvss4P0(vector);
    const scores = calc.calculateScores();
    const score = scores.base ?? scores.overall;
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      return { ok: false, vector: raw, reason: 'no base score' };
    }
    return { ok: true, version, vector, score, level: ratingOf(score, version) };
  } catch (e) {
    // The calculator throws plain Errors for unknown metric values ("Unknown component value Q").
    return { ok: false, vector: raw, reason: e instanceof Error ? e.message : String(e) };
  }
}

const LABELS: Record<string, SeverityLevel> = {
  critical: 'critical',
  high: 'high',
  important: 'high',
  moderate: 'medium',
  medium: 'medium',
  low: 'low',
  negligible: 'low',
  unimportant: 'low',
  none: 'none',
};

/** Maps a database's qualitative label (GHSA, Debian urgency, Ubuntu priority, Red Hat) to a level. */
export function levelFromLabel(label: string): SeverityLevel {
  const key = label.trim().toLowerCase().replace(/\*+$/, '');
  return LABELS[key] ?? 'unknown';
}

const VERSION_RANK: Record<CvssVersion, number> = { '4.0': 4, '3.1': 3, '3.0': 2, '2.0': 1 };

/**
 * The severity of a record, optionally as it applies to one of its affected entries. `score` lets a
 * caller that rates many records pass a memoised scorer (the same vectors recur across records).
 */
export function severityOf(
  record: Pick<OsvVulnerability, 'severity' | 'severityLabel'>,
  affectedLabel?: string,
  score: (vector: string) => CvssResult = scoreCvss,
): VulnSeverity {
  const invalid: string[] = [];
  let best: Extract<CvssResult, { ok: true }> | undefined;
  for (const s of record.severity) {
    if (!isCvssType(s)) continue;
    const r = score(s.score);
    if (!r.ok) {
      invalid.push(r.vector);
      continue;
    }
    if (
      best === undefined ||
      VERSION_RANK[r.version] > VERSION_RANK[best.version] ||
      (VERSION_RANK[r.version] === VERSION_RANK[best.version] && r.score > best.score)
    ) {
      best = r;
    }
  }
  if (best)
    return {
      level: best.level,
      score: best.score,
      vector: best.vector,
      source: `CVSS:${best.version}`,
      invalid,
    };
  const textual = record.severity.find((s) => !isCvssType(s));
  for (const [label, source] of [
    [affectedLabel, 'ecosystem label'],
    [record.severityLabel, 'database label'],
    [textual?.score, textual?.type ?? 'label'],
  ] as const) {
    if (label === undefined) continue;
    const level = levelFromLabel(label);
    if (level !== 'unknown') return { level, score: undefined, vector: undefined, source, invalid };
  }
  return { level: 'unknown', score: undefined, vector: undefined, source: 'none', invalid };
}

function isCvssType(s: OsvSeverity): boolean {
  return s.type === 'CVSS_V2' || s.type === 'CVSS_V3' || s.type === 'CVSS_V4';
}

/** Whether `level` is at or above `threshold` (for --fail-on). */
export function severityAtLeast(level: SeverityLevel, threshold: SeverityLevel): boolean {
  return severityOrder.indexOf(level) >= severityOrder.indexOf(threshold);
}
