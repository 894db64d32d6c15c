import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseYamlSource } from '../../../src/audit/index.js';
import { auditK8s, type K8sAuditOptions, parseLabelSelector } from '../../../src/audit/k8s/index.js';

function run(yaml: string, opts: Partial<K8sAuditOptions> = {}) {
  const parsed = parseYamlSource(yaml, 'm.yaml');
  assert.ok(parsed.ok);
  return auditK8s([{ file: 'm.yaml', documents: parsed.documents, text: yaml }], {
    pss: { level: 'baseline', version: 'latest' },
    ...opts,
  });
}
const rules = (r: ReturnType<typeof run>, only?: string) =>
  r.findings.filter((f) => only === undefined || f.rule === only).map((f) => f.message);

const role = (kind: string, name: string, rules: string, extra = '') => `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ${kind}
metadata:
  name: ${name}
  namespace: app
${extra}rules:
${rules}
`;

test('escalate, bind and impersonate are each reported as privilege escalation', () => {
  const r = run(
    role(
      'ClusterRole',
      'x',
      '- {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [escalate, bind]}\n- {apiGroups: [""], resources: [users, groups], verbs: [impersonate]}',
    ),
  );
  assert.equal(rules(r, 'privilege-escalation-verbs').length, 3);
});

test('pods/exec, pods/attach, nodes/proxy and serviceaccounts/token are reported', () => {
  const r = run(
    role(
      'Role',
      'x',
      '- {apiGroups: [""], resources: [pods/exec, pods/attach, nodes/proxy, serviceaccounts/token], verbs: [create, get]}',
    ),
  );
  assert.equal(rules(r, 'access-to-pod-exec').length, 2);
  assert.equal(rules(r, 'access-to-nodes-proxy').length, 1);
  assert.equal(rules(r, 'access-to-serviceaccount-token').length, 1);
});

test('secrets read in one namespace is high, cluster-wide critical', () => {
  const rule = '- {apiGroups: [""], resources: [secrets], verbs: [list]}';
  const ns = run(`${role('Role', 'r', rule)}---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: app}
roleRef: {kind: Role, name: r, apiGroup: rbac.authorization.k8s.io}
subjects: [{kind: ServiceAccount, name: sa}]
`);
  assert.deepEqual(
    ns.findings.filter((f) => f.rule === 'access-to-secrets').map((f) => f.severity),
    ['high'],
  );
  const sa = ns.serviceAccounts.find((s) => s.serviceAccount === 'app/sa');
  assert.deepEqual(sa?.namespaces, { app: [{ resource: 'secrets', resourceNames: [], verbs: ['list'] }] });
  assert.deepEqual(sa?.clusterWide, []);
  const cluster = run(`${role('ClusterRole', 'r', rule)}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {kind: ClusterRole, name: r, apiGroup: rbac.authorization.k8s.io}
subjects: [{kind: Group, name: system:serviceaccounts}]
`);
  assert.deepEqual(
    cluster.findings.filter((f) => f.rule === 'access-to-secrets').map((f) => f.severity),
    ['critical'],
  );
});

test('an aggregated ClusterRole is reported and grants the rules of the roles it selects', () => {
  const r =
    run(`${role('ClusterRole', 'agg', '  []', 'aggregationRule:\n  clusterRoleSelectors: [{matchLabels: {acme.io/aggregate: "true"}}]\n')}${role(
      'ClusterRole',
      'part',
      '- {apiGroups: [apps], resources: [deployments], verbs: [create]}',
      '',
    ).replace('  namespace: app\n', '  labels: {acme.io/aggregate: "true"}\n')}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {kind: ClusterRole, name: agg, apiGroup: rbac.authorization.k8s.io}
subjects: [{kind: ServiceAccount, name: op, namespace: ops}]
`);
  assert.equal(rules(r, 'aggregated-cluster-role').length, 1);
  const sa = r.serviceAccounts.find((s) => s.serviceAccount === 'ops/op');
  assert.deepEqual(sa?.clusterWide, [{ resource: 'deployments.apps', resourceNames: [], verbs: ['create'] }]);
});

