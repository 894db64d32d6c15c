import { VERSION } from '../../version.js';
import { jsonChunks } from '../../sbom/index.js';
import type { SeverityLevel } from '../cvss.js';
import type { ActiveFinding, ScanResult } from '../scan.js';

/**
 * SARIF 2.1.0 (OASIS, sarif-v2.1.0-os) for GitHub code scanning: one rule per vulnerability with
 * `help` text and the `security-severity` property GitHub reads to rank security alerts (a CVSS-like
 * score as a string: >9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low), one result per
 * (package, vulnerability) located on the scanned SBOM file (code scanning drops results without a
 * location), with a partial fingerprint so an alert survives unrelated edits of the file.
 */

const LEVEL: Readonly<Record<SeverityLevel, 'error' | 'warning' | 'note' | 'none'>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  none: 'none',
  unknown: 'warning',
};

// Used when a record has a level but no CVSS score: the middle of GitHub's band for that level.
const BAND: Readonly<Record<SeverityLevel, string>> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '2.0',
  none: '0.0',
  unknown: '5.0',
};

function securitySeverity(f: ActiveFinding): string {
  return f.severity.score !== undefined ? f.severity.score.toFixed(1) : BAND[f.severity.level];
}

function helpUri(id: string): string {
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

/** Renders a scan as a SARIF 2.1.0 log (one run). */
export function renderSarif(result: ScanResult): string {
  return `${JSON.stringify(sarifLog(result), null, 2)}\n`;
}

/** renderSarif's text as chunks (runs[].results one by one), never one string. */
export function* sarifChunks(result: ScanResult): Generator<string> {
  yield* jsonChunks(sarifLog(result), 4);
  yield '\n';
}

function sarifLog(result: ScanResult): Record<string, unknown> {
  const rules: Array<Record<string, unknown>> = [];
  const ruleIndex = new Map<string, number>();
  for (const f of result.findings) {
    if (ruleIndex.has(f.id)) continue;
    ruleIndex.set(f.id, rules.length);
    const title = f.summary ?? `${f.id} in ${f.name}`;
    const fixText = f.fixed.length > 0 ? `Fixed in ${f.fixed.join(', ')}.` : 'No fixed version is known.';
    rules.push({
      id: f.id,
      name: f.id.replace(/[^A-Za-z0-9]/g, ''),
      shortDescription: { text: `${f.id} ${f.severity.level} vulnerability` },
      fullDescription: { text: title },
      helpUri: helpUri(f.id),
      help: {
        text: `${title}\n${fixText}\nAliases: ${f.aliases.join(', ') || 'none'}.`,
        markdown: `**${f.id}** (${f.severity.level})\n\n${title}\n\n${fixText}\n\n[${f.id} on osv.dev](${helpUri(f.id)})`,
      },
      properties: {
        'security-severity': securitySeverity(f),
        tags: ['security', 'vulnerability', f.severity.level],
      },
    });
  }
  const uri = result.target.location ?? result.target.name;
  const results = result.findings.map((f) => ({
    ruleId: f.id,
    ruleIndex: ruleIndex.get(f.id) ?? 0,
    level: LEVEL[f.severity.level],
    message: {
      text: `${f.name} ${f.version} (${f.purl}) is affected by ${f.id}${f.fixed.length > 0 ? `; fixed in ${f.fixed.join(', ')}` : ''}`,
    },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri }, region: { startLine: 1 } },
        logicalLocations: [{ name: f.purl, kind: 'package' }],
      },
    ],
    partialFingerprints: { 'vouch/package-vulnerability': `${f.purl}|${f.id}` },
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'vouch',
            version: VERSION,
            informationUri: 'https://github.com/vouch-dev/vouch',
            rules,
          },
        },
        results,
      },
    ],
  };
  return log;
}
