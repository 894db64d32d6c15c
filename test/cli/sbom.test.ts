// `vouch sbom` on directories, end to end through the CLI: formats, several -o at once, atomic files,
// SOURCE_DATE_EPOCH, and the exit codes of bad lockfiles.
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type TestContext, test } from 'node:test';
import { generateSbom, openSbomSource, parseSbomSource, serializeCycloneDx } from '../../src/sbom/index.js';
import { runCli } from '../support/cli.js';
import { fixture, schemaErrors } from '../sbom/fixtures.js';

interface CdxDoc {
  specVersion: string;
  serialNumber: string;
  metadata: { timestamp: string; component?: { name: string; version?: string } };
  components: Array<{ purl: string }>;
}

function tempDir(t: TestContext, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `vouch-sbom-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function purlsOf(doc: CdxDoc): string[] {
  return doc.components.map((c) => c.purl).sort();
}

test('sbom of a dir: source prints schema-valid CycloneDX 1.6 with the lockfile packages', async () => {
  const r = await runCli(['sbom', `dir:${fixture('npm-v3')}`, '-o', 'cyclonedx-json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as CdxDoc;
  assert.deepEqual(schemaErrors('cdx16', doc), []);
  assert.equal(doc.specVersion, '1.6');
  assert.ok(purlsOf(doc).includes('pkg:npm/ms@2.1.2'));
});

test('a bare existing path is a dir: source, and the default output off a terminal is CycloneDX JSON', async () => {
  const cwd = fixture();
  const bare = await runCli(['sbom', 'npm-v3'], { cwd, env: { SOURCE_DATE_EPOCH: '1700000000' } });
  const prefixed = await runCli(['sbom', 'dir:npm-v3'], { cwd, env: { SOURCE_DATE_EPOCH: '1700000000' } });
  assert.equal(bare.code, 0, bare.stderr);
  assert.equal(bare.stdout, prefixed.stdout);
  assert.equal((JSON.parse(bare.stdout) as CdxDoc).specVersion, '1.6');
});

test('every ecosystem fixture directory scans through the CLI into schema-valid CycloneDX 1.7 and SPDX', async (t) => {
  const out = tempDir(t, 'eco');
  const dirs = [
    'cargo',
    'composer',
    'go',
    'poetry',
    'ruby',
    'yarn-classic',
    'pnpm-v9',
    'python-site',
    'rootfs-alpine',
  ];
  for (const d of dirs) {
    const cdx = join(out, `${d}.cdx.json`);
    const spdx = join(out, `${d}.spdx.json`);
    const r = await runCli([
      'sbom',
      fixture(d),
      '--cyclonedx-version',
      '1.7',
      '-o',
      `cyclonedx-json=${cdx}`,
      '-o',
      `spdx-json=${spdx}`,
    ]);
    assert.equal(r.code, 0, `${d}: ${r.stderr}`);
    const doc = JSON.parse(readFileSync(cdx, 'utf8')) as CdxDoc;
    assert.deepEqual(schemaErrors('cdx17', doc), [], d);
    assert.ok(doc.components.length > 0, `${d}: no components`);
    assert.deepEqual(schemaErrors('spdx23', JSON.parse(readFileSync(spdx, 'utf8'))), [], d);
  }
});

test('several -o at once: two files and a table on stdout, describing the same components', async (t) => {
  const out = tempDir(t, 'multi');
  const r = await runCli(
    [
      'sbom',
      fixture('npm-v3'),
      '-o',
      'cyclonedx-json=bom.cdx.json',
      '-o',
      'spdx-json=bom.spdx.json',
      '-o',
      'table',
    ],
    { cwd: out },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^NAME\s+VERSION\s+TYPE\n/);
  assert.match(r.stdout, /\nms\s+2\.1\.2\s+npm\n/);
  const cdx = JSON.parse(readFileSync(join(out, 'bom.cdx.json'), 'utf8')) as CdxDoc;
  const spdx = JSON.parse(readFileSync(join(out, 'bom.spdx.json'), 'utf8')) as {
    packages: Array<{ externalRefs?: Array<{ referenceType: string; referenceLocator: string }> }>;
  };
  assert.deepEqual(schemaErrors('spdx23', spdx), []);
  const spdxPurls = spdx.packages
    .flatMap((p) => p.externalRefs ?? [])
    .filter((e) => e.referenceType === 'purl')
    .map((e) => e.referenceLocator)
    .sort();
  assert.deepEqual(spdxPurls, purlsOf(cdx));
  assert.deepEqual(readdirSync(out).sort(), ['bom.cdx.json', 'bom.spdx.json']);
});

test('two -o outputs to stdout are refused as usage', async () => {
  const r = await runCli(['sbom', fixture('npm-v3'), '-o', 'cyclonedx-json', '-o', 'spdx-json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /only one -o output can go to stdout/);
});

test('a write that fails midway leaves none of the output files, not even the ones already written', async (t) => {
  const out = tempDir(t, 'fail');
  const r = await runCli(
    [
      'sbom',
      fixture('npm-v3'),
      '-o',
      'cyclonedx-json=ok.cdx.json',
      '-o',
      'spdx-json=missing/dir/x.spdx.json',
    ],
    { cwd: out, env: {} },
  );
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /writing missing\/dir\/x\.spdx\.json/);
  assert.deepEqual(readdirSync(out), []);
});

test('SOURCE_DATE_EPOCH gives byte-identical documents with that timestamp', async (t) => {
  const out = tempDir(t, 'epoch');
  const env = { SOURCE_DATE_EPOCH: '1700000000' };
  const args = (n: number): string[] => [
    'sbom',
    fixture('npm-v3'),
    '-o',
    `cyclonedx-json=${join(out, `a${n}.json`)}`,
    '-o',
    `spdx-json=${join(out, `b${n}.json`)}`,
  ];
  assert.equal((await runCli(args(1), { env })).code, 0);
  assert.equal((await runCli(args(2), { env })).code, 0);
  assert.deepEqual(readFileSync(join(out, 'a1.json')), readFileSync(join(out, 'a2.json')));
  assert.deepEqual(readFileSync(join(out, 'b1.json')), readFileSync(join(out, 'b2.json')));
  const doc = JSON.parse(readFileSync(join(out, 'a1.json'), 'utf8')) as CdxDoc;
  assert.equal(doc.metadata.timestamp, '2023-11-14T22:13:20Z');
});

test('without SOURCE_DATE_EPOCH or --deterministic each run gets its own serial number', async () => {
  const a = JSON.parse((await runCli(['sbom', fixture('npm-v3')])).stdout) as CdxDoc;
  const b = JSON.parse((await runCli(['sbom', fixture('npm-v3')])).stdout) as CdxDoc;
  assert.notEqual(a.serialNumber, b.serialNumber);
});

test('--deterministic derives the serial number from the content: the library gives the same bytes', async () => {
  const r = await runCli(['sbom', '--deterministic', fixture('npm-v3')]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as CdxDoc;
  // The clock is read by the CLI; reuse its timestamp so only the serial derivation is compared.
  const opened = await openSbomSource(parseSbomSource(fixture('npm-v3'), process.cwd()), {
    open: {},
    defaultPlatform: { os: 'linux', architecture: 'amd64' },
  });
  const result = await generateSbom(opened.tree);
  assert.equal(
    r.stdout,
    serializeCycloneDx(result, { now: new Date(doc.metadata.timestamp), deterministic: true }),
  );
});

test('a SOURCE_DATE_EPOCH that is not a number of seconds is a usage error', async () => {
  const r = await runCli(['sbom', fixture('npm-v3')], { env: { SOURCE_DATE_EPOCH: 'yesterday' } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /SOURCE_DATE_EPOCH/);
});

test('an unknown lockfileVersion exits 2 naming the version and the file, and writes no file', async (t) => {
  const dir = tempDir(t, 'v7');
  const project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package-lock.json'),
    JSON.stringify({ name: 'x', lockfileVersion: 7, packages: {} }),
  );
  const r = await runCli(['sbom', 'project', '-o', 'cyclonedx-json=bom.json'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unsupported lockfileVersion 7 in package-lock\.json/);
  assert.equal(existsSync(join(dir, 'bom.json')), false);
});

test('a malformed lockfile exits 2 naming the file', async (t) => {
  const dir = tempDir(t, 'bad');
  cpSync(fixture('npm-v3'), dir, { recursive: true });
  writeFileSync(join(dir, 'package-lock.json'), '{"lockfileVersion": 3, "packages": ');
  const r = await runCli(['sbom', relative(process.cwd(), dir), '-o', 'cyclonedx-json=bom.json'], {
    cwd: process.cwd(),
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /package-lock\.json: invalid JSON/);
  assert.equal(existsSync(join(process.cwd(), 'bom.json')), false);
});

test('--attest refuses a directory source and --key without --attest', async () => {
  const a = await runCli(['sbom', '--attest', '--key', 'cosign.key', fixture('npm-v3')]);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /--attest needs an image in a registry or an OCI layout/);
  const b = await runCli(['sbom', '--key', 'cosign.key', fixture('npm-v3')]);
  assert.equal(b.code, 2);
});
