// The chart renders with the real `helm template`, and what it renders runs: the Deployment's container
// args, with each volumeMount backed by what its volume would hold (the TLS Secret, the policies
// ConfigMap as rendered, empty dirs), are given unchanged to `vouch admission serve --check-config`, and
// to the real server, which starts with no policies and answers by the no-match policy.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  admissionReviewFor,
  httpsRequest,
  loadWorkload,
  postReview,
  testCertificate,
} from '../support/admission.js';
import { runCli, startCli } from '../support/cli.js';
import { type Doc, renderChart } from '../support/helm-chart.js';
import { runPeer } from '../support/peers.js';

const CHART = new URL('../../deploy/charts/vouch', import.meta.url).pathname;
const NS = 'vouch-system';

type Container = {
  args: string[];
  volumeMounts: Array<{ name: string; mountPath: string }>;
  readinessProbe: { httpGet: { path: string } };
  livenessProbe: { httpGet: { path: string } };
};
type Volume = {
  name: string;
  secret?: { secretName: string };
  configMap?: { name: string };
  emptyDir?: object;
};

/** `helm template <release> <chart> -n vouch-system --set k=v…` with the real helm. */
async function helmTemplate(release: string, set: string[] = []): Promise<Doc[]> {
  const r = await runPeer('helm', [
    'template',
    release,
    CHART,
    '-n',
    NS,
    '--kube-version',
    '1.32.0',
    ...set.flatMap((s) => ['--set', s]),
  ]);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);
}

function deployment(docs: Doc[]): { container: Container; volumes: Volume[] } {
  const dep = docs.find((d) => d.kind === 'Deployment');
  assert.ok(dep, 'a Deployment');
  const spec = (dep.spec as { template: { spec: { containers: Container[]; volumes: Volume[] } } }).template
    .spec;
  const container = spec.containers[0];
  assert.ok(container);
  return { container, volumes: spec.volumes };
}

const work = mkdtempSync(join(tmpdir(), 'vouch-chart-run-'));
after(() => rmSync(work, { recursive: true, force: true }));

/**
 * Backs every volumeMount with a directory holding what its volume would: the TLS Secret (a test
 * certificate), the rendered policies ConfigMap's files, or nothing; then rewrites each mountPath in the
 * args to that directory. Nothing else of the args changes.
 */
async function mounted(docs: Doc[], label: string): Promise<string[]> {
  const { container, volumes } = deployment(docs);
  const root = join(work, label);
  const dirs = new Map<string, string>();
  const pair = await testCertificate();
  for (const m of container.volumeMounts) {
    const dir = join(root, m.name);
    mkdirSync(dir, { recursive: true });
    const v = volumes.find((x) => x.name === m.name);
    assert.ok(v, `volume ${m.name}`);
    if (v.secret) {
      writeFileSync(join(dir, 'tls.crt'), pair.certPem);
      writeFileSync(join(dir, 'tls.key'), pair.keyPem);
      writeFileSync(join(dir, 'ca.crt'), pair.certPem);
    } else if (v.configMap) {
      const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === v.configMap?.name);
      assert.ok(cm, `ConfigMap ${v.configMap.name} is rendered by the chart`);
      for (const [file, text] of Object.entries((cm.data ?? {}) as Record<string, string>))
        writeFileSync(join(dir, file), text);
    }
    dirs.set(m.mountPath, dir);
  }
  // Each `--flag=<path>` whose path lies under a mount is re-rooted there, once (longest mount wins).
  return container.args.map((a) => {
    const eq = a.indexOf('=');
    if (eq < 0) return a;
    const value = a.slice(eq + 1);
    const mount = [...dirs.keys()]
      .filter((mp) => value === mp || value.startsWith(`${mp}/`))
      .sort((x, y) => y.length - x.length)[0];
    return mount === undefined ? a : `${a.slice(0, eq + 1)}${dirs.get(mount)}${value.slice(mount.length)}`;
  });
}

const IN_CLUSTER_ENV = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

test('helm template with default values: the rendered args and mounts pass admission serve --check-config', async () => {
  const docs = await helmTemplate('vouch');
  const { container } = deployment(docs);
  assert.deepEqual(container.args.slice(0, 2), ['admission', 'serve']);
  assert.ok(container.args.includes('--in-cluster'), 'the webhook reads namespace labels from the cluster');
  assert.ok(container.args.includes('--policies=/etc/vouch/policies'));
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  const args = await mounted(docs, 'defaults');
  const r = await runCli([...args, '--check-config'], { env: IN_CLUSTER_ENV, cwd: work });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /cache 300 s pass \/ 30 s fail/);
  // No cert-manager by default: vouch keeps its own CA and certificate and sets both caBundles.
  assert.match(
    r.stdout,
    /tls: CA and serving certificate kept in Secret vouch-system\/vouch-tls for vouch\.vouch-system\.svc .*validating\/vouch-validate, mutating\/vouch-mutate/,
  );
  assert.match(r.stdout, /policies: none in .*; every image gets the no-match policy/);
  assert.match(r.stdout, /config ok$/m);
});

