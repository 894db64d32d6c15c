/**
 * Rules on what an operator installs around its pods: admission webhooks (fail-closed without sparing
 * kube-system, rules on every resource, long timeouts, side effects), CRD conversion webhooks, and the
 * network: namespaces whose workloads no default-deny NetworkPolicy covers, and egress to 0.0.0.0/0.
 */
import type { Finding, RuleInfo, Severity } from '../finding.js';
import { apiGroup, isObj, type KubeObject, type Obj, objectFinding } from './objects.js';
import type { FieldPath } from './pss/pod-view.js';
import { hasPod } from './pss-audit.js';

export const CLUSTER_RULES: readonly RuleInfo[] = [
  {
    id: 'webhook-fail-closed-kube-system',
    severity: 'high',
    summary:
      'a webhook with failurePolicy Fail does not exclude kube-system: when it is down, so is the control plane',
  },
  {
    id: 'webhook-all-resources',
    severity: 'high',
    summary: 'a webhook intercepts every resource (*/*)',
  },
  {
    id: 'webhook-long-timeout',
    severity: 'low',
    summary: 'a webhook waits longer than the 10 s default on each request',
  },
  {
    id: 'webhook-side-effects',
    severity: 'medium',
    summary: 'a webhook declares side effects (Unknown or Some): dry runs change state',
  },
  {
    id: 'crd-conversion-webhook',
    severity: 'medium',
    summary: "a CRD converts versions through a webhook: every read of its objects runs the operator's code",
  },
  {
    id: 'no-default-deny-network-policy',
    severity: 'medium',
    summary: 'a namespace with workloads has no NetworkPolicy denying ingress and egress by default',
  },
  {
    id: 'egress-to-any',
    severity: 'medium',
    summary: 'a NetworkPolicy allows egress to 0.0.0.0/0, ::/0 or any destination',
  },
];

type Add = (o: KubeObject, rule: string, severity: Severity, field: FieldPath, message: string) => void;

function auditWebhooks(o: KubeObject, add: Add): void {
  const v1beta1 = o.ref.apiVersion?.endsWith('/v1beta1') ?? false;
  const hooks = Array.isArray(o.value.webhooks) ? o.value.webhooks : [];
  for (const [i, h] of hooks.entries()) {
    if (!isObj(h)) continue;
    const path = ['webhooks', i];
    const name = typeof h.name === 'string' ? h.name : `webhooks[${i}]`;
    // admissionregistration/v1 defaults failurePolicy to Fail, v1beta1 to Ignore.
    const failurePolicy = typeof h.failurePolicy === 'string' ? h.failurePolicy : v1beta1 ? 'Ignore' : 'Fail';
    if (failurePolicy === 'Fail' && !excludesKubeSystem(h.namespaceSelector)) {
      add(
        o,
        'webhook-fail-closed-kube-system',
        'high',
        [...path, typeof h.failurePolicy === 'string' ? 'failurePolicy' : 'name'],
        `webhook ${name} fails closed${typeof h.failurePolicy === 'string' ? '' : ' (the default)'} and its namespaceSelector does not exclude kube-system: if the operator is down, kube-system pods cannot be admitted`,
      );
    }
    const rules = Array.isArray(h.rules) ? h.rules : [];
    for (const [j, r] of rules.entries()) {
      if (!isObj(r)) continue;
      const groups = Array.isArray(r.apiGroups) ? r.apiGroups : [];
      const resources = Array.isArray(r.resources) ? r.resources : [];
      if (groups.includes('*') && (resources.includes('*') || resources.includes('*/*'))) {
        add(
          o,
          'webhook-all-resources',
          'high',
          [...path, 'rules', j, 'resources'],
          `webhook ${name} intercepts ${resources.includes('*/*') ? '*/*' : '*'} in every API group: it sees (and can block${o.ref.kind.startsWith('Mutating') ? ' or change' : ''}) every object written to the cluster`,
        );
      }
    }
    const timeout = typeof h.timeoutSeconds === 'number' ? h.timeoutSeconds : v1beta1 ? 30 : 10;
    if (timeout > 10)
      add(
        o,
        'webhook-long-timeout',
        'low',
        [...path, typeof h.timeoutSeconds === 'number' ? 'timeoutSeconds' : 'name'],
        `webhook ${name} may hold each request ${timeout} s${typeof h.timeoutSeconds === 'number' ? '' : ' (the v1beta1 default)'}`,
      );
    const sideEffects = typeof h.sideEffects === 'string' ? h.sideEffects : v1beta1 ? 'Unknown' : undefined;
    if (sideEffects === 'Unknown' || sideEffects === 'Some')
      add(
        o,
        'webhook-side-effects',
        'medium',
        [...path, typeof h.sideEffects === 'string' ? 'sideEffects' : 'name'],
        `webhook ${name} declares sideEffects: ${sideEffects}: requests it sees cause changes elsewhere, dry runs included`,
      );
  }
}

/** True when the selector keeps kube-system out by its immutable name label. */
function excludesKubeSystem(sel: unknown): boolean {
  if (!isObj(sel)) return false;
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  for (const e of exprs) {
    if (!isObj(e) || e.key !== 'kubernetes.io/metadata.name') continue;
    const values = Array.isArray(e.values) ? e.values : [];
    if (e.operator === 'NotIn' && values.includes('kube-system')) return true;
    if (e.operator === 'In' && !values.includes('kube-system')) return true;
  }
  const labels = isObj(sel.matchLabels) ? sel.matchLabels : {};
  const name = labels['kubernetes.io/metadata.name'];
  return typeof name === 'string' && name !== 'kube-system';
}

