import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { sarifValidator } from '../support/sarif.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'k8s-audit', 'manifests');
const f = (name: string) => join(DIR, name);

interface JsonFinding {
  rule: string;
  severity: string;
  file: string;
  line: number;
  column: number;
  message: string;
  object?: { kind: string; namespace?: string; name: string };
  properties?: Record<string, unknown>;
}
interface JsonReport {
  findings: JsonFinding[];
  problems: { file: string; line: number; code: string; message: string }[];
  skipped: Record<string, number>;
  serviceAccounts: {
    serviceAccount: string;
    clusterWide: { resource: string; verbs: string[]; nonResourceURL?: string }[];
    namespaces: Record<string, { resource: string; verbs: string[] }[]>;
    unresolvedRoles: string[];
  }[];
  summary: { inputs: number; findings: number; notAudited: number };
}

async function audit(args: string[], stdin?: string) {
  const r = await runCli(['audit', 'k8s', ...args, '-o', 'json'], stdin === undefined ? {} : { stdin });
  return { ...r, report: JSON.parse(r.stdout) as JsonReport };
}

test('an operator manifest: findings carry file, line and column of the field and the object', async () => {
  const { code, report } = await audit([f('operator.yaml')]);
  assert.equal(code, 1);
  const privileged = report.findings.find((x) => x.rule === 'privileged');
  assert.ok(privileged);
  assert.equal(privileged.line, 52);
  assert.equal(privileged.column, 23);
  assert.deepEqual(privileged.object, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'op-system',
    name: 'operator',
  });
  assert.equal(
    privileged.properties?.forbiddenDetail,
    'container "manager" must not set securityContext.privileged=true',
  );
  const rules = new Set(report.findings.map((x) => x.rule));
  for (const r of [
    'cluster-admin-role-binding',
    'access-to-secrets',
    'hostNamespaces',
    'hostPathVolumes',
    'runtime-socket-mount',
    'latest-tag',
    'no-default-deny-network-policy',
  ])
    assert.ok(rules.has(r), r);
});

test('kinds no rule reads are skipped and counted, on stderr and in JSON', async () => {
  const { report, stderr } = await audit([f('operator.yaml')]);
  assert.deepEqual(report.skipped, { ConfigMap: 1 });
  assert.match(stderr, /skipped 1 objects of kinds no rule reads: ConfigMap \(1\)/);
});

test("a service account's effective permissions are listed as kubectl auth can-i --list would", async () => {
  const { report } = await audit([f('operator.yaml')]);
  const sa = report.serviceAccounts.find((s) => s.serviceAccount === 'op-system/operator');
  assert.ok(sa);
  assert.deepEqual(
    sa.clusterWide.map((r) => [r.resource, r.nonResourceURL ?? '', r.verbs.join(',')]),
    [
      ['', '*', '*'],
      ['*.*', '', '*'],
      ['secrets', '', 'get,list,watch'],
    ],
  );
});

test('--only pss keeps exactly the Pod Security Standards findings', async () => {
  const { report } = await audit([f('operator.yaml'), '--only', 'pss']);
  assert.deepEqual([...new Set(report.findings.map((x) => x.rule))].sort(), [
    'hostNamespaces',
    'hostPathVolumes',
    'privileged',
  ]);
});

test('--pss-level restricted at an old version runs only the checks of that version', async () => {
  const latest = await audit([f('kubectl-get.yaml'), '--only', 'pss', '--pss-level', 'restricted']);
  const v17 = await audit([
    f('kubectl-get.yaml'),
    '--only',
    'pss',
    '--pss-level',
    'restricted',
    '--pss-version',
    'v1.7',
  ]);
  const ids = (r: JsonReport) => r.findings.map((x) => x.rule).sort();
  assert.deepEqual(ids(latest.report), [
    'allowPrivilegeEscalation',
    'capabilities_restricted',
    'hostPorts',
    'runAsNonRoot',
    'seccompProfile_restricted',
  ]);
  assert.deepEqual(ids(v17.report), ['hostPorts', 'runAsNonRoot']);
});

test('kubectl get -o yaml output (kind: List) is audited item by item', async () => {
  const { report } = await audit([f('kubectl-get.yaml'), '--only', 'pss']);
  const hostPort = report.findings.find((x) => x.rule === 'hostPorts');
  assert.ok(hostPort);
  assert.deepEqual(hostPort.object, { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'web-7d4b9c' });
  assert.equal(hostPort.line, 20);
  assert.equal(hostPort.message.startsWith('hostPort (container "nginx" uses hostPort 8080)'), true);
  assert.deepEqual(report.skipped, { Service: 1 });
});

test('helm template output on stdin: sub-chart findings name the template they were rendered from', async () => {
  const text = await readFile(f('helm-template.yaml'), 'utf8');
  const { code, report } = await audit(['-', '--pss-level', 'restricted'], text);
  assert.equal(code, 1);
  assert.deepEqual(
    report.findings.map((x) => [x.rule, x.file, x.line, x.properties?.renderedFrom ?? '']),
    [['wildcard-in-rules', '<stdin>', 14, 'mychart/charts/sub/templates/clusterrole.yaml']],
  );
  const wildcard = report.findings[0];
  assert.match(
    wildcard?.message ?? '',
    /ClusterRole release-sub grants \* apiGroups and resources and verbs/,
  );
});

