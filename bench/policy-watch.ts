// Policies from the cluster: how long a ClusterImagePolicy change takes from the watch event to the
// webhook's verdict, and how long 1,000 ClusterImagePolicies take to load. Against the loopback API
// server (test/support/kube-api-server.ts) and the real controller over HTTPS; numbers, never assertions.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ClusterPolicies } from '../src/admission/cluster-policies.js';
import { startController } from '../src/admission/controller.js';
import { generateSelfSignedCertificate } from '../src/admission/index.js';
import { namespaceLabelsFromMap } from '../src/admission/namespace-labels.js';
import { VouchError } from '../src/errors.js';
import { cueSubset } from '../src/policy/index.js';
import { admissionReviewFor } from '../test/support/admission.js';
import { startKubeApiServer } from '../test/support/kube-api-server.js';
import type { BenchFigure, BenchScope } from './figure.js';

const IMAGE = `registry.example/app@sha256:${'ab'.repeat(32)}`;

const cip = (name: string, action: 'pass' | 'fail') => ({
  apiVersion: 'policy.sigstore.dev/v1beta1',
  kind: 'ClusterImagePolicy',
  metadata: { name },
  spec: { images: [{ glob: 'registry.example/**' }], authorities: [{ static: { action } }] },
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export async function benchPolicyWatch(
  scope: BenchScope,
  opts: { changes?: number; objects?: number } = {},
): Promise<BenchFigure[]> {
  const changes = opts.changes ?? 100;
  const objects = opts.objects ?? 1000;
  const figures: BenchFigure[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'vouch-bench-watch-'));
  scope.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'file.yaml'),
    'apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata: { name: from-file }\nspec:\n  images: [{ glob: "other.example/**" }]\n  authorities: [{ static: { action: pass } }]\n',
  );

  // --- change → verdict ---
  const api = await startKubeApiServer();
  scope.after(() => api.close());
  const pair = await generateSelfSignedCertificate(['localhost', '127.0.0.1']);
  const controller = await startController({
    policyPaths: [join(dir, 'file.yaml')],
    openRepository: () => {
      throw new VouchError('INTERNAL', 'the benchmark decides digest-pinned static policies: no registry');
    },
    tls: { kind: 'pem', certPem: pair.certPem, keyPem: pair.keyPem },
    mode: 'enforce',
    noMatchPolicy: 'allow',
    namespaceLabels: namespaceLabelsFromMap(new Map([['shop', { 'policy.sigstore.dev/include': 'true' }]])),
    clusterPolicies: {
      connection: { server: api.url, insecureSkipTlsVerify: true },
      kinds: ['ClusterImagePolicy', 'TrustRoot', 'ClusterPolicy', 'Policy', 'ConfigMap'],
    },
    cue: 'builtin',
    now: () => new Date(),
    log: () => undefined,
  });
  scope.after(() => controller.close());
  const agent = new Agent({ keepAlive: true, maxSockets: 4, ca: pair.certPem });
  const body = JSON.stringify(
    admissionReviewFor(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web' },
        spec: { containers: [{ name: 'web', image: IMAGE }] },
      },
      { namespace: 'shop' },
    ),
  );
  const allowed = (): Promise<boolean> =>
    new Promise((resolve, reject) => {
      const req = request(
        new URL('/validate', controller.server.url),
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const r = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              response?: { allowed?: boolean };
            };
            resolve(r.response?.allowed === true);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const cluster = controller.cluster;
  if (!cluster) throw new Error('the controller watches no cluster policies');
  const toVerdict: number[] = [];
  const toSwap: number[] = [];
  for (let i = 0; i < changes; i++) {
    const action = i % 2 === 0 ? 'fail' : 'pass';
    const want = action === 'pass';
    const generation = cluster.generation;
    const t0 = performance.now();
    // put() writes the watch event to the open stream before it returns: t0 is the event.
    api.put('clusterimagepolicies', cip('toggled', action));
    while (cluster.generation === generation) await new Promise((r) => setImmediate(r));
    toSwap.push(performance.now() - t0);
    while ((await allowed()) !== want);
    toVerdict.push(performance.now() - t0);
    await cluster.reported();
  }
  toVerdict.sort((a, b) => a - b);
  toSwap.sort((a, b) => a - b);
  figures.push(
    {
      name: `policy-watch: change → verdict p50 (${changes} changes)`,
      value: percentile(toVerdict, 50),
      unit: 'ms',
    },
    {
      name: `policy-watch: change → verdict p99 (${changes} changes)`,
      value: percentile(toVerdict, 99),
      unit: 'ms',
    },
    { name: 'policy-watch: change → set swapped p99', value: percentile(toSwap, 99), unit: 'ms' },
  );
  agent.destroy();

  // --- 1,000 CRs load ---
  const big = await startKubeApiServer();
  scope.after(() => big.close());
  for (let i = 0; i < objects; i++) big.put('clusterimagepolicies', cip(`p${i}`, 'pass'));
  const loader = new ClusterPolicies(
    { server: big.url, insecureSkipTlsVerify: true },
    {
      kinds: ['ClusterImagePolicy'],
      cue: { engine: cueSubset },
      log: () => undefined,
      now: () => new Date(),
      instance: 'vouch-bench',
    },
  );
  scope.after(() => loader.stop());
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  loader.start();
  while (loader.current().cips.length < objects) await new Promise((r) => setImmediate(r));
  const loaded = performance.now() - t0;
  const loadedCpu = process.cpuUsage(cpu0);
  await loader.reported();
  const reported = performance.now() - t0;
  const reportedCpu = process.cpuUsage(cpu0);
  // CPU time is this process's (the loopback API server runs in it too): on a shared machine wall time
  // mostly measures waiting for a core.
  const ms = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  figures.push(
    {
      name: `policy-watch: ${objects} ClusterImagePolicies listed, linted, active`,
      value: loaded,
      unit: 'ms',
    },
    { name: `policy-watch: ${objects} ClusterImagePolicies active, CPU`, value: ms(loadedCpu), unit: 'ms' },
    { name: `policy-watch: ${objects} accepted conditions written`, value: reported, unit: 'ms' },
    { name: `policy-watch: ${objects} accepted conditions written, CPU`, value: ms(reportedCpu), unit: 'ms' },
  );
  return figures;
}
