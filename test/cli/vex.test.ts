import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseScan, SBOMS, scanEnv, VEX_DIR } from './scan-setup.js';

const SYFT_CDX = join(SBOMS, 'syft-cdx-1.4.json');
const vexFile = (name: string): string => join(VEX_DIR, name);

test('an OpenVEX not_affected statement on a versionless purl suppresses the finding by alias', async (t) => {
  const { vouch } = await scanEnv(t);
  const r = parseScan(
    await vouch(['scan', SYFT_CDX, '-o', 'json', '--vex', vexFile('lodash-not-affected.openvex.json')]),
  );
  assert.ok(!r.findings.some((f) => f.id === 'GHSA-35jh-r3h4-6jhm'));
  assert.deepEqual(
    r.suppressed.map((s) => [s.id, s.suppressedBy, s.status, s.justification]),
    [['GHSA-35jh-r3h4-6jhm', 'vex', 'not_affected', 'vulnerable_code_not_in_execute_path']],
  );
});

test('the newest statement wins: a later affected statement brings the finding back', async (t) => {
  const { vouch } = await scanEnv(t);
  const args = [
    '--vex',
    vexFile('lodash-not-affected.openvex.json'),
    '--vex',
    vexFile('lodash-affected-later.openvex.json'),
  ];
  const r = parseScan(await vouch(['scan', SYFT_CDX, '-o', 'json', ...args]));
  const f = r.findings.find((x) => x.id === 'GHSA-35jh-r3h4-6jhm');
  assert.equal(f?.vex?.status, 'affected');
  // Load order does not matter: the timestamps decide.
  const reversed = parseScan(
    await vouch(['scan', SYFT_CDX, '-o', 'json', ...[args[2], args[3], args[0], args[1]].map(String)]),
  );
  assert.equal(reversed.findings.find((x) => x.id === 'GHSA-35jh-r3h4-6jhm')?.vex?.status, 'affected');
});

test('subcomponents of the scanned product are matched; statement qualifiers must be a subset', async (t) => {
  const { vouch } = await scanEnv(t);
  const r = parseScan(
    await vouch(['scan', SYFT_CDX, '-o', 'json', '--vex', vexFile('image-subcomponents.openvex.json')]),
  );
  assert.deepEqual(
    r.suppressed.map((s) => [s.id, s.status]),
    [['GHSA-j8r2-6x86-q33q', 'fixed']],
  );
  // The lodash statement names repository_url, which the SBOM's purl does not carry: not suppressed.
  assert.ok(r.findings.some((f) => f.id === 'GHSA-p6mc-m468-83gw'));
});

test('CycloneDX VEX: not_affected via a BOM-Link suppresses; in_triage keeps the finding', async (t) => {
  const { vouch } = await scanEnv(t);
  const r = parseScan(await vouch(['scan', SYFT_CDX, '-o', 'json', '--vex', vexFile('log4j.cdx-vex.json')]));
  assert.deepEqual(
    r.suppressed.map((s) => [s.id, s.status]),
    [['GHSA-jfh8-c2jp-5v3q', 'not_affected']],
  );
  assert.equal(r.findings.find((f) => f.id === 'GHSA-j8r2-6x86-q33q')?.vex?.status, 'under_investigation');
  assert.equal(r.summary['critical'], 0);
});

test('--show-suppressed lists suppressed findings in the table with their reason', async (t) => {
  const { vouch } = await scanEnv(t);
  const plain = await vouch(['scan', SYFT_CDX, '--vex', vexFile('log4j.cdx-vex.json')]);
  assert.doesNotMatch(plain.stdout, /Suppressed/);
  const r = await vouch(['scan', SYFT_CDX, '--vex', vexFile('log4j.cdx-vex.json'), '--show-suppressed']);
  assert.match(r.stdout, /Suppressed \(1\):/);
  assert.match(
    r.stdout,
    /log4j-core\s+2\.14\.1\s+GHSA-jfh8-c2jp-5v3q\s+vex\s+not_affected\s+code_not_reachable/,
  );
});

test('an invalid OpenVEX document fails with INPUT_MALFORMED listing every bad field', async (t) => {
  const { vouch } = await scanEnv(t);
  const r = await vouch(['scan', SYFT_CDX, '--vex', vexFile('invalid.openvex.json'), '-o', 'json']);
  assert.equal(r.code, 2);
  for (const f of ['statements[0].justification', 'statements[1].products', 'statements[1].status'])
    assert.ok(r.stderr.includes(f), `${f} in ${r.stderr}`);
});

