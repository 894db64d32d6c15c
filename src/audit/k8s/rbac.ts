/**
 * RBAC over manifests: the permissions an operator or chart asks for, judged by the vetting checklist's
 * red flags (cluster-admin, wildcard resources, secret reads cluster-wide, privilege escalation verbs),
 * and each service account's effective permissions as `kubectl auth can-i --list --as=system:
 * serviceaccount:NS:NAME` would list them if only these manifests were applied (plus the built-in
 * cluster-admin role). Rule ids follow kube-linter where it has the check (cluster-admin-role-binding,
 * access-to-secrets, access-to-create-pods, wildcard-in-rules).
 */
import type { Finding, RuleInfo } from '../finding.js';
import { isObj, type KubeObject, type Obj, objectFinding } from './objects.js';
import type { FieldPath } from './pss/pod-view.js';

export const RBAC_RULES: readonly RuleInfo[] = [
  {
    id: 'cluster-admin-role-binding',
    severity: 'critical',
    summary: 'a subject is bound to cluster-admin',
  },
  {
    id: 'broad-role-binding',
    severity: 'high',
    summary: 'a subject is bound to the built-in admin or edit role cluster-wide',
  },
  {
    id: 'wildcard-in-rules',
    severity: 'high',
    summary: 'a role grants * verbs, resources or apiGroups',
  },
  {
    id: 'access-to-secrets',
    severity: 'high',
    summary: 'a role can get, list or watch secrets (critical cluster-wide)',
  },
  {
    id: 'privilege-escalation-verbs',
    severity: 'critical',
    summary: 'a role can escalate, bind or impersonate',
  },
  {
    id: 'access-to-pod-exec',
    severity: 'high',
    summary: 'a role can create pods/exec or pods/attach',
  },
  { id: 'access-to-nodes-proxy', severity: 'critical', summary: 'a role can use nodes/proxy' },
  {
    id: 'access-to-serviceaccount-token',
    severity: 'high',
    summary: 'a role can create serviceaccounts/token (mint tokens for other accounts)',
  },
  {
    id: 'access-to-create-pods',
    severity: 'high',
    summary: 'a role can create pods or workloads (cluster-wide: any namespace, any service account)',
  },
  {
    id: 'aggregated-cluster-role',
    severity: 'medium',
    summary: 'a ClusterRole aggregates others by label: any ClusterRole with that label widens it',
  },
];

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
  readonly verbs: readonly string[];
  readonly nonResourceURLs: readonly string[];
}

interface RoleDef {
  readonly object?: KubeObject;
  readonly kind: 'Role' | 'ClusterRole';
  readonly namespace?: string;
  readonly name: string;
  readonly rules: readonly { readonly rule: PolicyRule; readonly path: FieldPath }[];
  readonly labels: ReadonlyMap<string, string>;
  readonly aggregation?: readonly ReadonlyMap<string, string>[];
}

interface Subject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