function auditCrd(o: KubeObject, add: Add): void {
  const spec = isObj(o.value.spec) ? o.value.spec : {};
  const conv = isObj(spec.conversion) ? spec.conversion : undefined;
  if (conv?.strategy === 'Webhook') {
    const svc = conversionService(conv);
    add(
      o,
      'crd-conversion-webhook',
      'medium',
      ['spec', 'conversion', 'strategy'],
      `CRD ${o.ref.name} converts between versions through a webhook${svc ? ` (${svc})` : ''}: reads and writes of its objects depend on, and pass through, that service`,
    );
  }
}

function conversionService(conv: Obj): string | undefined {
  const webhook = isObj(conv.webhook) ? conv.webhook : conv;
  const cc = isObj(webhook.clientConfig)
    ? webhook.clientConfig
    : isObj(conv.webhookClientConfig)
      ? conv.webhookClientConfig
      : undefined;
  if (!cc) return undefined;
  if (typeof cc.url === 'string') return cc.url;
  const s = isObj(cc.service) ? cc.service : undefined;
  return s ? `service ${String(s.namespace ?? '')}/${String(s.name ?? '')}` : undefined;
}

/** NetworkPolicies that select every pod of their namespace, by direction. */
function defaultDeny(np: Obj): { ingress: boolean; egress: boolean } {
  const spec = isObj(np.spec) ? np.spec : {};
  const sel = isObj(spec.podSelector) ? spec.podSelector : {};
  const selectsAll =
    Object.keys(isObj(sel.matchLabels) ? sel.matchLabels : {}).length === 0 &&
    (Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0) === 0;
  if (!selectsAll) return { ingress: false, egress: false };
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : undefined;
  // Without policyTypes, Ingress is always implied and Egress only when egress rules are present.
  const ingress = types ? types.includes('Ingress') : true;
  const egress = types ? types.includes('Egress') : Array.isArray(spec.egress);
  // A rule without `from`/`to` (or with an empty one) allows everything, so it is no default deny.
  const allowsAll = (rules: unknown, peer: 'from' | 'to') =>
    Array.isArray(rules) && rules.some((r) => isObj(r) && (!Array.isArray(r[peer]) || r[peer].length === 0));
  return {
    ingress: ingress && !allowsAll(spec.ingress, 'from'),
    egress: egress && !allowsAll(spec.egress, 'to'),
  };
}

function auditEgress(o: KubeObject, add: Add): void {
  const spec = isObj(o.value.spec) ? o.value.spec : {};
  const egress = Array.isArray(spec.egress) ? spec.egress : [];
  for (const [i, r] of egress.entries()) {
    if (!isObj(r)) continue;
    const to = Array.isArray(r.to) ? r.to : [];
    if (to.length === 0) {
      add(
        o,
        'egress-to-any',
        'medium',
        ['spec', 'egress', i],
        `NetworkPolicy ${o.ref.name} allows egress to any destination (an egress rule without "to")`,
      );
      continue;
    }
    for (const [j, peer] of to.entries()) {
      const cidr = isObj(peer) && isObj(peer.ipBlock) ? peer.ipBlock.cidr : undefined;
      if (cidr === '0.0.0.0/0' || cidr === '::/0')
        add(
          o,
          'egress-to-any',
          'medium',
          ['spec', 'egress', i, 'to', j, 'ipBlock', 'cidr'],
          `NetworkPolicy ${o.ref.name} allows egress to ${cidr}: the pods can reach anything, the vendor's infrastructure included`,
        );
    }
  }
}

/** Runs the admission, CRD and network rules. */
export function auditCluster(objects: readonly KubeObject[]): Finding[] {
  const findings: Finding[] = [];
  const add: Add = (o, rule, severity, field, message) =>
    findings.push(objectFinding(o, rule, severity, field, message));
  const deny = new Map<string, { ingress: boolean; egress: boolean }>();
  const workloadsByNs = new Map<string, KubeObject>();
  const namespaceObjects = new Map<string, KubeObject>();
  for (const o of objects) {
    const group = apiGroup(o.ref.apiVersion);
    const ns = o.ref.namespace ?? '';
    if (
      group === 'admissionregistration.k8s.io' &&
      (o.ref.kind === 'ValidatingWebhookConfiguration' || o.ref.kind === 'MutatingWebhookConfiguration')
    )
      auditWebhooks(o, add);
    else if (group === 'apiextensions.k8s.io' && o.ref.kind === 'CustomResourceDefinition') auditCrd(o, add);
    else if (group === 'networking.k8s.io' && o.ref.kind === 'NetworkPolicy') {
      auditEgress(o, add);
      const d = defaultDeny(o.value);
      const prev = deny.get(ns) ?? { ingress: false, egress: false };
      deny.set(ns, { ingress: prev.ingress || d.ingress, egress: prev.egress || d.egress });
    } else if (group === '' && o.ref.kind === 'Namespace') namespaceObjects.set(o.ref.name, o);
    if (hasPod(o) && !workloadsByNs.has(ns)) workloadsByNs.set(ns, o);
  }
  for (const [ns, first] of workloadsByNs) {
    const d = deny.get(ns) ?? { ingress: false, egress: false };
    const missing = [d.ingress ? '' : 'ingress', d.egress ? '' : 'egress'].filter((x) => x !== '');
    if (missing.length === 0) continue;
    const target = namespaceObjects.get(ns) ?? first;
    const label =
      ns === '' ? 'the namespace these objects are installed into (none is set)' : `namespace ${ns}`;
    add(
      target,
      'no-default-deny-network-policy',
      'medium',
      target === first ? ['metadata', 'name'] : ['metadata', 'name'],
      `${label} runs workloads (first: ${first.ref.kind} ${first.ref.name}) but no NetworkPolicy selecting all its pods denies ${missing.join(' and ')} by default`,
    );
  }
  return findings;
}
