import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildImage } from '../../src/oci/image-builder.js';
import { createOciLayoutWriter } from '../../src/oci/layout-dir.js';
import { schemaErrors } from '../sbom/fixtures.js';
import { runCli } from '../support/cli.js';
import { EPOCH, OSV_DIR, SBOMS, scanEnv } from './scan-setup.js';
import { ENV, keyPair, type Scope } from './sign-setup.js';
import { statementOfLine } from '../support/envelope.js';

const LOCK = JSON.stringify({
  name: 'app',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'app', version: '1.0.0', dependencies: { lodash: '4.17.20' } },
    'node_modules/lodash': { version: '4.17.20' },
  },
});

test('-o cosign-vuln prints the cosign vuln predicate with a Summary of severity counts', async (t) => {
  const { vouch } = await scanEnv(t);
  const r = await vouch(['scan', join(SBOMS, 'syft-cdx-1.4.json'), '-o', 'cosign-vuln']);
  assert.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout) as {
    invocation: Record<string, unknown>;
    scanner: {
      uri: string;
      version: string;
      db: { uri: string; version: string };
      result: { Summary: Record<string, number> };
    };
    metadata: { scanStartedOn: string; scanFinishedOn: string };
  };
  assert.deepEqual(Object.keys(p.invocation), ['parameters', 'uri', 'event_id', 'builder.id']);
  assert.deepEqual(p.scanner.result.Summary, { Critical: 1, High: 2, Medium: 1, Low: 0, Unknown: 0 });
  assert.equal(p.scanner.db.uri, OSV_DIR);
  assert.equal(p.scanner.db.version, '2023-11-14T22:13:20.000Z');
  assert.equal(p.metadata.scanStartedOn, new Date(Number(EPOCH) * 1000).toISOString());
});

test('-o cyclonedx-vex writes a schema-valid CycloneDX 1.6 VEX that scan --vex reads back', async (t) => {
  const { vouch, dir } = await scanEnv(t);
  const a = await vouch([
    'scan',
    join(SBOMS, 'syft-cdx-1.4.json'),
    '-o',
    'cyclonedx-vex=a.json',
    '--vex',
    join(SBOMS, '..', 'vex', 'log4j.cdx-vex.json'),
  ]);
  assert.equal(a.code, 0, a.stderr);
  const doc = JSON.parse(await readFile(join(dir, 'a.json'), 'utf8')) as {
    vulnerabilities: Array<{
      id: string;
      analysis?: { state: string; justification?: string };
      affects: Array<{ ref: string }>;
    }>;
  };
  assert.deepEqual(schemaErrors('cdx16', doc), []);
  const log4j = doc.vulnerabilities.find((v) => v.id === 'GHSA-jfh8-c2jp-5v3q');
  assert.deepEqual(log4j?.analysis, {
    state: 'not_affected',
    justification: 'code_not_reachable',
    detail: 'code_not_reachable',
  });
  assert.equal(doc.vulnerabilities.length, 4);
  const again = await vouch(['scan', join(SBOMS, 'syft-cdx-1.4.json'), '-o', 'json', '--vex', 'a.json']);
  const r = JSON.parse(again.stdout) as { suppressed: Array<{ id: string }> };
  assert.deepEqual(
    r.suppressed.map((s) => s.id),
    ['GHSA-jfh8-c2jp-5v3q'],
  );
});

test('CycloneDX VEX output joins back to its SBOM: affects[].ref is a BOM-Link to the input serial, version and bom-ref', async (t) => {
  const { vouch, dir } = await scanEnv(t);
  const sbom = JSON.parse(await readFile(join(SBOMS, 'syft-cdx-1.4.json'), 'utf8')) as {
    serialNumber: string;
    version: number;
    components: Array<{ 'bom-ref'?: string; name: string }>;
  };
  const a = await vouch(['scan', join(SBOMS, 'syft-cdx-1.4.json'), '-o', 'cyclonedx-vex=vex.json']);
  assert.equal(a.code, 0, a.stderr);
  const vex = JSON.parse(await readFile(join(dir, 'vex.json'), 'utf8')) as {
    components: Array<{ 'bom-ref': string }>;
    vulnerabilities: Array<{ id: string; affects: Array<{ ref: string }> }>;
  };
  const inputRefs = new Set(sbom.components.map((c) => c['bom-ref']));
  const uuid = sbom.serialNumber.slice('urn:uuid:'.length);
  for (const v of vex.vulnerabilities) {
    for (const { ref } of v.affects) {
      const m = /^urn:cdx:([0-9a-f-]{36})\/(\d+)#(.+)$/.exec(ref);
      assert.ok(m, `${v.id}: ${ref} is a BOM-Link`);
      assert.equal(m[1], uuid);
      assert.equal(Number(m[2]), sbom.version);
      assert.ok(inputRefs.has(decodeURIComponent(m[3] ?? '')), `${ref} names a bom-ref of the SBOM`);
    }
  }
  for (const c of vex.components) assert.ok(inputRefs.has(c['bom-ref']), c['bom-ref']);
  // An SBOM without a serialNumber gets plain bom-refs (same document semantics).
  const { serialNumber: _drop, ...anonymous } = sbom;
  await writeFile(join(dir, 'anon.json'), JSON.stringify(anonymous));
  const b = await vouch(['scan', 'anon.json', '-o', 'cyclonedx-vex=anon-vex.json']);
  assert.equal(b.code, 0, b.stderr);
  const anonVex = JSON.parse(await readFile(join(dir, 'anon-vex.json'), 'utf8')) as typeof vex;
  for (const v of anonVex.vulnerabilities)
    for (const { ref } of v.affects) assert.ok(inputRefs.has(ref), ref);
});

