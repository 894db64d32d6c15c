// `vouch admission serve --kubeconfig`: policies applied with the real kubectl to a loopback API
// server change the webhook's verdicts while it runs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { promisify } from 'node:util';
import {
  admissionReviewFor,
  httpsRequest,
  type Json,
  postReview,
  testCertificate,
} from '../support/admission.js';
import { startCli } from '../support/cli.js';
import { startKubeApiServer } from '../support/kube-api-server.js';

const run = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';
const IMAGE = `registry.example/app@sha256:${'ab'.repeat(32)}`;

async function setup(t: TestContext, opts: { apiDown?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-cluster-policies-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const api = await startKubeApiServer();
  t.after(() => api.close());
  // policy-controller's opt-in: ClusterImagePolicies apply in namespaces labelled include=true.
  api.put('namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'shop', labels: { 'policy.sigstore.dev/include': 'true' } },
  });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
  - name: loopback
    cluster: { server: "${api.url}", insecure-skip-tls-verify: true }
users:
  - name: admin
    user: { token: loopback-token }
contexts:
  - name: loopback
    context: { cluster: loopback, user: admin }
current-context: loopback
`,
  );
  const policies = join(dir, 'policies');
  mkdirSync(policies);
  writeFileSync(
    join(policies, 'other.yaml'),
    `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: other-registry }
spec:
  images: [{ glob: "other.example/**" }]
  authorities: [{ static: { action: pass } }]
`,
  );
  writeFileSync(
    join(policies, 'blocked.yaml'),
    `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: blocked-from-file }
spec:
  images: [{ glob: "blocked.example/**" }]
  authorities: [{ static: { action: fail } }]
`,
  );
  // Labels from a file, so an API server that is down does not decide the namespace scope.
  writeFileSync(join(dir, 'namespaces.yaml'), 'shop: { policy.sigstore.dev/include: "true" }\n');
  if (opts.apiDown) await api.down();
  const tls = await testCertificate();
  writeFileSync(join(dir, 'tls.crt'), tls.certPem);
  writeFileSync(join(dir, 'tls.key'), tls.keyPem);
  const kubectl = async (...args: string[]) =>
    run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'kube-cache'), ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin', HOME: dir },
    });
  const cli = startCli([
    'admission',
    'serve',
    '--policies',
    policies,
    '--kubeconfig',
    kubeconfig,
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--tls-cert',
    join(dir, 'tls.crt'),
    '--tls-key',
    join(dir, 'tls.key'),
    '--no-match-policy',
    'allow',
    '--namespaces',
    join(dir, 'namespaces.yaml'),
  ]);
  t.after(() => cli.stop());
  const url = (await cli.waitFor(/"listening":"(https:\/\/127\.0\.0\.1:\d+)"/))[1] as string;
  const verdict = async (image = IMAGE): Promise<Json> => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'web', image }] },
    };
    const r = await postReview(url, tls.certPem, '/validate', admissionReviewFor(pod, { namespace: 'shop' }));
    return r.json['response'] as Json;
  };
  /** Polls the webhook until `want` holds (a bounded wait, not a timing assertion). */
  const until = async (want: (r: Json) => boolean, what: string): Promise<Json> => {
    const end = Date.now() + 60_000;
    for (;;) {
      const r = await verdict();
      if (want(r)) return r;
      if (Date.now() > end)
        throw new Error(`${what}: last verdict ${JSON.stringify(r)}\n${cli.stderr.text()}`);
      await new Promise((res) => setTimeout(res, 25));
    }
  };
  return { dir, api, kubectl, cli, url, caPem: tls.certPem, verdict, until };
}

test('kubectl apply of a ClusterImagePolicy changes the running webhook verdict, kubectl delete undoes it', async (t) => {
  const s = await setup(t);
  const before = await s.verdict();
  assert.equal(before['allowed'], true, JSON.stringify(before));
  writeFileSync(
    join(s.dir, 'deny.yaml'),
    `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: block-registry-example }
