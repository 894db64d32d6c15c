/**
 * Hostile manifests for `vouch audit k8s`: each ends in a documented outcome (a "not evaluated" problem
 * with its position, or a refusal), never a crash, an INTERNAL error or a silent pass.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseYamlSource } from '../../../src/audit/index.js';
import { auditK8s } from '../../../src/audit/k8s/index.js';
import { runCli } from '../../support/cli.js';

function run(yaml: string) {
  const parsed = parseYamlSource(yaml, 'm.yaml');
  assert.ok(parsed.ok);
  return auditK8s([{ file: 'm.yaml', documents: parsed.documents, text: yaml }], {
    pss: { level: 'restricted', version: 'latest' },
  });
}

test('a pod whose containers is a map, not a list, is not evaluated', () => {
  const r = run('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: {name: a}\n');
  assert.equal(r.findings.filter((f) => f.rule === 'runAsNonRoot').length, 0);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]?.message ?? '', /spec\.containers: expected a list, found a map/);
  assert.equal(r.problems[0]?.line, 5);
});

test('wrongly typed fields deep in a template are all named, with the first one located', () => {
  const r = run(
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: r.example/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n        securityContext: {privileged: "true", runAsUser: 1.5}\n        ports: [{hostPort: "80"}]\n',
  );
  assert.equal(r.problems.length, 1);
  const m = r.problems[0]?.message ?? '';
  assert.match(m, /securityContext\.privileged: expected true or false, found a string/);
  assert.match(m, /securityContext\.runAsUser: expected an integer, found a number/);
  assert.match(m, /ports\[0\]\.hostPort: expected an integer, found a string/);
  assert.equal(r.problems[0]?.line, 10);
});

test('a workload without a pod template is not evaluated', () => {
  const r = run('apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: "* * * * *"\n');
  assert.match(
    r.problems[0]?.message ?? '',
    /CronJob c: Pod Security Standards not evaluated: .*no pod spec/,
  );
});

test('a List whose items are not objects reports each, and audits the rest', () => {
  const r = run(
    'apiVersion: v1\nkind: List\nitems:\n- 42\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec: {hostPID: true, containers: [{name: a}]}\n',
  );
  assert.equal(r.objects, 1);
  assert.match(r.problems[0]?.message ?? '', /items\[0\] is not a Kubernetes object/);
  assert.ok(r.findings.some((f) => f.rule === 'hostNamespaces'));
});

test('unknown fields and kinds are ignored (as the API server prunes them), not failures', () => {
  const r = run(
    'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {privileged: true}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  futureField: {x: 1}\n  containers: [{name: a, image: r.example/a:1, futureFlag: true}]\n',
  );
  assert.equal(r.problems.length, 0);
  assert.deepEqual(r.skipped, { Widget: 1 });
});

test('an image reference that does not parse is not evaluated, with the container named', () => {
  const r = run(
    'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: "UPPER/Case:tag"}]\n',
  );
  assert.ok(r.problems.some((p) => /container "a": invalid image reference/.test(p.message)));
});

test('duplicate keys make the file unreadable (exit 2), not last-one-wins', async () => {
  const r = await runCli(['audit', 'k8s', '-', '-o', 'json'], {
    stdin:
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  hostPID: false\n  containers: [{name: a}]\n',
  });
  assert.equal(r.code, 2);
  assert.equal((JSON.parse(r.stdout) as { findings: unknown[] }).findings.length, 0);
});

test('a vouch: ignore comment silences a Pod Security Standards finding on that line', async () => {
  const r = await runCli(['audit', 'k8s', '-', '--only', 'hostNamespaces', '-o', 'json'], {
    stdin:
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true # vouch: ignore[hostNamespaces]\n  containers: [{name: a, image: r.example/a:1}]\n',
  });
  const report = JSON.parse(r.stdout) as { findings: unknown[]; summary: { suppressed: number } };
  assert.equal(report.findings.length, 0);
  assert.equal(report.summary.suppressed, 1);
  assert.equal(r.code, 0);
});