test('the go-template subset the other chart tests use renders the same Deployment args as helm', async () => {
  for (const set of [[], ['noMatchPolicy=deny', 'kubernetes.inCluster=false']]) {
    const real = deployment(await helmTemplate('vouch', set)).container.args;
    const values: Record<string, unknown> = {};
    for (const s of set) {
      const [k, v] = s.split('=');
      const [a, b] = (k ?? '').split('.');
      if (b === undefined) values[a ?? ''] = v;
      else values[a ?? ''] = { [b]: v === 'false' ? false : v };
    }
    const subset = deployment(renderChart(CHART, { release: 'vouch', namespace: NS, values }).docs).container
      .args;
    assert.deepEqual(subset, real);
  }
});

test('the rendered args start the real server with no policies: it is ready and admits, or denies with noMatchPolicy=deny', async () => {
  for (const [noMatch, allowed] of [
    ['', true],
    ['deny', false],
  ] as const) {
    // Out of a cluster the service-account token is absent, so --in-cluster is rendered off here; the
    // port is the one flag replaced (tests bind ports they pick, on loopback).
    // cert-manager's path: the serving pair comes from the Secret volume (vouch's own certificate path
    // needs the API server, see webhook-certs.test.ts).
    const docs = await helmTemplate('vouch', [
      `noMatchPolicy=${noMatch}`,
      'kubernetes.inCluster=false',
      'certManager.enabled=true',
    ]);
    const args = (await mounted(docs, `serve-${noMatch || 'default'}`)).map((a) =>
      a === '--port=8443' ? '--port=0' : a,
    );
    const cli = startCli([...args, '--host=127.0.0.1'], { cwd: work });
    try {
      const m = await cli.waitFor(/"listening":"(https:\/\/[^"]+)"/);
      const url = m[1] ?? '';
      const ca = (await testCertificate()).certPem;
      assert.equal((await httpsRequest(url, ca, { path: '/readyz' })).status, 200);
      const r = await postReview(url, ca, '/validate', admissionReviewFor(loadWorkload('pod.json')));
      const response = r.json.response as { allowed: boolean; status?: { message: string } };
      assert.equal(response.allowed, allowed, JSON.stringify(response));
      if (!allowed) assert.match(response.status?.message ?? '', /no-match policy: deny/);
    } finally {
      assert.equal(await cli.stop(), 0, cli.stderr.text());
    }
  }
});

test('check-config refuses what the server would refuse, with exit 2 and the flag named', async () => {
  const docs = await helmTemplate('vouch');
  const args = await mounted(docs, 'bad');
  const badTtl = await runCli(
    [...args.filter((a) => !a.startsWith('--cache-success-ttl')), '--cache-success-ttl=5x', '--check-config'],
    { env: IN_CLUSTER_ENV, cwd: work },
  );
  assert.equal(badTtl.code, 2, badTtl.stderr);
  assert.match(badTtl.stderr, /CONFIG_INVALID|--cache-success-ttl needs a duration, got "5x"/);
  const noCluster = await runCli([...args, '--check-config'], { cwd: work });
  assert.equal(noCluster.code, 2);
  assert.match(noCluster.stderr, /--in-cluster: KUBERNETES_SERVICE_HOST/);
  const badPolicy = join(work, 'bad-policy');
  mkdirSync(badPolicy, { recursive: true });
  writeFileSync(
    join(badPolicy, 'p.yaml'),
    'apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata: { name: x }\nspec: { images: [] }\n',
  );
  const withBad = await runCli(
    [...args.map((a) => (a.startsWith('--policies=') ? `--policies=${badPolicy}` : a)), '--check-config'],
    { env: IN_CLUSTER_ENV, cwd: work },
  );
  assert.equal(withBad.code, 2, withBad.stdout + withBad.stderr);
  assert.match(withBad.stderr, /policies: /);
});

test('values.schema.json: helm refuses a duration, mode or replica count the webhook cannot use', async () => {
  for (const bad of ['cache.successTtl=5x', 'mode=strict', 'replicaCount=0', 'noMatchPolicy=maybe']) {
    const r = await runPeer('helm', ['template', 'vouch', CHART, '--kube-version', '1.32.0', '--set', bad]);
    assert.notEqual(r.code, 0, bad);
    assert.match(r.stderr, /values don't meet the specifications of the schema/, bad);
  }
  for (const ok of ['cache.successTtl=300', 'cache.successTtl=1h30m', 'cache.failureTtl=45s']) {
    const r = await runPeer('helm', ['template', 'vouch', CHART, '--kube-version', '1.32.0', '--set', ok]);
    assert.equal(r.code, 0, `${ok}: ${r.stderr}`);
  }
});

test('object names come from the release: two releases in one cluster share no name', async () => {
  const names = async (release: string) =>
    new Set((await helmTemplate(release)).map((d) => `${d.kind}/${d.metadata.name}`));
  const a = await names('team-a');
  const b = await names('team-b');
  assert.ok(a.has('Deployment/team-a-vouch'), [...a].join(', '));
  assert.ok(a.has('ValidatingWebhookConfiguration/team-a-vouch-validate'));
  assert.deepEqual(
    [...a].filter((n) => b.has(n)),
    [],
  );
});

test('helm lint passes, NOTES.txt included', async () => {
  const r = await runPeer('helm', ['lint', CHART, '--kube-version', '1.32.0']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});
