import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { GoTemplate } from '../support/go-template.js';
import { type Doc, renderChart } from '../support/helm-chart.js';

const CHART = new URL('../../deploy/charts/vouch', import.meta.url).pathname;
const NS = 'vouch-system';

function one(docs: Doc[], kind: string, name?: string): Doc {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  assert.equal(found.length, 1, `expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0] as Doc;
}

function at(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.'))
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

type Webhook = {
  name: string;
  failurePolicy: string;
  timeoutSeconds: number;
  sideEffects: string;
  admissionReviewVersions: string[];
  clientConfig: {
    service: { name: string; namespace: string; path: string; port: number };
    caBundle?: string;
  };
  rules: Array<{ apiGroups: string[]; resources: string[]; operations: string[] }>;
  namespaceSelector: {
    matchExpressions: Array<{ key: string; operator: string; values: string[] }>;
    matchLabels?: Record<string, string>;
  };
};

const CERT_MANAGER = { certManager: { enabled: true } };

const CLUSTER_SCOPED = new Set([
  'ClusterRole',
  'ClusterRoleBinding',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ClusterImagePolicy',
]);

test('with default values every rendered document parses and has apiVersion, kind and metadata.name', () => {
  const { docs } = renderChart(CHART);
  // No cert-manager by default: vouch keeps its own certificate (a Role for its one Secret).
  assert.deepEqual(docs.map((d) => d.kind).sort(), [
    'ClusterRole',
    'ClusterRoleBinding',
    'ConfigMap',
    'Deployment',
    'MutatingWebhookConfiguration',
    'PodDisruptionBudget',
    'Role',
    'RoleBinding',
    'Service',
    'ServiceAccount',
    'ValidatingWebhookConfiguration',
  ]);
  for (const d of docs) {
    assert.match(d.apiVersion, /^[a-z0-9.-]*\/?v[0-9a-z]+$/, `${d.kind} apiVersion`);
    assert.match(d.metadata.name, /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, `${d.kind} name`);
    if (CLUSTER_SCOPED.has(d.kind))
      assert.equal(d.metadata.namespace, undefined, `${d.kind} is cluster-scoped`);
    else assert.equal(d.metadata.namespace, NS, `${d.kind} namespace`);
    assert.equal(d.metadata.labels?.['app.kubernetes.io/name'], 'vouch');
  }
});

for (const [kind, path] of [
  ['ValidatingWebhookConfiguration', '/validate'],
  ['MutatingWebhookConfiguration', '/mutate'],
] as const) {
  test(`the ${kind} fails closed, times out at 10s and never covers kube-system or vouch's namespace`, () => {
    const { docs } = renderChart(CHART, { values: CERT_MANAGER });
    const cfg = one(docs, kind);
    const hooks = cfg.webhooks as Webhook[];
    assert.equal(hooks.length, 1);
    const h = hooks[0] as Webhook;
    assert.equal(h.failurePolicy, 'Fail');
    assert.equal(h.timeoutSeconds, 10);
    assert.equal(h.sideEffects, 'NoneOnDryRun');
    assert.deepEqual(h.admissionReviewVersions, ['v1']);
    assert.deepEqual(h.clientConfig.service, { name: 'vouch', namespace: NS, path, port: 443 });
    const excluded = h.namespaceSelector.matchExpressions.find(
      (e) => e.key === 'kubernetes.io/metadata.name',
    );
    assert.equal(excluded?.operator, 'NotIn');
    assert.deepEqual(excluded?.values, ['kube-system', NS]);
    assert.equal(cfg.metadata.annotations?.['cert-manager.io/inject-ca-from'], `${NS}/vouch-tls`);
    const resources = h.rules.flatMap((r) => r.resources.map((res) => `${r.apiGroups[0]}/${res}`)).sort();
    assert.deepEqual(resources, [
      '/pods',
      '/pods/ephemeralcontainers',
      '/replicationcontrollers',
      'apps/daemonsets',
      'apps/deployments',
      'apps/replicasets',
      'apps/statefulsets',
      'batch/cronjobs',
      'batch/jobs',
    ]);
    for (const r of h.rules) assert.deepEqual(r.operations, ['CREATE', 'UPDATE']);
  });
}

