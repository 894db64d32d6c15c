/**
 * The one shape every audit reports in (`vouch audit ci|deps|k8s`, `vouch helm` lint): a finding names
 * the anchor's rule id (zizmor's audit ids, pod-security-admission's check ids, lockfile-lint's
 * validator names) so users keep their vocabulary, where it is (file, 1-based line and column of the
 * offending token) and what to do about it. Audits return findings as values; only a file that cannot
 * be read at all is an input error, reported beside the findings so the other files are still audited.
 */

/** Ordered from least to most severe; zizmor's "informational" is `info`. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CONFIDENCES = ['low', 'medium', 'high'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** Where a finding points: 1-based line and column; line 0 means the file as a whole. */
export interface SourceSpan {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine?: number;
  readonly endColumn?: number;
}

/** A text edit a fixer proposes: replace [start, end) (0-based offsets into the file) with `text`. */
export interface TextEdit {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface FindingFix {
  /** What the fix does, for a person. */
  readonly description: string;
  /** The edits; absent when the fix cannot be applied automatically. */
  readonly edits?: readonly TextEdit[];
}

/** A Kubernetes object a finding is about (audits of manifests). */
export interface ObjectRef {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface Finding extends SourceSpan {
  readonly rule: string;
  readonly severity: Severity;
  readonly confidence?: Confidence;
  readonly message: string;
  /** Where the rule is explained. */
  readonly helpUri?: string;
  readonly object?: ObjectRef;
  readonly fix?: FindingFix;
  /** Rule-specific facts (the action, the package, the permission…), kept in JSON and SARIF. */
  readonly properties?: Readonly<Record<string, unknown>>;
}

/** A rule an audit knows, listed in SARIF and in `--only`/`--skip` validation. */
export interface RuleInfo {
  readonly id: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly helpUri?: string;
}

/** A file (or object) that could not be audited: never a silent pass. */
export interface InputProblem extends SourceSpan {
  readonly code: string;
  readonly message: string;
}

/** What one audit run found. */
export interface AuditReport {
  /** e.g. "vouch audit ci". */
  readonly tool: string;
  readonly rules: readonly RuleInfo[];
  readonly findings: readonly Finding[];
  /** Findings an ignore comment or a --skip removed, counted for the summary. */
  readonly suppressed: number;
  readonly problems: readonly InputProblem[];
  /** Files (or objects) audited. */
  readonly inputs: number;
}

const RANK: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function severityRank(s: Severity): number {
  return RANK[s];
}

/**
 * Reads a severity as users type it: case-insensitive, with the anchors' spellings (zizmor's
 * "informational", SARIF's "note"/"warning"/"error" are not severities and are refused).
 * Returns undefined for anything else, so the caller can say what was expected.
 */
export function parseSeverity(text: string): Severity | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'informational' || t === 'information') return 'info';
  return (SEVERITIES as readonly string[]).includes(t) ? (t as Severity) : undefined;
}

/** Findings in reading order: file, line, column, then rule id, so output is deterministic. */
export function compareFindings(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.column !== b.column) return a.column - b.column;
  if (a.rule !== b.rule) return a.rule < b.rule ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** True when any finding is at least as severe as `threshold`. */
export function failsAt(findings: readonly Finding[], threshold: Severity): boolean {
  const min = RANK[threshold];
  return findings.some((f) => RANK[f.severity] >= min);
}

/** Counts per severity, every level present. */
export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { info: 0, low: 0, medium: 0, high: 0, critical: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}