test('scan --attest signs the vuln predicate and attaches it to the scanned image', async (t) => {
  const scope: Scope = { after: (fn) => t.after(async () => void (await fn())) };
  const { dir } = await scanEnv(t);
  const keys = await keyPair(scope);
  const layout = join(dir, 'layout');
  const w = await createOciLayoutWriter(layout);
  const img = await buildImage(w, {
    created: new Date('2026-01-01T00:00:00Z'),
    layers: [[{ path: 'app/package-lock.json', content: LOCK }]],
    tag: 'v1',
  });
  await w.commit();
  const env = { ...ENV, VOUCH_DB: join(dir, 'vuln.db'), SOURCE_DATE_EPOCH: EPOCH };
  const r = await runCli(['scan', '--attest', '--key', keys.key, `oci-dir:${layout}:v1`, '-o', 'json'], {
    env,
    cwd: dir,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`attested .*@${img.descriptor.digest}`));
  const v = await runCli(
    ['verify-attestation', '--type', 'vuln', '--key', keys.pub, `oci-dir:${layout}:v1`],
    { env: ENV, cwd: dir },
  );
  assert.equal(v.code, 0, v.stderr);
  const statement = statementOfLine(v.stdout.trim().split('\n')[0]) as {
    predicateType: string;
    predicate: { scanner: { result: { Summary: Record<string, number> } } };
  };
  assert.equal(statement.predicateType, 'https://cosign.sigstore.dev/attestation/vuln/v1');
  assert.equal(statement.predicate.scanner.result.Summary['High'], 1);
  assert.equal(statement.predicate.scanner.result.Summary['Critical'], 0);
});

test('scan --attest refuses an SBOM file (nothing to attach to) and --key without --attest', async (t) => {
  const { vouch } = await scanEnv(t);
  const a = await vouch(['scan', '--attest', '--key', 'k', join(SBOMS, 'syft-cdx-1.4.json')]);
  assert.equal(a.code, 2);
  const b = await vouch(['scan', '--key', 'k', join(SBOMS, 'syft-cdx-1.4.json')]);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /--key is only used with --attest/);
});

async function lodashImage(dir: string): Promise<string> {
  const layout = join(dir, 'layout');
  const w = await createOciLayoutWriter(layout);
  await buildImage(w, {
    created: new Date('2026-01-01T00:00:00Z'),
    layers: [[{ path: 'app/package-lock.json', content: LOCK }]],
    tag: 'v1',
  });
  await w.commit();
  return `oci-dir:${layout}:v1`;
}

test('--vex-from-image applies OpenVEX attestations that verify with --vex-key, and only those', async (t) => {
  const scope: Scope = { after: (fn) => t.after(async () => void (await fn())) };
  const { dir } = await scanEnv(t);
  const signer = await keyPair(scope);
  const stranger = await keyPair(scope);
  const image = await lodashImage(dir);
  const env = { ...ENV, VOUCH_DB: join(dir, 'vuln.db'), SOURCE_DATE_EPOCH: EPOCH };
  const made = await runCli(
    [
      'vex',
      'create',
      '--product',
      'pkg:npm/lodash',
      '--vuln',
      'CVE-2021-23337',
      '--status',
      'not_affected',
      '--justification',
      'vulnerable_code_not_in_execute_path',
      '--file',
      'v.json',
    ],
    { env, cwd: dir },
  );
  assert.equal(made.code, 0, made.stderr);
  const att = await runCli(
    ['attest', '--key', signer.key, '--type', 'openvex', '--predicate', 'v.json', image],
    { env, cwd: dir },
  );
  assert.equal(att.code, 0, att.stderr);
  const trusted = await runCli(['scan', '--vex-from-image', '--vex-key', signer.pub, image, '-o', 'json'], {
    env,
    cwd: dir,
  });
  assert.equal(trusted.code, 0, trusted.stderr);
  const a = JSON.parse(trusted.stdout) as {
    findings: unknown[];
    suppressed: Array<{ id: string; suppressedBy: string }>;
  };
  assert.deepEqual(
    a.suppressed.map((s) => [s.id, s.suppressedBy]),
    [['GHSA-35jh-r3h4-6jhm', 'vex']],
  );
  assert.equal(a.findings.length, 0);
  // Signed by someone else: not believed, the finding stays.
  const untrusted = await runCli(
    ['scan', '--vex-from-image', '--vex-key', stranger.pub, image, '-o', 'json'],
    { env, cwd: dir },
  );
  assert.equal(untrusted.code, 0, untrusted.stderr);
  const b = JSON.parse(untrusted.stdout) as { findings: Array<{ id: string }>; suppressed: unknown[] };
  assert.deepEqual(
    b.findings.map((f) => f.id),
    ['GHSA-35jh-r3h4-6jhm'],
  );
  assert.equal(b.suppressed.length, 0);
});

test('--vex-from-image without --vex-key is a usage error', async (t) => {
  const { vouch } = await scanEnv(t);
  const r = await vouch(['scan', '--vex-from-image', 'dir:.']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--vex-key/);
});
