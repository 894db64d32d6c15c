import { type AuditReport, countBySeverity, SEVERITIES } from './finding.js';

/**
 * The terminal view: one block per finding, most useful first (location, severity, rule, message),
 * then the fix when there is one, then a summary line. Plain text, no colour: it is read in CI logs.
 */
export function renderTable(report: AuditReport): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    const where = f.line > 0 ? `${f.file}:${f.line}:${f.column}` : f.file;
    const obj = f.object
      ? ` ${f.object.kind}/${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}`
      : '';
    lines.push(`${where}: ${f.severity} ${f.rule}${obj}`);
    lines.push(`  ${f.message}`);
    if (f.fix) lines.push(`  fix: ${f.fix.description}`);
  }
  for (const p of report.problems) {
    const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
    lines.push(`${where}: not audited (${p.code})`);
    lines.push(`  ${p.message}`);
  }
  if (lines.length > 0) lines.push('');
  const counts = countBySeverity(report.findings);
  const parts = [...SEVERITIES]
    .reverse()
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`);
  const found =
    report.findings.length === 0
      ? 'no findings'
      : `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} (${parts.join(', ')})`;
  const extra: string[] = [];
  if (report.suppressed > 0) extra.push(`${report.suppressed} suppressed`);
  if (report.problems.length > 0) extra.push(`${report.problems.length} not audited`);
  lines.push(
    `${report.tool}: ${report.inputs} input${report.inputs === 1 ? '' : 's'}, ${found}${extra.length > 0 ? `; ${extra.join(', ')}` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