test('bindings to admin or edit cluster-wide are broad; to a role the manifests lack, unresolved', () => {
  const r = run(`---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {kind: ClusterRole, name: edit, apiGroup: rbac.authorization.k8s.io}
subjects: [{kind: ServiceAccount, name: op, namespace: ops}]
`);
  assert.equal(rules(r, 'broad-role-binding').length, 1);
  assert.deepEqual(r.serviceAccounts[0]?.unresolvedRoles, ['ClusterRole edit']);
});

const deployment = (image: string, extra = '', labels = '{app: x}') => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: app}
spec:
  template:
    metadata: {labels: ${labels}}
    spec:
${extra}      containers: [{name: c, image: "${image}", securityContext: {readOnlyRootFilesystem: true}}]
`;

test('images: latest, tags and registries outside the allowlist', () => {
  const digest = 'ghcr.io/acme/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
  assert.deepEqual(
    run(deployment(digest), { allowedRegistries: ['ghcr.io/acme'] }).findings.filter((f) =>
      ['latest-tag', 'image-not-digest', 'registry-not-allowed'].includes(f.rule),
    ),
    [],
  );
  const r = run(deployment('nginx'), { allowedRegistries: ['ghcr.io/acme'] });
  assert.deepEqual(
    r.findings
      .filter((f) => f.rule !== 'no-default-deny-network-policy')
      .map((f) => f.rule)
      .sort(),
    ['image-not-digest', 'latest-tag', 'registry-not-allowed'],
  );
  assert.match(rules(r, 'registry-not-allowed')[0] ?? '', /docker.io\/library\/nginx/);
});

test('a sensitive workload needs a runtimeClassName, and the RuntimeClass must exist', () => {
  const sensitive = parseLabelSelector('data=confidential');
  assert.ok(sensitive);
  const img = 'r.example/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
  const without = run(deployment(img, '', '{data: confidential}'), { sensitive });
  assert.equal(rules(without, 'runtime-class-required').length, 1);
  const withKata = run(deployment(img, '      runtimeClassName: kata\n', '{data: confidential}'), {
    sensitive,
  });
  assert.equal(rules(withKata, 'runtime-class-required').length, 0);
  assert.equal(rules(withKata, 'runtime-class-missing').length, 1);
  const defined = run(
    `${deployment(img, '      runtimeClassName: kata\n', '{data: confidential}')}---\napiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: kata}\nhandler: kata\n`,
    { sensitive },
  );
  assert.equal(rules(defined, 'runtime-class-missing').length, 0);
  assert.equal(
    rules(run(deployment(img, '', '{data: public}'), { sensitive }), 'runtime-class-required').length,
    0,
  );
});

test('a default-deny NetworkPolicy for ingress and egress clears the namespace; an allow-all rule does not', () => {
  const img = 'r.example/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
  const policy = (spec: string) =>
    `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: app}\nspec:\n${spec}`;
  assert.equal(rules(run(deployment(img)), 'no-default-deny-network-policy').length, 1);
  const deny = run(deployment(img) + policy('  podSelector: {}\n  policyTypes: [Ingress, Egress]\n'));
  assert.equal(rules(deny, 'no-default-deny-network-policy').length, 0);
  const ingressOnly = run(deployment(img) + policy('  podSelector: {}\n'));
  assert.match(rules(ingressOnly, 'no-default-deny-network-policy')[0] ?? '', /denies egress by default/);
  const allowAll = run(
    deployment(img) + policy('  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  egress: [{}]\n'),
  );
  assert.match(rules(allowAll, 'no-default-deny-network-policy')[0] ?? '', /denies egress/);
  assert.equal(rules(allowAll, 'egress-to-any').length, 1);
});

test('hostPath on a directory that holds the runtime socket is as bad as the socket', () => {
  const img = 'r.example/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
  const r = run(deployment(img, '      volumes: [{name: run, hostPath: {path: /run/containerd}}]\n'));
  assert.match(rules(r, 'runtime-socket-mount')[0] ?? '', /\/run\/containerd\/containerd.sock/);
  const ok = run(deployment(img, '      volumes: [{name: logs, hostPath: {path: /var/log}}]\n'));
  assert.equal(rules(ok, 'runtime-socket-mount').length, 0);
});
