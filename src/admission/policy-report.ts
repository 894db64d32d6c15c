import type { ResourceRef, RuleResult } from './decider.js';
import type { DecisionRecord } from './review.js';

export const POLICY_REPORT_API_VERSION = 'wgpolicyk8s.io/v1alpha2';
export const REPORT_SOURCE = 'vouch';

export type PolicyReportResultValue = RuleResult | 'warn';

/** An ObjectReference, as `results[].resources` and `scope` hold it. */
export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
}

/** One `results[]` entry of a wgpolicyk8s.io/v1alpha2 PolicyReport. */
export interface PolicyReportResult {
  policy: string;
  rule: string;
  result: PolicyReportResultValue;
  message: string;
  source: typeof REPORT_SOURCE;
  scored: boolean;
  timestamp: { seconds: number; nanos: number };
  resources: ObjectReference[];
  properties: Record<string, string>;
  category?: string;
  severity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
}

export interface PolicyReport {
  apiVersion: typeof POLICY_REPORT_API_VERSION;
  kind: 'PolicyReport' | 'ClusterPolicyReport';
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  scope: ObjectReference;
  results: PolicyReportResult[];
  summary: { pass: number; fail: number; warn: number; error: number; skip: number };
}

const NAME_MAX = 253;

/**
 * The report for the resource of one decision, shaped as Kyverno writes per-resource reports: one
 * PolicyReport per namespaced resource (ClusterPolicyReport when cluster-scoped), `scope` naming the
 * resource, one result per policy rule and image. A failing rule is `fail` in both modes, as Kyverno
 * records Audit failures; rules vouch could not evaluate are `error`.
 */
export function policyReportFor(d: DecisionRecord): PolicyReport {
  const seconds = Math.floor(d.at.getTime() / 1000);
  const nanos = (d.at.getTime() % 1000) * 1_000_000;
  const ref = objectReference(d.resource);
  const results: PolicyReportResult[] = [];
  for (const img of d.images) {
    for (const o of img.outcomes) {
      const properties: Record<string, string> = {
        image: img.image,
        mode: o.mode,
        containers: img.containers.join(','),
      };
      if (img.digest !== undefined) properties.digest = img.digest;
      if (o.expected !== undefined) properties.expected = o.expected;
      if (o.found !== undefined) properties.found = o.found;
      if (o.fix !== undefined) properties.fix = o.fix;
      if (img.pinned !== undefined && d.patched.length > 0) properties.pinned = img.pinned;
      results.push({
        policy: o.policy,
        rule: o.rule,
        result: o.result,
        message: o.message,
        source: REPORT_SOURCE,
        scored: true,
        timestamp: { seconds, nanos },
        resources: [ref],
        properties,
        category: o.category ?? 'Supply Chain Security',
        ...(o.severity !== undefined
          ? { severity: o.severity }
          : o.result === 'fail'
            ? { severity: 'high' as const }
            : {}),
      });
    }
  }
  const summary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const r of results) summary[r.result] += 1;
  const namespaced = d.resource.namespace !== '';
  return {
    apiVersion: POLICY_REPORT_API_VERSION,
    kind: namespaced ? 'PolicyReport' : 'ClusterPolicyReport',
    metadata: {
      name: reportName(d.resource),
      ...(namespaced ? { namespace: d.resource.namespace } : {}),
      labels: { 'app.kubernetes.io/managed-by': 'vouch' },
    },
    scope: ref,
    results,
    summary,
  };
}

/** A stable DNS-1123 subdomain name per resource, so a newer decision replaces the older report. */
export function reportName(r: Pick<ResourceRef, 'kind' | 'name'>): string {
  const raw = `vouch-${r.kind}-${r.name}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
  return raw.slice(0, NAME_MAX).replace(/[^a-z0-9]+$/, '') || 'vouch';
}

function objectReference(r: ResourceRef): ObjectReference {
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    name: r.name,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    ...(r.uid ? { uid: r.uid } : {}),
  };
}
