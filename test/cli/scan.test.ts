import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { parseScan, SBOMS, scanEnv, VULN_FIXTURES } from './scan-setup.js';

// ajv-formats is CommonJS with a default export; under NodeNext its namespace import is the function.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

const SYFT_CDX = join(SBOMS, 'syft-cdx-1.4.json');

test('a syft CycloneDX 1.4 SBOM: findings for lodash, requests and log4j, none for left-pad', async (t) => {
  const { vouch } = await scanEnv(t);
  const r = parseScan(await vouch(['scan', SYFT_CDX, '-o', 'json']));
  assert.deepEqual(
    r.findings.map((f) => `${f.package.name} ${f.id}`),
    [
      'org.apache.logging.log4j:log4j-core GHSA-jfh8-c2jp-5v3q',
      'lodash GHSA-35jh-r3h4-6jhm',
      'lodash GHSA-p6mc-m468-83gw',
      'requests GHSA-j8r2-6x86-q33q',
    ],
  );
  assert.equal(r.summary['critical'], 1);
  assert.equal(r.summary['high'], 2);
});

test('components without a purl or with an invalid purl are reported, skipped and counted', async (t) => {
  const { vouch } = await scanEnv(t);
  const res = await vouch(['scan', SYFT_CDX, '-o', 'json']);
  const r = parseScan(res);
  assert.deepEqual(r.skipped.sbom.map((p) => p.reason).sort(), ['invalid-purl', 'missing-purl']);
  assert.match(res.stderr, /1 without purl, 1 invalid purl/);
  assert.match(res.stderr, /bad-purl-1: invalid-purl/);
});

test('SPDX 2.2 (PACKAGE-MANAGER) and 2.3 (PACKAGE_MANAGER) purl references are both read', async (t) => {
  const { vouch } = await scanEnv(t);
  const a = parseScan(await vouch(['scan', join(SBOMS, 'trivy-spdx-2.2.json'), '-o', 'json']));
  assert.deepEqual(
    a.findings.map((f) => f.id),
    ['GHSA-j8r2-6x86-q33q'],
  );
  const b = parseScan(await vouch(['scan', join(SBOMS, 'spdx-2.3.json'), '-o', 'json']));
  assert.deepEqual(b.findings.map((f) => f.id).sort(), ['GO-2020-0036', 'RUSTSEC-2021-0078']);
});

test('CycloneDX 1.7 nested components are scanned and an unknown ecosystem is counted as skipped', async (t) => {
  const { vouch } = await scanEnv(t);
  const r = parseScan(await vouch(['scan', join(SBOMS, 'cdx-1.7-nested.json'), '-o', 'json']));
  assert.deepEqual(r.findings.map((f) => f.id).sort(), [
    'GHSA-5crp-9r3c-p9vr',
    'GHSA-crjr-9rc5-ghw8',
    'GHSA-cwmx-hcrq-mhc3',
  ]);
  assert.equal(r.skipped.components.length, 1);
});

test('--fail-on exits 1 when a finding reaches the threshold and 0 when none does', async (t) => {
  const { vouch } = await scanEnv(t);
  assert.equal((await vouch(['scan', SYFT_CDX, '--fail-on', 'critical'])).code, 1);
  assert.equal((await vouch(['scan', join(SBOMS, 'trivy-spdx-2.2.json'), '--fail-on', 'high'])).code, 0);
});

test('--ignore matches ids and aliases; --only-fixed drops findings without a fix', async (t) => {
  const { vouch } = await scanEnv(t);
  const r = parseScan(
    await vouch([
      'scan',
      SYFT_CDX,
      '-o',
      'json',
      '--ignore',
      'CVE-2021-44228',
      '--ignore',
      'GHSA-35jh-r3h4-6jhm',
    ]),
  );
  assert.deepEqual(
    r.findings.map((f) => f.id),
    ['GHSA-p6mc-m468-83gw', 'GHSA-j8r2-6x86-q33q'],
  );
  assert.deepEqual(
    r.suppressed.map((s) => s.suppressedBy),
    ['ignore', 'ignore'],
  );
  const fixedOnly = parseScan(await vouch(['scan', SYFT_CDX, '-o', 'json', '--only-fixed']));
  assert.equal(fixedOnly.findings.length, 4, 'every fixture finding has a fixed version');
});

