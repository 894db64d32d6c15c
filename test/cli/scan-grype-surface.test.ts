// grype's invocations on vouch scan: the `sbom:` scheme, `--fail-on` in any case, `--by-cve`.
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseScan, SBOMS, scanEnv } from './scan-setup.js';

const SYFT_CDX = join(SBOMS, 'syft-cdx-1.4.json');

test('grype sbom:FILE scans the SBOM, even when its name has no .json and looks like an image', async (t) => {
  const { vouch, dir } = await scanEnv(t);
  await copyFile(SYFT_CDX, join(dir, 'ubuntu'));
  const r = parseScan(await vouch(['scan', 'sbom:ubuntu', '-o', 'json']));
  assert.equal(r.findings.length, 4);
  const viaPath = parseScan(await vouch(['scan', `sbom:${SYFT_CDX}`, '-o', 'json']));
  assert.deepEqual(viaPath.findings, r.findings);
});

test('sbom: with a file that does not exist fails as FILE_NOT_FOUND (exit 3), not as a registry lookup', async (t) => {
  const { vouch } = await scanEnv(t);
  const r = await vouch(['scan', 'sbom:missing.json']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /missing\.json/);
  assert.doesNotMatch(r.stderr, /registry|docker\.io/i);
});

test('--fail-on takes grype spellings in any case: High, CRITICAL, negligible', async (t) => {
  const { vouch } = await scanEnv(t);
  for (const [level, code] of [
    ['High', 1],
    ['CRITICAL', 1],
    ['negligible', 1],
  ] as const) {
    const r = await vouch(['scan', SYFT_CDX, '--fail-on', level, '-o', 'json']);
    assert.equal(r.code, code, `${level}: ${r.stderr}`);
  }
  const bad = await vouch(['scan', SYFT_CDX, '--fail-on', 'severe']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--fail-on severe/);
});

test('--by-cve names each finding by its single CVE alias and keeps the original id as an alias', async (t) => {
  const { vouch } = await scanEnv(t);
  const plain = parseScan(await vouch(['scan', SYFT_CDX, '-o', 'json']));
  const byCve = parseScan(await vouch(['scan', SYFT_CDX, '--by-cve', '-o', 'json']));
  assert.deepEqual(
    byCve.findings.map((f) => `${f.package.name} ${f.id}`),
    [
      'org.apache.logging.log4j:log4j-core CVE-2021-44228',
      'lodash CVE-2021-23337',
      'lodash CVE-2020-8203',
      'requests CVE-2023-32681',
    ],
  );
  for (const [i, f] of byCve.findings.entries()) {
    const original = plain.findings[i];
    assert.ok(original !== undefined && f.aliases.includes(original.id), `${f.id} keeps ${original?.id}`);
    assert.ok(!f.aliases.includes(f.id));
  }
});

test("-o cyclonedx-json (grype's name) writes the CycloneDX 1.6 document with components and vulnerabilities", async (t) => {
  const { vouch } = await scanEnv(t);
  const cdx = await vouch(['scan', SYFT_CDX, '-o', 'cyclonedx-json']);
  assert.equal(cdx.code, 0, cdx.stderr);
  const vex = await vouch(['scan', SYFT_CDX, '-o', 'cyclonedx-vex']);
  assert.equal(cdx.stdout, vex.stdout);
  const doc = JSON.parse(cdx.stdout) as {
    bomFormat: string;
    components: unknown[];
    vulnerabilities: unknown[];
  };
  assert.equal(doc.bomFormat, 'CycloneDX');
  assert.equal(doc.vulnerabilities.length, 4);
  assert.ok(doc.components.length > 0);
});
