import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { admissionReviewFor, httpsRequest, postReview, testCertificate } from '../support/admission.js';
import { runCli, startCli } from '../support/cli.js';
import { startRegistry } from '../support/registry.js';
import { scanEnv } from './scan-setup.js';
import { ENV, keyPair, type Scope, tempDir } from './sign-setup.js';
import { buildImage } from '../../src/oci/image-builder.js';
import { createOciLayoutWriter } from '../../src/oci/layout-dir.js';

// Seed 002's "no critical CVEs, scanned < 24 h ago" ClusterImagePolicy from the pack, with the keyless
// GitHub authority swapped for the test's key (same attestation policy, same CUE).
function vulnPolicy(pubPem: string, registry: string): string {
  const pack = readFileSync(
    new URL('../../deploy/policies/cip/require-vuln-attestation.yaml', import.meta.url),
    'utf8',
  );
  const key = pubPem
    .trim()
    .split('\n')
    .map((l) => `          ${l}`)
    .join('\n');
  return pack
    .replace('registry.example.com/**', `${registry}/**`)
    .replace(
      / {2}- keyless:\n(?: {6}.*\n)+?(?= {4}attestations:)/,
      `  - key:\n        data: |\n${key}\n    ctlog: {}\n`,
    );
}

async function pushImage(
  scope: Scope,
  registry: string,
  tag: string,
  files: Array<{ path: string; content: string }>,
) {
  const layout = join(tempDir(scope, 'vuln-img'), 'layout');
  const w = await createOciLayoutWriter(layout);
  await buildImage(w, { created: new Date('2026-01-01T00:00:00Z'), layers: [files], tag });
  await w.commit();
  const ref = `${registry}/shop/api:${tag}`;
  const r = await runCli(['copy', '--insecure-registry', `oci-dir:${layout}:${tag}`, ref]);
  assert.equal(r.code, 0, r.stderr);
  return ref;
}

interface Prepared {
  dir: string;
  env: Record<string, string>;
  registry: string;
  pubPem: string;
  clean: string;
  log4shell: string;
  scans: string[];
}

/** Two images in a real registry, each scanned and attested (vuln) with the real CLI. */
async function prepare(t: TestContext): Promise<Prepared> {
  const scope: Scope = { after: (fn) => t.after(async () => void (await fn())) };
  const { dir, db } = await scanEnv(t);
  const keys = await keyPair(scope);
  const reg = await startRegistry(t);
  const clean = await pushImage(scope, reg.host, 'clean', [
    { path: 'app/hello.txt', content: 'no dependencies here\n' },
  ]);
  const log4shell = await pushImage(scope, reg.host, 'log4shell', [
    {
      path: 'app/gradle.lockfile',
      content: 'org.apache.logging.log4j:log4j-core:2.14.1=runtimeClasspath\nempty=\n',
    },
  ]);
  // The scan is stamped with the real clock: the policy wants it younger than 24 h at admission.
  const env = { ...ENV, VOUCH_DB: db, HOME: dir };
  const scans: string[] = [];
  for (const ref of [clean, log4shell]) {
    const s = await runCli(
      ['scan', '--attest', '--key', keys.key, '--insecure-registry', '-o', 'json', ref],
      {
        env,
        cwd: dir,
      },
    );
    assert.equal(s.code, 0, s.stderr);
    scans.push(s.stdout);
  }
  return { dir, env, registry: reg.host, pubPem: readFileSync(keys.pub, 'utf8'), clean, log4shell, scans };
}

test('a fresh vuln attestation with no critical finding passes seed 002 vuln policy, a Log4Shell image is denied', async (t) => {
  const p = await prepare(t);
  assert.doesNotMatch(p.scans[0] ?? '', /CVE-2021-44228/);
  assert.match(p.scans[1] ?? '', /CVE-2021-44228/);
  const policy = join(p.dir, 'require-vuln-attestation.yaml');
  writeFileSync(policy, vulnPolicy(p.pubPem, p.registry));
  const pass = await runCli(['policy', 'test', '-f', policy, '--insecure-registry', p.clean], {
    env: p.env,
    cwd: p.dir,
  });
  assert.equal(pass.code, 0, pass.stdout + pass.stderr);
  const deny = await runCli(['policy', 'test', '-f', policy, '--insecure-registry', p.log4shell], {
    env: p.env,
    cwd: p.dir,
  });
  assert.equal(deny.code, 1, deny.stdout + deny.stderr);
  assert.match(deny.stdout, /no-critical-cves/);
  // Denied by the CUE bound on the Critical count, not for a missing attestation.
  assert.match(deny.stdout, /Critical/);
});

test('the webhook exports the verified vuln findings of admitted images as trivy_vulnerability_id', async (t) => {
  const p = await prepare(t);
  const policies = join(p.dir, 'policies');
  mkdirSync(policies);
  // warn mode: both images are admitted, so both feed the gauge.
  writeFileSync(
    join(policies, 'vuln.yaml'),
    vulnPolicy(p.pubPem, p.registry).replace('spec:\n', 'spec:\n  mode: warn\n'),
  );
  const pair = await testCertificate();
  const tls = { cert: join(p.dir, 'tls.crt'), key: join(p.dir, 'tls.key') };
  writeFileSync(tls.cert, pair.certPem);
  writeFileSync(tls.key, pair.keyPem);
  // policy-controller only acts in namespaces that opt in.
  writeFileSync(join(p.dir, 'namespaces.yaml'), 'shop:\n  policy.sigstore.dev/include: "true"\n');
  const serve = startCli(
    [
      'admission',
      'serve',
      '--policies',
      policies,
      '--tls-cert',
      tls.cert,
      '--tls-key',
      tls.key,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--insecure-registry',
      p.registry,
      '--namespaces',
      join(p.dir, 'namespaces.yaml'),
    ],
    { env: p.env, cwd: p.dir },
  );
  t.after(() => serve.stop());
  const url = (await serve.waitFor(/"listening":"(https:\/\/127\.0\.0\.1:\d+)"/))[1] as string;
  for (const image of [p.clean, p.log4shell]) {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'api' },
      spec: { containers: [{ name: 'api', image }] },
    };
    const r = await postReview(
      url,
      pair.certPem,
      '/validate',
      admissionReviewFor(pod, { namespace: 'shop' }),
    );
    assert.match(JSON.stringify(r.json), /"allowed":true/);
  }
  const metrics = (await httpsRequest(url, pair.certPem, { path: '/metrics' })).body;
  assert.match(
    metrics,
    /^trivy_vulnerability_id\{[^}]*image_repository="[^"]*\/shop\/api"[^}]*vuln_id="GHSA-jfh8-c2jp-5v3q"[^}]*severity="CRITICAL"[^}]*\} 1$/m,
  );
  assert.doesNotMatch(metrics, /trivy_vulnerability_id\{[^}]*resource="lodash"/);
});