test('the table lists name, installed, fixed-in, type, id and severity', async (t) => {
  const { vouch } = await scanEnv(t);
  const r = await vouch(['scan', SYFT_CDX]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^NAME\s+INSTALLED\s+FIXED-IN\s+TYPE\s+VULNERABILITY\s+SEVERITY$/);
  assert.match(r.stdout, /lodash\s+4\.17\.15\s+4\.17\.21\s+npm\s+GHSA-35jh-r3h4-6jhm\s+high/);
});

async function sarifValidator(): Promise<(v: unknown) => boolean> {
  const schema = JSON.parse(
    await readFile(join(VULN_FIXTURES, 'schemas', 'sarif-schema-2.1.0.json'), 'utf8'),
  ) as Record<string, unknown>;
  // The OASIS schema is draft-04: ajv 8 reads it once `id` is spelled `$id` and the draft-04
  // meta-schema reference is dropped (the schema uses no other draft-04-only keyword).
  const { $schema: _meta, id, ...rest } = schema;
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  const validate = ajv.compile({ ...rest, $id: String(id) });
  return (v) => {
    const ok = validate(v);
    if (!ok) assert.fail(JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    return ok;
  };
}

test('SARIF output is valid SARIF 2.1.0 with GitHub code-scanning rule properties and locations', async (t) => {
  const { vouch, dir } = await scanEnv(t);
  const r = await vouch(['scan', SYFT_CDX, '-o', 'sarif=out.sarif', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const sarif = JSON.parse(await readFile(join(dir, 'out.sarif'), 'utf8')) as {
    runs: Array<{
      tool: {
        driver: { rules: Array<{ id: string; help: { text: string }; properties: Record<string, unknown> }> };
      };
      results: Array<{
        ruleId: string;
        level: string;
        locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }>;
      }>;
    }>;
  };
  assert.ok((await sarifValidator())(sarif));
  const run = sarif.runs[0];
  assert.ok(run);
  const log4j = run.tool.driver.rules.find((x) => x.id === 'GHSA-jfh8-c2jp-5v3q');
  assert.equal(log4j?.properties['security-severity'], '10.0');
  assert.ok(log4j?.help.text.includes('2.15.0'));
  assert.equal(run.results.length, 4);
  for (const res of run.results) {
    assert.ok(res.locations[0]?.physicalLocation.artifactLocation.uri.endsWith('syft-cdx-1.4.json'));
  }
  assert.equal(run.results.find((x) => x.ruleId === 'GHSA-jfh8-c2jp-5v3q')?.level, 'error');
});

test('a SARIF file that cannot be written fails with exit 3 and leaves no partial file', async (t) => {
  const { vouch, dir } = await scanEnv(t);
  // The target exists as a directory: the final rename fails after the temp file was written.
  await mkdir(join(dir, 'out.sarif'));
  const r = await vouch(['scan', SYFT_CDX, '-o', 'sarif=out.sarif']);
  assert.equal(r.code, 3, r.stderr);
  assert.deepEqual((await readdir(join(dir, 'out.sarif'))).length, 0);
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f.includes('.tmp')),
    [],
  );
});

test('a directory source is cataloged and scanned directly', async (t) => {
  const { vouch, dir } = await scanEnv(t);
  const app = join(dir, 'app');
  await mkdir(app);
  await writeFile(
    join(app, 'package-lock.json'),
    JSON.stringify({
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'app', version: '1.0.0', dependencies: { lodash: '4.17.20' } },
        'node_modules/lodash': {
          version: '4.17.20',
          resolved: 'https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz',
          integrity:
            'sha512-PlhdFcillOINfeV7Ni6oF1TAEayyZBoZ8bcshTHqOYJYlrqzRK5hagpagky5o4HfCzzd1TRkXPMFq6cKk9rGmA==',
        },
      },
    }),
  );
  const r = parseScan(await vouch(['scan', 'dir:app', '-o', 'json']));
  assert.deepEqual(
    r.findings.map((f) => f.id),
    ['GHSA-35jh-r3h4-6jhm'],
  );
});
