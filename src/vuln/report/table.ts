import type { ScanResult } from '../scan.js';

function columns(rows: ReadonlyArray<readonly string[]>): string {
  const widths: number[] = [];
  for (const r of rows) for (const [i, c] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  return `${rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/** The human report, grype's column layout: NAME INSTALLED FIXED-IN TYPE VULNERABILITY SEVERITY. */
export function renderScanTable(result: ScanResult, opts: { showSuppressed?: boolean } = {}): string {
  const header = ['NAME', 'INSTALLED', 'FIXED-IN', 'TYPE', 'VULNERABILITY', 'SEVERITY'] as const;
  const rows = result.findings.map((f) => [
    f.name,
    f.version,
    f.fixed.join(', '),
    f.ecosystem,
    f.id,
    f.severity.level + (f.vex ? ` (vex: ${f.vex.status})` : ''),
  ]);
  let out = rows.length === 0 ? 'No vulnerabilities found\n' : columns([header, ...rows]);
  if (opts.showSuppressed && result.suppressed.length > 0) {
    out += `\nSuppressed (${result.suppressed.length}):\n`;
    out += columns([
      ['NAME', 'INSTALLED', 'VULNERABILITY', 'BY', 'STATUS', 'REASON'],
      ...result.suppressed.map((s) => [
        s.finding.name,
        s.finding.version,
        s.finding.id,
        s.by,
        s.status ?? '',
        s.justification ?? '',
      ]),
    ]);
  }
  return out;
}