spec:
  images: [{ glob: "registry.example/**" }]
  authorities: [{ static: { action: fail } }]
`,
  );
  const applied = await s.kubectl('apply', '--validate=false', '-f', join(s.dir, 'deny.yaml'));
  assert.match(applied.stdout, /clusterimagepolicy.policy.sigstore.dev\/block-registry-example created/);
  const denied = await s.until((r) => r['allowed'] === false, 'the applied policy never took effect');
  assert.match(JSON.stringify(denied['status']), /block-registry-example/);
  // kubectl patch with a JSON patch and a merge patch: each edit takes effect.
  await s.kubectl(
    'patch',
    'clusterimagepolicy',
    'block-registry-example',
    '--type=json',
    '-p',
    '[{"op":"replace","path":"/spec/authorities/0/static/action","value":"pass"}]',
  );
  await s.until((r) => r['allowed'] === true, 'the JSON patch never took effect');
  await s.kubectl(
    'patch',
    'clusterimagepolicy',
    'block-registry-example',
    '--type=merge',
    '-p',
    '{"spec":{"authorities":[{"static":{"action":"fail"}}]}}',
  );
  await s.until((r) => r['allowed'] === false, 'the merge patch never took effect');
  const status = JSON.parse(
    (await s.kubectl('get', 'clusterimagepolicy', 'block-registry-example', '-o', 'json')).stdout,
  ) as Json;
  const conditions = ((status['status'] as Json | undefined)?.['conditions'] ?? []) as Json[];
  assert.equal(conditions.find((c) => c['type'] === 'VouchAccepted')?.['status'], 'True');
  await s.kubectl('delete', 'clusterimagepolicy', 'block-registry-example', '--wait=false');
  await s.until((r) => r['allowed'] === true, 'the deleted policy still denies');
});

test('an API server that is down at start: the webhook serves its file policies and /readyz says what is missing', async (t) => {
  const s = await setup(t, { apiDown: true });
  const blocked = await s.verdict(`blocked.example/app@sha256:${'cd'.repeat(32)}`);
  assert.equal(blocked['allowed'], false, 'the file policy decides');
  assert.match(JSON.stringify(blocked['status']), /blocked-from-file/);
  const ready = await httpsRequest(s.url, s.caPem, { path: '/readyz' });
  assert.equal(ready.status, 503);
  assert.match(ready.body, /ClusterImagePolicy not yet listed from the API server: .*(ECONNREFUSED|connect)/);
  await s.api.up();
  const end = Date.now() + 60_000;
  for (;;) {
    const r = await httpsRequest(s.url, s.caPem, { path: '/readyz' });
    if (r.status === 200) break;
    if (Date.now() > end) throw new Error(`never ready: ${r.body}`);
    await new Promise((res) => setTimeout(res, 50));
  }
});

test('a YAML bomb never reaches the API server: kubectl refuses it, and the webhook keeps its set', async (t) => {
  const s = await setup(t);
  const levels = ['  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 6; i++)
    levels.push(
      `  a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(',')}]`,
    );
  writeFileSync(
    join(s.dir, 'bomb.yaml'),
    `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: bomb }
spec:
${levels.join('\n')}
  images: [{ glob: "registry.example/**" }]
  authorities: [{ static: { action: fail } }]
`,
  );
  const writesBefore = s.api.requests.filter((q) => q.method !== 'GET').length;
  await assert.rejects(s.kubectl('apply', '--validate=false', '-f', join(s.dir, 'bomb.yaml')), (e: unknown) =>
    /excessive aliasing/.test(String((e as { stderr?: string }).stderr)),
  );
  assert.equal(
    s.api.requests.filter((q) => q.method !== 'GET').length,
    writesBefore,
    'nothing was written to the API server',
  );
  assert.equal((await s.verdict())['allowed'], true);
});