test('webhooks on */* failing closed, side effects, long timeouts, conversion webhooks and open egress', async () => {
  const { report } = await audit([f('webhooks.yaml')]);
  assert.deepEqual(
    report.findings.map((x) => `${x.rule}@${x.line}`),
    [
      'webhook-fail-closed-kube-system@6',
      'webhook-all-resources@13',
      'webhook-long-timeout@14',
      'webhook-side-effects@15',
      'crd-conversion-webhook@43',
      'egress-to-any@61',
    ],
  );
});

test('an object whose pod cannot be read is "not evaluated" (exit 2), never a pass', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-k8s-'));
  const file = join(dir, 'bad.yaml');
  await writeFile(
    file,
    'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: "yes"\n  containers: [{name: a, image: "reg.example/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}]\n',
  );
  const { code, report, stderr } = await audit([file, '--only', 'pss']);
  assert.equal(code, 2);
  assert.equal(report.findings.length, 0);
  assert.equal(report.problems.length, 1);
  assert.equal(report.problems[0]?.line, 5);
  assert.match(
    report.problems[0]?.message ?? '',
    /not evaluated: spec.hostNetwork: expected true or false, found a string/,
  );
  assert.match(stderr, /not audited/);
});

test('a document without kind is reported, the rest of the file still audited', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-k8s-'));
  const file = join(dir, 'mixed.yaml');
  await writeFile(
    file,
    'foo: bar\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  containers: [{name: a}]\n',
  );
  const { code, report } = await audit([file, '--only', 'hostNamespaces']);
  assert.equal(code, 2);
  assert.equal(report.findings.length, 1);
  assert.match(report.problems[0]?.message ?? '', /has no kind/);
});

test('SARIF output validates against the SARIF 2.1.0 schema', async () => {
  const validate = await sarifValidator();
  const r = await runCli(['audit', 'k8s', f('operator.yaml'), '-o', 'sarif']);
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout) as { runs: { results: unknown[] }[] };
  validate(doc);
  assert.ok((doc.runs[0]?.results.length ?? 0) > 5);
});

test('--list-rules names every Pod Security Standards check id', async () => {
  const r = await runCli(['audit', 'k8s', '--list-rules']);
  assert.equal(r.code, 0);
  for (const id of [
    'privileged',
    'hostNamespaces',
    'hostPorts',
    'hostPathVolumes',
    'appArmorProfile',
    'capabilities_baseline',
    'seLinuxOptions',
    'procMount',
    'seccompProfile_baseline',
    'sysctls',
    'windowsHostProcess',
    'allowPrivilegeEscalation',
    'capabilities_restricted',
    'runAsNonRoot',
    'runAsUser',
    'seccompProfile_restricted',
    'restrictedVolumes',
  ])
    assert.match(r.stdout, new RegExp(`^${id} `, 'm'), id);
});

test('bad usage and empty input exit 2 with a message', async () => {
  const version = await runCli(['audit', 'k8s', f('operator.yaml'), '--pss-version', '1.29']);
  assert.equal(version.code, 2);
  assert.match(version.stderr, /must be "latest" or "v1.x"/);
  const level = await runCli(['audit', 'k8s', f('operator.yaml'), '--pss-level', 'privileged']);
  assert.equal(level.code, 2);
  const empty = await runCli(['audit', 'k8s', '-'], { stdin: '' });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /no Kubernetes objects/);
  const missing = await runCli(['audit', 'k8s', join(DIR, 'no-such.yaml')]);
  assert.equal(missing.code, 2);
});

test('a YAML alias bomb is refused with exit 2, not expanded', async () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 0; i < 12; i++)
    lines.push(
      `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
    );
  const r = await runCli(['audit', 'k8s', '-', '-o', 'json'], { stdin: `${lines.join('\n')}\n` });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /alias/);
});

test('kubectl get -o json output takes the JSON reader: same findings, positions in the JSON text', async () => {
  const { parse } = await import('yaml');
  const list = parse(await readFile(f('kubectl-get.yaml'), 'utf8')) as unknown;
  const json = JSON.stringify(list, null, 4);
  const { report } = await audit(['-', '--only', 'pss'], json);
  const hostPort = report.findings.find((x) => x.rule === 'hostPorts');
  assert.ok(hostPort);
  const lines = json.split('\n');
  const line = lines[(hostPort?.line ?? 0) - 1] ?? '';
  assert.equal(line.slice((hostPort?.column ?? 1) - 1), '8080,');
  assert.match(line, /"hostPort": 8080/);
  const yamlReport = (await audit([f('kubectl-get.yaml'), '--only', 'pss'])).report;
  assert.deepEqual(
    report.findings.map((x) => x.message),
    yamlReport.findings.map((x) => x.message),
  );
});

test('JSON the strict reader refuses falls back to YAML: flow style is read, duplicate keys refused', async () => {
  const flow = await audit(
    ['-', '--only', 'hostNamespaces'],
    '{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {hostPID: true, containers: [{name: a, image: r.example/a:1}]}}\n',
  );
  assert.equal(flow.report.findings.length, 1);
  const dup = await runCli(['audit', 'k8s', '-', '-o', 'json'], {
    stdin:
      '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"hostPID": true, "hostPID": false, "containers": []}}',
  });
  assert.equal(dup.code, 2);
});