test('the Deployment runs 2 non-root replicas with a read-only root FS, anti-affinity, resources and HTTPS probes', () => {
  const { docs } = renderChart(CHART, { values: CERT_MANAGER });
  const dep = one(docs, 'Deployment');
  assert.equal(at(dep, 'spec.replicas'), 2);
  const pod = at(dep, 'spec.template.spec');
  assert.equal(at(pod, 'securityContext.runAsNonRoot'), true);
  assert.ok(at(pod, 'affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution'));
  const c = (at(pod, 'containers') as Array<Record<string, unknown>>)[0];
  assert.equal(at(c, 'securityContext.readOnlyRootFilesystem'), true);
  assert.equal(at(c, 'securityContext.allowPrivilegeEscalation'), false);
  assert.deepEqual(at(c, 'securityContext.capabilities.drop'), ['ALL']);
  assert.equal(at(c, 'resources.requests.cpu'), '100m');
  assert.equal(at(c, 'resources.limits.memory'), '512Mi');
  assert.equal(at(c, 'readinessProbe.httpGet.scheme'), 'HTTPS');
  assert.equal(at(c, 'readinessProbe.httpGet.path'), '/readyz');
  assert.equal(at(c, 'livenessProbe.httpGet.path'), '/healthz');
  assert.equal(c?.image, 'ghcr.io/vouch/vouch:0.1.0');
  assert.ok(((c?.args ?? []) as string[]).includes('--mode=enforce'));
  const tlsVolume = (at(pod, 'volumes') as Array<{ name: string; secret?: { secretName: string } }>).find(
    (v) => v.name === 'tls',
  );
  assert.equal(tlsVolume?.secret?.secretName, at(one(docs, 'Certificate', 'vouch-tls'), 'spec.secretName'));
});

test('the Service and the PodDisruptionBudget select the Deployment pods', () => {
  const { docs } = renderChart(CHART);
  const podLabels = at(one(docs, 'Deployment'), 'spec.template.metadata.labels') as Record<string, string>;
  for (const selector of [
    at(one(docs, 'Service'), 'spec.selector'),
    at(one(docs, 'PodDisruptionBudget'), 'spec.selector.matchLabels'),
  ]) {
    for (const [k, v] of Object.entries(selector as Record<string, string>)) assert.equal(podLabels[k], v);
  }
  assert.equal(at(one(docs, 'PodDisruptionBudget'), 'spec.minAvailable'), 1);
});

test("RBAC is least privilege: no wildcards, no secrets, writes only PolicyReports, Events and refused policies' status", () => {
  const { docs } = renderChart(CHART, { values: CERT_MANAGER });
  const rules = one(docs, 'ClusterRole').rules as Array<{
    apiGroups: string[];
    resources: string[];
    verbs: string[];
  }>;
  const writes = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
  for (const r of rules) {
    assert.ok(!r.verbs.includes('*') && !r.resources.includes('*') && !r.apiGroups.includes('*'));
    assert.ok(!r.resources.includes('secrets'));
    if (r.verbs.some((v) => writes.has(v))) {
      assert.ok(
        r.resources.every((res) =>
          [
            'policyreports',
            'clusterpolicyreports',
            'events',
            // A refused policy's VouchAccepted=False condition (status subresource only, patch only).
            'clusterimagepolicies/status',
            'trustroots/status',
            'clusterpolicies/status',
            'policies/status',
          ].includes(res),
        ),
        JSON.stringify(r),
      );
      assert.ok(!r.verbs.includes('delete'));
    }
  }
  const binding = one(docs, 'ClusterRoleBinding');
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'vouch', namespace: NS }]);
});

test('ServiceMonitor, PrometheusRule and the policy pack render when enabled, the rule identical to deploy/prometheus', () => {
  const pem = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';
  const { docs } = renderChart(CHART, {
    values: {
      serviceMonitor: { enabled: true },
      prometheusRule: { enabled: true },
      policyPack: { enabled: true, publicKey: pem },
    },
  });
  const sm = one(docs, 'ServiceMonitor');
  assert.equal(at(sm, 'spec.jobLabel'), 'app.kubernetes.io/name');
  const standalone = parse(
    readFileSync(new URL('../../deploy/prometheus/rules.yaml', import.meta.url), 'utf8'),
  ) as { spec: unknown };
  assert.deepEqual(one(docs, 'PrometheusRule').spec, standalone.spec);
  const cip = one(docs, 'ClusterImagePolicy');
  assert.equal(at(cip, 'spec.mode'), 'warn');
  assert.equal((at(cip, 'spec.authorities') as Array<{ key: { data: string } }>)[0]?.key.data.trim(), pem);
});

