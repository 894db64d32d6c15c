/**
 * `npm run bench audit-k8s`: `vouch audit k8s` over a large cluster export (10,000 objects: workloads,
 * services, RBAC, NetworkPolicies in 200 namespaces, as one multi-document stream), parse included; and
 * the effective-permission computation for 500 roles and bindings.
 */
import { parseYamlSource } from '../src/audit/index.js';
import { parseAllDocuments } from 'yaml';
import { auditK8s, parseJsonSource } from '../src/audit/k8s/index.js';
import type { BenchFigure } from './figure.js';

export function deployment(i: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  namespace: ns-${i % 200}
  labels: {app: app-${i}}
spec:
  replicas: 2
  selector: {matchLabels: {app: app-${i}}}
  template:
    metadata:
      labels: {app: app-${i}}
    spec:
      serviceAccountName: sa-${i % 200}
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: app
        image: registry.example.com/team/app-${i}:1.${i % 17}.0
        ports: [{containerPort: 8080}]
        securityContext:
          allowPrivilegeEscalation: ${i % 10 === 0 ? 'true' : 'false'}
          capabilities: {drop: [ALL]}
          readOnlyRootFilesystem: true
        volumeMounts: [{name: tmp, mountPath: /tmp}]
      volumes: [{name: tmp, emptyDir: {}}]
`;
}

export function service(i: number): string {
  return `apiVersion: v1
kind: Service
metadata: {name: app-${i}, namespace: ns-${i % 200}}
spec:
  selector: {app: app-${i}}
  ports: [{port: 80, targetPort: 8080}]
`;
}

export function rbac(i: number): string {
  return `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: role-${i}, namespace: ns-${i % 200}}
rules:
- apiGroups: [""]
  resources: [configmaps, ${i % 25 === 0 ? 'secrets' : 'services'}]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, ${i % 50 === 0 ? 'create' : 'list'}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bind-${i}, namespace: ns-${i % 200}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: role-${i}}
subjects: [{kind: ServiceAccount, name: sa-${i % 200}, namespace: ns-${i % 200}}]
`;
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function run(text: string, rounds: number) {
  const parse: number[] = [];
  const rules: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const p = time(() => parseYamlSource(text, 'export.yaml', { yamlMaxBytes: 256 * 1024 * 1024 }));
    const parsed = p.value;
    if (!parsed.ok) throw new Error(parsed.error.message);
    const a = time(() =>
      auditK8s([{ file: 'export.yaml', documents: parsed.documents, text }], {
        pss: { level: 'restricted', version: 'latest' },
      }),
    );
    parse.push(p.ms);
    rules.push(a.ms);
  }
  return { parse: median(parse), rules: median(rules) };
}

export async function benchAuditK8s(): Promise<BenchFigure[]> {
  // 4,000 Deployments + 4,000 Services + 1,000 Roles + 1,000 RoleBindings = 10,000 objects.
  const docs: string[] = [];
  for (let i = 0; i < 4000; i++) docs.push(deployment(i), service(i));
  for (let i = 0; i < 1000; i++) docs.push(rbac(i));
  const big = docs.join('---\n');
  const full = run(big, 3);
  // 250 Roles + 250 RoleBindings = 500 RBAC objects.
  const rbacOnly = Array.from({ length: 250 }, (_, i) => rbac(i)).join('---\n');
  const small = run(rbacOnly, 5);
  const mb = (big.length / 1e6).toFixed(1);
  // The same 10,000 objects as `kubectl get -A -o json` prints them: one List.
  const json = JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'List',
      items: docs.flatMap((d) => parseAllDocuments(d).map((x) => x.toJS() as unknown)),
    },
    null,
    4,
  );
  const jsonParse: number[] = [];
  const jsonRules: number[] = [];
  for (let r = 0; r < 3; r++) {
    const p = time(() => parseJsonSource(json));
    const documents = p.value;
    if (!documents) throw new Error('the JSON export did not parse');
    const a = time(() =>
      auditK8s([{ file: 'export.json', documents, text: json }], {
        pss: { level: 'restricted', version: 'latest' },
      }),
    );
    jsonParse.push(p.ms);
    jsonRules.push(a.ms);
  }
  return [
    {
      name: `audit-k8s: 10,000 objects (${mb} MB): YAML parse with positions`,
      value: full.parse,
      unit: 'ms',
    },
    {
      name: 'audit-k8s: 10,000 objects: every rule (PSS restricted, RBAC, …)',
      value: full.rules,
      unit: 'ms',
    },
    {
      name: `audit-k8s: 10,000 objects as JSON (${(json.length / 1e6).toFixed(1)} MB): parse with positions`,
      value: median(jsonParse),
      unit: 'ms',
    },
    { name: 'audit-k8s: 10,000 objects as JSON: every rule', value: median(jsonRules), unit: 'ms' },
    { name: 'audit-k8s: 500 roles/bindings: YAML parse', value: small.parse, unit: 'ms' },
    { name: 'audit-k8s: 500 roles/bindings: RBAC rules + permissions', value: small.rules, unit: 'ms' },
  ];
}
