/**
 * `vouch audit k8s` as a pure function: parsed manifest files in, findings, objects that could not be
 * evaluated, kinds skipped, and each service account's effective permissions out.
 */
import type { Finding, InputProblem, RuleInfo } from '../finding.js';
import { CLUSTER_RULES, auditCluster } from './cluster-rules.js';
import { apiGroup, collectObjects, type KubeObject, type ManifestFile } from './objects.js';
import { PSS_RULES, auditPodSecurity, hasPod } from './pss-audit.js';
import type { PssPolicy } from './pss/registry.js';
import {
  auditRbac,
  RBAC_RULES,
  readRbac,
  type ServiceAccountPermissions,
  serviceAccountPermissions,
  serviceAccountsOf,
} from './rbac.js';
import { auditWorkloads, WORKLOAD_RULES, type WorkloadRuleOptions } from './workload-rules.js';

/** Every rule, by group: `--only pss` and friends name a group. */
export const K8S_RULE_GROUPS: Readonly<Record<string, readonly RuleInfo[]>> = {
  pss: PSS_RULES,
  rbac: RBAC_RULES,
  workloads: WORKLOAD_RULES,
  cluster: CLUSTER_RULES,
};
export const K8S_RULES: readonly RuleInfo[] = Object.values(K8S_RULE_GROUPS).flat();

export interface K8sAuditOptions extends WorkloadRuleOptions {
  readonly pss: PssPolicy;
}

export interface K8sAuditResult {
  readonly findings: readonly Finding[];
  readonly problems: readonly InputProblem[];
  /** Objects read from the manifests. */
  readonly objects: number;
  /** Objects of kinds no rule reads, per kind, in the order first seen. */
  readonly skipped: Readonly<Record<string, number>>;
  readonly serviceAccounts: readonly ServiceAccountPermissions[];
}

/** Kinds some rule reads, beyond those with a pod. */
const READ_KINDS: ReadonlySet<string> = new Set([
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/RoleBinding',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  '/ServiceAccount',
  '/Namespace',
  'networking.k8s.io/NetworkPolicy',
  'node.k8s.io/RuntimeClass',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'apiextensions.k8s.io/CustomResourceDefinition',
]);

function isRead(o: KubeObject): boolean {
  return hasPod(o) || READ_KINDS.has(`${apiGroup(o.ref.apiVersion)}/${o.ref.kind}`);
}

/** Audits the objects of parsed manifest files. */
export function auditK8s(files: readonly ManifestFile[], opts: K8sAuditOptions): K8sAuditResult {
  const { objects, problems } = collectObjects(files);
  const skipped: Record<string, number> = {};
  for (const o of objects) if (!isRead(o)) skipped[o.ref.kind] = (skipped[o.ref.kind] ?? 0) + 1;
  const pss = auditPodSecurity(objects, opts.pss);
  const workloads = auditWorkloads(objects, opts);
  const rbac = readRbac(objects);
  const accounts = serviceAccountsOf(objects, rbac, workloads.podServiceAccounts);
  return {
    findings: [...pss.findings, ...workloads.findings, ...auditRbac(rbac), ...auditCluster(objects)],
    problems: [...problems, ...pss.problems, ...workloads.problems],
    objects: objects.length,
    skipped,
    serviceAccounts: serviceAccountPermissions(rbac, accounts),
  };
}
