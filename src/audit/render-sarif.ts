import { VERSION } from '../version.js';
import type { AuditReport, Finding, RuleInfo, Severity } from './finding.js';

/**
 * SARIF 2.1.0 (OASIS sarif-v2.1.0-os) as GitHub code scanning reads it: one rule per audit rule the run
 * reports, `security-severity` so alerts rank, results located by file, line and column (code scanning
 * drops results without a location), and a partial fingerprint that survives unrelated edits.
 * Files that could not be audited are tool execution notifications, so a broken file is visible.
 */
const LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

// GitHub's bands: over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.
const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '2.0',
  info: '0.0',
};

function region(f: { line: number; column: number; endLine?: number; endColumn?: number }) {
  const r: Record<string, number> = { startLine: Math.max(1, f.line), startColumn: Math.max(1, f.column) };
  if (f.endLine !== undefined && f.endLine >= f.line) r['endLine'] = f.endLine;
  if (f.endColumn !== undefined && (f.endLine === undefined || f.endLine > f.line || f.endColumn > f.column))
    r['endColumn'] = f.endColumn;
  return r;
}

function ruleFor(info: RuleInfo | undefined, id: string, severity: Severity) {
  return {
    id,
    name: id.replace(/(^|[-_])([a-z])/g, (_m, _sep: string, c: string) => c.toUpperCase()),
    shortDescription: { text: info?.summary ?? id },
    ...(info?.helpUri ? { helpUri: info.helpUri } : {}),
    defaultConfiguration: { level: LEVEL[info?.severity ?? severity] },
    properties: { 'security-severity': SECURITY_SEVERITY[info?.severity ?? severity], tags: ['security'] },
  };
}

function fingerprint(f: Finding): string {
  const obj = f.object ? `${f.object.kind}/${f.object.namespace ?? ''}/${f.object.name}` : '';
  return `${f.rule}|${f.file}|${obj}|${f.message}`;
}

/** Renders an audit report as a SARIF 2.1.0 log with one run. */
export function renderSarif(
  report: AuditReport,
  informationUri = 'https://github.com/vouch-dev/vouch',
): string {
  const infoById = new Map(report.rules.map((r) => [r.id, r]));
  const rules: ReturnType<typeof ruleFor>[] = [];
  const index = new Map<string, number>();
  for (const f of report.findings) {
    if (index.has(f.rule)) continue;
    index.set(f.rule, rules.length);
    rules.push(ruleFor(infoById.get(f.rule), f.rule, f.severity));
  }
  const results = report.findings.map((f) => ({
    ruleId: f.rule,
    ruleIndex: index.get(f.rule) ?? 0,
    level: LEVEL[f.severity],
    message: { text: f.fix ? `${f.message}\nFix: ${f.fix.description}` : f.message },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: toUri(f.file) }, region: region(f) },
        ...(f.object
          ? {
              logicalLocations: [
                {
                  name: f.object.name,
                  fullyQualifiedName: `${f.object.kind}/${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}`,
                  kind: 'object',
                },
              ],
            }
          : {}),
      },
    ],
    partialFingerprints: { 'vouch/finding': fingerprint(f) },
    properties: {
      severity: f.severity,
      ...(f.confidence ? { confidence: f.confidence } : {}),
      ...(f.properties ?? {}),
    },
  }));
  const notifications = report.problems.map((p) => ({
    level: 'error',
    message: { text: `${p.code}: ${p.message}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: toUri(p.file) }, region: region(p) } }],
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'vouch', semanticVersion: VERSION, informationUri, rules } },
        invocations: [
          { executionSuccessful: report.problems.length === 0, toolExecutionNotifications: notifications },
        ],
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** SARIF artifact URIs are URI references: relative paths with forward slashes, each segment escaped. */
function toUri(file: string): string {
  return file
    .replace(/\\/g, '/')
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}