interface BindingDef {
  readonly object: KubeObject;
  readonly clusterWide: boolean;
  readonly namespace?: string;
  readonly roleKind: string;
  readonly roleName: string;
  readonly subjects: readonly Subject[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

function labelsOf(o: Obj | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const labels = isObj(o?.labels) ? o.labels : undefined;
  for (const [k, v] of Object.entries(labels ?? {})) if (typeof v === 'string') out.set(k, v);
  return out;
}

function readRole(o: KubeObject): RoleDef {
  const rules = Array.isArray(o.value.rules) ? o.value.rules : [];
  const meta = isObj(o.value.metadata) ? o.value.metadata : undefined;
  const agg = isObj(o.value.aggregationRule) ? o.value.aggregationRule : undefined;
  const selectors = Array.isArray(agg?.clusterRoleSelectors)
    ? agg.clusterRoleSelectors.map((s) => labelsOf(isObj(s) ? { labels: s.matchLabels } : undefined))
    : undefined;
  return {
    object: o,
    kind: o.ref.kind === 'Role' ? 'Role' : 'ClusterRole',
    ...(o.ref.namespace ? { namespace: o.ref.namespace } : {}),
    name: o.ref.name,
    rules: rules.flatMap((r, i) =>
      isObj(r)
        ? [
            {
              rule: {
                apiGroups: strings(r.apiGroups),
                resources: strings(r.resources),
                resourceNames: strings(r.resourceNames),
                verbs: strings(r.verbs),
                nonResourceURLs: strings(r.nonResourceURLs),
              },
              path: ['rules', i],
            },
          ]
        : [],
    ),
    labels: labelsOf(meta),
    ...(selectors ? { aggregation: selectors } : {}),
  };
}

/** cluster-admin as the API server bootstraps it; admin, edit and view are known by name only. */
const CLUSTER_ADMIN: RoleDef = {
  kind: 'ClusterRole',
  name: 'cluster-admin',
  rules: [
    {
      rule: { apiGroups: ['*'], resources: ['*'], resourceNames: [], verbs: ['*'], nonResourceURLs: [] },
      path: [],
    },
    {
      rule: { apiGroups: [], resources: [], resourceNames: [], verbs: ['*'], nonResourceURLs: ['*'] },
      path: [],
    },
  ],
  labels: new Map(),
};
const BUILT_IN_BROAD = new Set(['admin', 'edit']);

function matchesSelector(labels: ReadonlyMap<string, string>, sel: ReadonlyMap<string, string>): boolean {
  if (sel.size === 0) return false;
  for (const [k, v] of sel) if (labels.get(k) !== v) return false;
  return true;
}

export interface RbacModel {
  readonly roles: readonly RoleDef[];
  readonly bindings: readonly BindingDef[];
}

/** Reads the RBAC objects; an aggregated ClusterRole gets the rules of every ClusterRole it selects. */
export function readRbac(objects: readonly KubeObject[]): RbacModel {
  const roles: RoleDef[] = [];
  const bindings: BindingDef[] = [];
  for (const o of objects) {
    if (!o.ref.apiVersion?.startsWith(`${RBAC_GROUP}/`)) continue;
    if (o.ref.kind === 'Role' || o.ref.kind === 'ClusterRole') roles.push(readRole(o));
    else if (o.ref.kind === 'RoleBinding' || o.ref.kind === 'ClusterRoleBinding') {
      const roleRef = isObj(o.value.roleRef) ? o.value.roleRef : {};
      const subjects = (Array.isArray(o.value.subjects) ? o.value.subjects : []).flatMap((s): Subject[] =>
        isObj(s) && typeof s.kind === 'string' && typeof s.name === 'string'
          ? [
              {
                kind: s.kind,
                name: s.name,
                ...(typeof s.namespace === 'string' ? { namespace: s.namespace } : {}),
              },
            ]
          : [],
      );
      bindings.push({
        object: o,
        clusterWide: o.ref.kind === 'ClusterRoleBinding',
        ...(o.ref.namespace ? { namespace: o.ref.namespace } : {}),
        roleKind: typeof roleRef.kind === 'string' ? roleRef.kind : 'ClusterRole',
        roleName: typeof roleRef.name === 'string' ? roleRef.name : '',
        subjects,
      });
    }
  }
  // Aggregation (one level, as the controller computes it from the source roles' own rules).
  const clusterRoles = roles.filter((r) => r.kind === 'ClusterRole');
  const expanded = roles.map((r) => {
    if (!r.aggregation) return r;
    const extra = clusterRoles
      .filter((c) => c !== r && r.aggregation?.some((sel) => matchesSelector(c.labels, sel)))
      .flatMap((c) => c.rules.map((x) => ({ rule: x.rule, path: [] as FieldPath })));
    return { ...r, rules: [...r.rules, ...extra] };
  });
  return { roles: expanded, bindings };
}

function findRole(model: RbacModel, kind: string, name: string, namespace?: string): RoleDef | undefined {
  const own = model.roles.find(
    (r) => r.kind === kind && r.name === name && (kind === 'ClusterRole' || r.namespace === namespace),
  );
  if (own) return own;
  if (kind === 'ClusterRole' && name === 'cluster-admin') return CLUSTER_ADMIN;
  return undefined;
}

const has = (list: readonly string[], ...wanted: string[]) =>
  list.includes('*') || wanted.some((w) => list.includes(w));
const inCore = (r: PolicyRule) => r.apiGroups.includes('') || r.apiGroups.includes('*');

/** Where a ClusterRole's rules apply: cluster-wide when any ClusterRoleBinding grants it. */
function scopeOf(model: RbacModel, role: RoleDef): 'cluster' | 'namespace' | 'unbound' {
  if (role.kind === 'Role') return 'namespace';
  const bs = model.bindings.filter((b) => b.roleKind === 'ClusterRole' && b.roleName === role.name);
  if (bs.some((b) => b.clusterWide)) return 'cluster';
  return bs.length > 0 ? 'namespace' : 'unbound';
}

const finding = objectFinding;

/** The findings on roles and bindings. */
export function auditRbac(model: RbacModel): Finding[] {
  const out: Finding[] = [];
  for (const b of model.bindings) {
    const subjects = b.subjects.map((s) => `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`);
    const who = subjects.length > 0 ? subjects.join(', ') : 'no subject';
    if (b.roleKind === 'ClusterRole' && b.roleName === 'cluster-admin') {
      out.push(
        finding(
          b.object,
          'cluster-admin-role-binding',
          'critical',
          ['roleRef', 'name'],
          `${who} bound to cluster-admin${b.clusterWide ? ' cluster-wide' : ` in namespace ${b.namespace ?? 'default'}`}: full control`,
          { subjects },
        ),
      );
    } else if (b.clusterWide && b.roleKind === 'ClusterRole' && BUILT_IN_BROAD.has(b.roleName)) {
      out.push(
        finding(
          b.object,
          'broad-role-binding',
          'high',
          ['roleRef', 'name'],
          `${who} bound to the built-in ${b.roleName} role cluster-wide: read and write of most objects, secrets included, in every namespace`,
          { subjects },
        ),
      );
    }
  }
  for (const role of model.roles) {
    const o = role.object;
    if (!o) continue;
    const scope = scopeOf(model, role);
    const wide = scope !== 'namespace';
    const where =
      scope === 'cluster'
        ? ' cluster-wide (bound by a ClusterRoleBinding)'
        : scope === 'unbound'
          ? ' (a ClusterRole: cluster-wide once bound by a ClusterRoleBinding)'
          : '';
    if (role.aggregation) {
      out.push(
        finding(
          o,
          'aggregated-cluster-role',
          'medium',
          ['aggregationRule'],
          `${role.name} aggregates every ClusterRole labelled ${role.aggregation.map((s) => [...s].map(([k, v]) => `${k}=${v}`).join(',')).join(' or ')}: whoever can create such a ClusterRole widens it`,
        ),
      );
    }
    for (const { rule: r, path } of role.rules) {
      if (path.length === 0) continue; // aggregated from another role: reported on that role
      const verbs = r.verbs;
      // A wildcard rule grants every specific permission below; one finding says so instead of ten.
      if (r.verbs.includes('*') || r.resources.includes('*')) {
        const which = [
          r.apiGroups.includes('*') ? 'apiGroups' : '',
          r.resources.includes('*') ? 'resources' : '',
          r.verbs.includes('*') ? 'verbs' : '',
        ].filter((x) => x !== '');
        const field = which[0] ?? 'verbs';
        out.push(
          finding(
            o,
            'wildcard-in-rules',
            wide ? 'critical' : 'high',
            [...path, field],
            `${role.kind} ${role.name} grants * ${which.join(' and ')}${where}${r.resources.includes('*') && inCore(r) ? ': secrets, pods/exec, nodes/proxy and serviceaccounts/token included' : ''}`,
          ),
        );
        continue;
      }
      if (r.apiGroups.includes('*')) {
        out.push(
          finding(
            o,
            'wildcard-in-rules',
            wide ? 'high' : 'medium',
            [...path, 'apiGroups'],
            `${role.kind} ${role.name} grants ${r.resources.join(', ')} in every API group (apiGroups: *)${where}`,
          ),
        );
      }
      if (inCore(r) && has(r.resources, 'secrets') && has(verbs, 'get', 'list', 'watch')) {
        const resField = r.resources.includes('secrets') ? ['resources'] : ['verbs'];
        out.push(
          finding(
            o,
            'access-to-secrets',
            wide ? 'critical' : 'high',
            [...path, ...resField],
            `${role.kind} ${role.name} can ${verbs.filter((v) => ['get', 'list', 'watch', '*'].includes(v)).join(', ')} secrets${r.resourceNames.length > 0 ? ` named ${r.resourceNames.join(', ')}` : ''}${where}`,
          ),
        );
      }
      for (const verb of ['escalate', 'bind', 'impersonate'] as const) {
        if (!r.verbs.includes(verb)) continue;
        out.push(
          finding(
            o,
            'privilege-escalation-verbs',
            'critical',
            [...path, 'verbs'],
            `${role.kind} ${role.name} can ${verb} ${r.resources.join(', ') || 'resources'}${where}: ${verb === 'impersonate' ? 'act as other users, groups or service accounts' : 'grant permissions it does not hold'}`,
          ),
        );
      }
      const sub = (name: string) => inCore(r) && (r.resources.includes(name) || r.resources.includes('*'));
      for (const res of ['pods/exec', 'pods/attach']) {
        if (sub(res) && has(verbs, 'create', 'get')) {
          out.push(
            finding(
              o,
              'access-to-pod-exec',
              wide ? 'critical' : 'high',
              [...path, 'resources'],
              `${role.kind} ${role.name} can use ${res}${where}: run commands in other pods`,
            ),
          );
        }
      }
      if (sub('nodes/proxy') && verbs.length > 0) {
        out.push(
          finding(
            o,
            'access-to-nodes-proxy',
            'critical',
            [...path, 'resources'],
            `${role.kind} ${role.name} can use nodes/proxy${where}: the kubelet API, exec in any pod on the node`,
          ),
        );
      }
      if (sub('serviceaccounts/token') && has(verbs, 'create')) {
        out.push(
          finding(
            o,
            'access-to-serviceaccount-token',
            wide ? 'critical' : 'high',
            [...path, 'resources'],
            `${role.kind} ${role.name} can create serviceaccounts/token${where}: mint tokens for other service accounts`,
          ),
        );
      }
      const workloads = workloadResources(r);
      if (workloads.length > 0 && has(verbs, 'create')) {
        out.push(
          finding(
            o,
            'access-to-create-pods',
            wide ? 'high' : 'medium',
            [...path, 'resources'],
            `${role.kind} ${role.name} can create ${workloads.join(', ')}${where}: runs any image as any service account of the namespace`,
          ),
        );
      }
    }
  }
  return out;
}

const WORKLOADS: readonly (readonly [string, string])[] = [
  ['', 'pods'],
  ['', 'replicationcontrollers'],
  ['apps', 'deployments'],
  ['apps', 'replicasets'],
  ['apps', 'statefulsets'],
  ['apps', 'daemonsets'],
  ['batch', 'jobs'],
  ['batch', 'cronjobs'],
];

function workloadResources(r: PolicyRule): string[] {
  if (r.resources.includes('*')) return ['any resource'];
  return WORKLOADS.filter(
    ([g, res]) => (r.apiGroups.includes(g) || r.apiGroups.includes('*')) && r.resources.includes(res),
  ).map(([, res]) => res);
}

/** One line of `kubectl auth can-i --list`: resource.group, names, non-resource URLs, verbs. */
export interface PermissionRow {
  readonly resource: string;
  readonly resourceNames: readonly string[];
  readonly nonResourceURL?: string;
  readonly verbs: readonly string[];
}

export interface ServiceAccountPermissions {
  readonly serviceAccount: string;
  readonly username: string;
  /** Rules granted in every namespace (ClusterRoleBindings). */
  readonly clusterWide: readonly PermissionRow[];
  /** Rules granted in one namespace each (RoleBindings). */
  readonly namespaces: Readonly<Record<string, readonly PermissionRow[]>>;
  /** Bindings whose role is not in the manifests (a built-in or pre-existing role), by name. */
  readonly unresolvedRoles: readonly string[];
  readonly via: readonly string[];
}

function rows(rules: readonly PolicyRule[]): PermissionRow[] {
  const byKey = new Map<string, { resource: string; names: string[]; url?: string; verbs: Set<string> }>();
  for (const r of rules) {
    for (const url of r.nonResourceURLs) {
      const key = `url:${url}`;
      const e = byKey.get(key) ?? { resource: '', names: [], url, verbs: new Set<string>() };
      for (const v of r.verbs) e.verbs.add(v);
      byKey.set(key, e);
    }
    for (const g of r.apiGroups) {
      for (const res of r.resources) {
        const resource = g === '' ? res : `${res}.${g}`;
        const key = `res:${resource}:${[...r.resourceNames].sort().join(',')}`;
        const e = byKey.get(key) ?? {
          resource,
          names: [...r.resourceNames].sort(),
          verbs: new Set<string>(),
        };
        for (const v of r.verbs) e.verbs.add(v);
        byKey.set(key, e);
      }
    }
  }
  return [...byKey.values()]
    .map((e) => ({
      resource: e.resource,
      resourceNames: e.names,
      ...(e.url ? { nonResourceURL: e.url } : {}),
      verbs: [...e.verbs].sort(),
    }))
    .sort((a, b) =>
      a.resource !== b.resource
        ? a.resource < b.resource
          ? -1
          : 1
        : (a.nonResourceURL ?? '') < (b.nonResourceURL ?? '')
          ? -1
          : 1,
    );
}

function subjectMatches(s: Subject, ns: string, name: string, bindingNs: string | undefined): boolean {
  if (s.kind === 'ServiceAccount') return s.name === name && (s.namespace ?? bindingNs) === ns;
  if (s.kind === 'User') return s.name === `system:serviceaccount:${ns}:${name}`;
  if (s.kind === 'Group')
    return (
      s.name === 'system:serviceaccounts' ||
      s.name === `system:serviceaccounts:${ns}` ||
      s.name === 'system:authenticated'
    );
  return false;
}

/**
 * Each service account's effective permissions from the given bindings: the accounts the manifests
 * create, name in a binding, or run workloads as.
 */
export function serviceAccountPermissions(
  model: RbacModel,
  accounts: readonly { namespace: string; name: string }[],
): ServiceAccountPermissions[] {
  const out: ServiceAccountPermissions[] = [];
  for (const sa of accounts) {
    const cluster: PolicyRule[] = [];
    const perNs = new Map<string, PolicyRule[]>();
    const unresolved = new Set<string>();
    const via: string[] = [];
    for (const b of model.bindings) {
      if (!b.subjects.some((s) => subjectMatches(s, sa.namespace, sa.name, b.namespace))) continue;
      const role = findRole(model, b.roleKind, b.roleName, b.namespace);
      via.push(
        `${b.object.ref.kind} ${b.namespace ? `${b.namespace}/` : ''}${b.object.ref.name} -> ${b.roleKind} ${b.roleName}`,
      );
      if (!role) {
        unresolved.add(`${b.roleKind} ${b.roleName}`);
        continue;
      }
      const rules = role.rules.map((x) => x.rule);
      if (b.clusterWide) cluster.push(...rules);
      else {
        const ns = b.namespace ?? 'default';
        perNs.set(ns, [...(perNs.get(ns) ?? []), ...rules]);
      }
    }
    out.push({
      serviceAccount: `${sa.namespace}/${sa.name}`,
      username: `system:serviceaccount:${sa.namespace}:${sa.name}`,
      clusterWide: rows(cluster),
      namespaces: Object.fromEntries(
        [...perNs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([ns, r]) => [ns, rows(r)]),
      ),
      unresolvedRoles: [...unresolved].sort(),
      via,
    });
  }
  return out;
}

/** Service accounts the manifests define, bind, or run pods as (`default` when a pod names none). */
export function serviceAccountsOf(
  objects: readonly KubeObject[],
  model: RbacModel,
  podServiceAccounts: readonly { namespace: string; name: string }[],
): { namespace: string; name: string }[] {
  const seen = new Map<string, { namespace: string; name: string }>();
  const add = (namespace: string, name: string) => seen.set(`${namespace}/${name}`, { namespace, name });
  for (const o of objects)
    if (o.ref.kind === 'ServiceAccount' && (o.ref.apiVersion ?? '') === 'v1')
      add(o.ref.namespace ?? 'default', o.ref.name);
  for (const b of model.bindings)
    for (const s of b.subjects)
      if (s.kind === 'ServiceAccount') add(s.namespace ?? b.namespace ?? 'default', s.name);
  for (const p of podServiceAccounts) add(p.namespace, p.name);
  return [...seen.values()].sort((a, b) =>
    a.namespace !== b.namespace
      ? a.namespace < b.namespace
        ? -1
        : 1
      : a.name < b.name
        ? -1
        : a.name > b.name
          ? 1
          : 0,
  );
}