test('vex create writes a deterministic OpenVEX 0.2.0 document that scan applies', async (t) => {
  const { vouch, dir } = await scanEnv(t);
  const args = [
    'vex',
    'create',
    '--product',
    'pkg:maven/org.apache.logging.log4j/log4j-core',
    '--vuln',
    'CVE-2021-44228',
    '--status',
    'not_affected',
    '--justification',
    'vulnerable_code_not_present',
    '--author',
    'ops@example.com',
  ];
  const a = await vouch(args);
  const b = await vouch(args);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const doc = JSON.parse(a.stdout) as Record<string, unknown>;
  assert.equal(doc['@context'], 'https://openvex.dev/ns/v0.2.0');
  assert.equal(doc['timestamp'], '2023-11-14T22:13:20.000Z');
  assert.match(String(doc['@id']), /^https:\/\/openvex\.dev\/docs\/public\/vex-[0-9a-f]{64}$/);
  await writeFile(join(dir, 'v.json'), a.stdout);
  const r = parseScan(await vouch(['scan', SYFT_CDX, '-o', 'json', '--vex', 'v.json']));
  assert.deepEqual(
    r.suppressed.map((s) => s.id),
    ['GHSA-jfh8-c2jp-5v3q'],
  );
});

test('vex create refuses not_affected without a justification or impact statement', async (t) => {
  const { vouch } = await scanEnv(t, { build: false });
  const r = await vouch([
    'vex',
    'create',
    '--product',
    'pkg:npm/lodash',
    '--vuln',
    'CVE-2021-23337',
    '--status',
    'not_affected',
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /statements\[0\]\.justification/);
});

test('vex merge keeps every statement ordered by time, independent of argument order', async (t) => {
  const { vouch } = await scanEnv(t, { build: false });
  const x = vexFile('lodash-affected-later.openvex.json');
  const y = vexFile('lodash-not-affected.openvex.json');
  const a = await vouch(['vex', 'merge', x, y]);
  const b = await vouch(['vex', 'merge', y, x]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const doc = JSON.parse(a.stdout) as { statements: Array<{ status: string; timestamp: string }> };
  assert.deepEqual(
    doc.statements.map((s) => [s.status, s.timestamp]),
    [
      ['not_affected', '2024-01-10T09:00:00Z'],
      ['affected', '2024-02-20T09:00:00Z'],
    ],
  );
});

test('vex filter removes suppressed findings from a scan JSON report and recounts', async (t) => {
  const { vouch, dir } = await scanEnv(t);
  const scan = await vouch(['scan', SYFT_CDX, '-o', 'json=scan.json']);
  assert.equal(scan.code, 0, scan.stderr);
  const r = await vouch(['vex', 'filter', '--vex', vexFile('log4j.cdx-vex.json'), 'scan.json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    summary: Record<string, number>;
    findings: Array<{ id: string }>;
    suppressed: Array<{ id: string }>;
  };
  assert.ok(!out.findings.some((f) => f.id === 'GHSA-jfh8-c2jp-5v3q'));
  assert.deepEqual(
    out.suppressed.map((s) => s.id),
    ['GHSA-jfh8-c2jp-5v3q'],
  );
  assert.equal(out.summary['critical'], 0);
  const bad = await vouch([
    'vex',
    'filter',
    '--vex',
    vexFile('log4j.cdx-vex.json'),
    join(SBOMS, 'spdx-2.3.json'),
  ]);
  assert.equal(bad.code, 2);
  assert.ok((await readFile(join(dir, 'scan.json'), 'utf8')).includes('GHSA-jfh8-c2jp-5v3q'));
});

test('findings suppressed by VEX do not count towards --fail-on', async (t) => {
  const { vouch } = await scanEnv(t);
  assert.equal((await vouch(['scan', SYFT_CDX, '--fail-on', 'critical'])).code, 1);
  const r = await vouch(['scan', SYFT_CDX, '--fail-on', 'critical', '--vex', vexFile('log4j.cdx-vex.json')]);
  assert.equal(r.code, 0, r.stderr);
});

test('an SBOM on stdin is scanned with -', async (t) => {
  const { vouch } = await scanEnv(t);
  const r = parseScan(await vouch(['scan', '-', '-o', 'json'], await readFile(SYFT_CDX, 'utf8')));
  assert.equal(r.findings.length, 4);
});