test('with vouch managing its certificate, RBAC adds only its one Secret and its two webhook configurations', () => {
  const { docs } = renderChart(CHART);
  const rules = one(docs, 'ClusterRole').rules as Array<{
    resources: string[];
    resourceNames?: string[];
    verbs: string[];
  }>;
  const hooks = rules.find((r) => r.resources.includes('validatingwebhookconfigurations'));
  assert.deepEqual(hooks?.resourceNames, ['vouch-validate', 'vouch-mutate']);
  assert.deepEqual(hooks?.verbs, ['get', 'patch']);
  assert.ok(!rules.some((r) => r.resources.includes('secrets')), 'no cluster-wide Secret access');
  const role = one(docs, 'Role', 'vouch-tls');
  assert.equal(role.metadata.namespace, NS);
  assert.deepEqual(role.rules, [
    { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    { apiGroups: [''], resources: ['secrets'], resourceNames: ['vouch-tls'], verbs: ['get', 'update'] },
  ]);
  const args = (at(one(docs, 'Deployment'), 'spec.template.spec.containers') as Array<{ args: string[] }>)[0]
    ?.args;
  assert.ok(args?.includes(`--tls-secret=${NS}/vouch-tls`));
  assert.ok(!args?.some((a) => a.startsWith('--tls-cert')));
});

test('with an existing Secret the chart needs its CA bundle, and then uses them', () => {
  assert.throws(
    () => renderChart(CHART, { values: { tls: { existingSecret: 'my-tls' } } }),
    /tls.caBundle is required/,
  );
  const { docs } = renderChart(CHART, {
    values: { certManager: { enabled: false }, tls: { existingSecret: 'my-tls', caBundle: 'Q0E=' } },
  });
  assert.ok(!docs.some((d) => d.kind === 'Certificate' || d.kind === 'Issuer'));
  const h = (one(docs, 'ValidatingWebhookConfiguration').webhooks as Webhook[])[0];
  assert.equal(h?.clientConfig.caBundle, 'Q0E=');
  const vols = at(one(docs, 'Deployment'), 'spec.template.spec.volumes') as Array<{
    name: string;
    secret?: { secretName: string };
  }>;
  assert.equal(vols.find((v) => v.name === 'tls')?.secret?.secretName, 'my-tls');
});

test('extra excluded namespaces and an include label reach the namespaceSelector', () => {
  const { docs } = renderChart(CHART, {
    values: {
      webhook: {
        excludeNamespaces: ['monitoring'],
        namespaceLabels: { 'policy.sigstore.dev/include': 'true' },
      },
    },
  });
  const h = (one(docs, 'ValidatingWebhookConfiguration').webhooks as Webhook[])[0];
  assert.deepEqual(h?.namespaceSelector.matchExpressions[0]?.values, ['kube-system', NS, 'monitoring']);
  assert.deepEqual(h?.namespaceSelector.matchLabels, { 'policy.sigstore.dev/include': 'true' });
});

test('a pinned controller digest is used instead of the tag', () => {
  const digest = `sha256:${'f'.repeat(64)}`;
  const { docs } = renderChart(CHART, { values: { image: { digest } } });
  const c = (at(one(docs, 'Deployment'), 'spec.template.spec.containers') as Array<{ image: string }>)[0];
  assert.equal(c?.image, `ghcr.io/vouch/vouch@${digest}`);
});

test('the template renderer trims, branches and refuses what it does not support', () => {
  const t = new GoTemplate();
  assert.equal(t.render('a  {{- if .x }} yes {{- else }} no {{- end }}', { x: 0 }), 'a no');
  assert.equal(t.render('{{ .a.b | quote }}', { a: { b: 'q' } }), '"q"');
  assert.equal(t.render('x:{{- toYaml .m | nindent 2 }}', { m: { k: 'v' } }), 'x:\n  k: v');
  assert.throws(() => t.render('{{ range .x }}{{ end }}', {}), /unsupported action "range"/);
  assert.throws(() => t.render('{{ lookup "v1" }}', {}), /not a function|unsupported term/);
});
