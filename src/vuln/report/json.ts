import type { VulnFinding } from '../match.js';
import { jsonChunks } from '../../sbom/index.js';
import type { ActiveFinding, ScanResult } from '../scan.js';

/** The `-o json` document type; `vouch vex filter` reads it back. */
export const SCAN_JSON_TYPE = 'https://vouch.dev/scan/v1';

function findingJson(f: VulnFinding): Record<string, unknown> {
  return {
    id: f.id,
    aliases: f.aliases,
    upstream: f.upstream,
    package: {
      name: f.name,
      version: f.version,
      ecosystem: f.ecosystem,
      purl: f.purl,
      ...(f.ref ? { ref: f.ref } : {}),
    },
    fixedIn: f.fixed,
    severity: {
      level: f.severity.level,
      ...(f.severity.score !== undefined ? { score: f.severity.score } : {}),
      ...(f.severity.vector ? { vector: f.severity.vector } : {}),
      source: f.severity.source,
    },
    ...(f.summary ? { summary: f.summary } : {}),
  };
}

function activeJson(f: ActiveFinding): Record<string, unknown> {
  return { ...findingJson(f), ...(f.vex ? { vex: f.vex } : {}) };
}

/** The machine-readable report as a value: target, database, counts, findings, suppressions, skips. */
export function scanJsonDocument(result: ScanResult): Record<string, unknown> {
  return {
    type: SCAN_JSON_TYPE,
    target: result.target,
    ...(result.db
      ? { db: { builtAt: result.db.builtAt, source: result.db.source, records: result.db.records } }
      : {}),
    summary: result.counts,
    findings: result.findings.map(activeJson),
    suppressed: result.suppressed.map((s) => ({
      ...findingJson(s.finding),
      suppressedBy: s.by,
      ...(s.status ? { status: s.status } : {}),
      ...(s.justification ? { justification: s.justification } : {}),
      ...(s.origin ? { origin: s.origin } : {}),
    })),
    skipped: {
      components: result.stats.skipped,
      sbom: result.sbomProblems,
      gitRanges: result.stats.gitRangesSkipped,
      unparseableRanges: result.stats.unparseableRanges,
    },
  };
}

/** `-o json`. */
export function renderScanJson(result: ScanResult): string {
  return `${JSON.stringify(scanJsonDocument(result), null, 2)}\n`;
}

/** renderScanJson's text as chunks (its top-level lists one entry at a time), never one string. */
export function* scanJsonChunks(result: ScanResult): Generator<string> {
  yield* jsonChunks(scanJsonDocument(result), 2);
  yield '\n';
}
