import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  memorySource,
  renderCycloneDxVex,
  renderSarif,
  renderScanTable,
  type ScanResult,
  scanComponents,
} from '../../../src/vuln/index.js';
import { fixtureRecords } from '../fixture-records.js';

const TARGET = {
  name: 'sbom.json',
  kind: 'sbom',
  format: 'cyclonedx 1.6',
  subject: undefined,
  location: 'sbom.json',
} as const;

function scan(purls: string[]): ScanResult {
  return scanComponents(
    purls.map((purl) => ({ purl })),
    memorySource(fixtureRecords()),
    { target: TARGET },
  );
}

test('a scan with no findings renders an empty SARIF run and a "no vulnerabilities" table', () => {
  const r = scan(['pkg:npm/left-pad@1.3.0']);
  const sarif = JSON.parse(renderSarif(r)) as {
    runs: Array<{ results: unknown[]; tool: { driver: { rules: unknown[] } } }>;
  };
  assert.deepEqual(sarif.runs[0]?.results, []);
  assert.deepEqual(sarif.runs[0]?.tool.driver.rules, []);
  assert.equal(renderScanTable(r), 'No vulnerabilities found\n');
});

test('SARIF has one rule per vulnerability even when several packages have it', () => {
  const r = scan(['pkg:npm/lodash@4.17.15', 'pkg:npm/lodash@4.17.20']);
  const sarif = JSON.parse(renderSarif(r)) as {
    runs: Array<{
      results: Array<{ ruleId: string; ruleIndex: number }>;
      tool: { driver: { rules: Array<{ id: string }> } };
    }>;
  };
  const run = sarif.runs[0];
  assert.ok(run);
  assert.deepEqual(run.tool.driver.rules.map((x) => x.id).sort(), [
    'GHSA-35jh-r3h4-6jhm',
    'GHSA-p6mc-m468-83gw',
  ]);
  for (const res of run.results) assert.equal(run.tool.driver.rules[res.ruleIndex]?.id, res.ruleId);
  assert.equal(run.results.length, 3);
});

test('CycloneDX VEX output is byte-identical for equal scans and groups affected packages', () => {
  const now = new Date('2024-01-01T00:00:00Z');
  const a = renderCycloneDxVex(scan(['pkg:npm/lodash@4.17.15', 'pkg:npm/lodash@4.17.20']), now);
  const b = renderCycloneDxVex(scan(['pkg:npm/lodash@4.17.20', 'pkg:npm/lodash@4.17.15']), now);
  assert.equal(a, b);
  const doc = JSON.parse(a) as { vulnerabilities: Array<{ id: string; affects: Array<{ ref: string }> }> };
  assert.deepEqual(
    doc.vulnerabilities.find((v) => v.id === 'GHSA-35jh-r3h4-6jhm')?.affects.map((x) => x.ref),
    ['pkg:npm/lodash@4.17.15', 'pkg:npm/lodash@4.17.20'],
  );
});
