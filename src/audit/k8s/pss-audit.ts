/**
 * Pod Security Standards over manifests: every Pod and every object that embeds a pod template, found
 * where pod-security-admission's DefaultPodSpecExtractor looks (admission/admission.go), evaluated at
 * one level and policy version. One finding per violated check, located at the first offending field.
 */
import type { Finding, InputProblem, RuleInfo, Severity } from '../finding.js';
import { apiGroup, type KubeObject, positionOf, valueAt } from './objects.js';
import { type FieldPath, formatPath, readPodView } from './pss/pod-view.js';
import { activeChecks, evaluatePod, formatPolicy, PSS_CHECKS, type PssPolicy } from './pss/registry.js';

export const PSS_HELP = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';

/** How bad each control is when broken: host escapes first. */
const SEVERITY: Readonly<Record<string, Severity>> = {
  privileged: 'critical',
  hostNamespaces: 'high',
  hostPathVolumes: 'high',
  capabilities_baseline: 'high',
  windowsHostProcess: 'high',
  hostPorts: 'medium',
  hostProbesAndHostLifecycle: 'medium',
  appArmorProfile: 'medium',
  seLinuxOptions: 'medium',
  procMount: 'medium',
  seccompProfile_baseline: 'medium',
  sysctls: 'medium',
  allowPrivilegeEscalation: 'medium',
  capabilities_restricted: 'medium',
  procMount_restricted: 'medium',
  restrictedVolumes: 'medium',
  runAsNonRoot: 'medium',
  runAsUser: 'medium',
  seccompProfile_restricted: 'low',
};

export const PSS_RULES: readonly RuleInfo[] = PSS_CHECKS.map((c) => ({
  id: c.id,
  severity: SEVERITY[c.id] ?? 'medium',
  summary: `Pod Security Standards (${c.level}): ${c.summary}`,
  helpUri: PSS_HELP,
}));

/** Where an object keeps its pod (metadata and spec), as pod-security-admission extracts it. */
export function podTemplatePath(group: string, kind: string): FieldPath | undefined {
  if (group === '') {
    if (kind === 'Pod') return [];
    if (kind === 'ReplicationController') return ['spec', 'template'];
    if (kind === 'PodTemplate') return ['template'];
    return undefined;
  }
  if (group === 'apps' && ['ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet'].includes(kind))
    return ['spec', 'template'];
  if (group === 'batch' && kind === 'Job') return ['spec', 'template'];
  if (group === 'batch' && kind === 'CronJob') return ['spec', 'jobTemplate', 'spec', 'template'];
  return undefined;
}

export interface PssAuditResult {
  readonly findings: Finding[];
  readonly problems: InputProblem[];
  /** Pods and pod templates evaluated. */
  readonly evaluated: number;
}

/** Objects with a pod inside, the others are not PSS's business. */
export function hasPod(o: KubeObject): boolean {
  return podTemplatePath(apiGroup(o.ref.apiVersion), o.ref.kind) !== undefined;
}

/** Evaluates the Pod Security Standards on every object that has a pod. */
export function auditPodSecurity(objects: readonly KubeObject[], policy: PssPolicy): PssAuditResult {
  const findings: Finding[] = [];
  const problems: InputProblem[] = [];
  let evaluated = 0;
  const label = formatPolicy(policy);
  const checks = activeChecks(policy);
  for (const o of objects) {
    const template = podTemplatePath(apiGroup(o.ref.apiVersion), o.ref.kind);
    if (!template) continue;
    const metaPath = [...template, 'metadata'];
    const specPath = [...template, 'spec'];
    const view = readPodView(valueAt(o.value, metaPath), valueAt(o.value, specPath), metaPath, specPath);
    if (!view.ok) {
      // Point at the wrongly typed field that comes first in the file.
      const positions = view.errors.map((e) => positionOf(o, e.path));
      const pos = positions.reduce(
        (a, b) => (b.line < a.line || (b.line === a.line && b.column < a.column) ? b : a),
        positions[0] ?? positionOf(o, specPath),
      );
      problems.push({
        file: o.file,
        line: pos.line,
        column: pos.column,
        code: 'INPUT_MALFORMED',
        message: `${o.ref.kind} ${o.ref.namespace ? `${o.ref.namespace}/` : ''}${o.ref.name}: Pod Security Standards not evaluated: ${view.errors.map((e) => e.message).join('; ')}`,
      });
      continue;
    }
    evaluated += 1;
    const where = template.length > 0 ? ` in the pod template (${formatPath(template)})` : '';
    for (const v of evaluatePod(policy, view.pod, checks)) {
      const first = v.outcome.at[0] ?? specPath;
      const pos = positionOf(o, first);
      findings.push({
        rule: v.id,
        severity: SEVERITY[v.id] ?? 'medium',
        confidence: 'high',
        file: o.file,
        ...pos,
        message: `${v.outcome.detail ? `${v.outcome.reason} (${v.outcome.detail})` : v.outcome.reason}${where}, forbidden by PodSecurity "${label}"`,
        helpUri: PSS_HELP,
        object: o.ref,
        properties: {
          policy: label,
          level: v.level,
          forbiddenReason: v.outcome.reason,
          forbiddenDetail: v.outcome.detail,
          fields: v.outcome.at.map(formatPath),
          ...(o.renderedFrom ? { renderedFrom: o.renderedFrom } : {}),
        },
      });
    }
  }
  return { findings, problems, evaluated };
}
