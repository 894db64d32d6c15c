import { createHash } from 'node:crypto';
import type { RuleResult } from './decider.js';
import type { DecisionRecord } from './review.js';

/** Kyverno's event reasons, so existing dashboards and `kubectl get events --field-selector` work. */
export type PolicyEventReason = 'PolicyViolation' | 'PolicyApplied' | 'PolicyError' | 'PolicySkipped';

/** A core/v1 Event as POSTed to /api/v1/namespaces/{ns}/events. */
export interface KubeEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string };
  involvedObject: { apiVersion: string; kind: string; name: string; namespace: string; uid?: string };
  reason: PolicyEventReason;
  message: string;
  type: 'Normal' | 'Warning';
  source: { component: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  reportingComponent: string;
  reportingInstance: string;
}

const REASON: Record<RuleResult, PolicyEventReason> = {
  pass: 'PolicyApplied',
  fail: 'PolicyViolation',
  error: 'PolicyError',
  skip: 'PolicySkipped',
};

// The Event `message` field is capped at 1 KiB by the API server's validation.
const EVENT_MESSAGE_MAX = 1024;
/** One request for a pod with many containers must not turn into an event storm. */
const EVENTS_PER_DECISION_MAX = 20;

/**
 * Events for one decision: one per policy rule and image on the resource. Cluster-scoped resources get
 * their events in `default`, as the API server requires a namespace for an Event.
 */
export function eventsFor(d: DecisionRecord, instance: string): KubeEvent[] {
  const ts = d.at.toISOString();
  const namespace = d.resource.namespace || 'default';
  const out: KubeEvent[] = [];
  for (const img of d.images) {
    for (const o of img.outcomes) {
      if (out.length >= EVENTS_PER_DECISION_MAX) return out;
      const reason = REASON[o.result];
      const verb = o.result === 'fail' ? (o.mode === 'enforce' ? 'blocked' : 'audit failure') : o.result;
      const message = `policy ${o.policy}/${o.rule} ${verb}: ${img.image}: ${o.message}`;
      // DNS-1123 subdomain: a generateName prefix ("web-7d9f-") must not leave a label ending in "-".
      const base =
        d.resource.name
          .toLowerCase()
          .replace(/[^a-z0-9.-]+/g, '-')
          .slice(0, 200)
          .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || 'unnamed';
      const hash = createHash('sha256')
        .update(`${d.uid}\u0000${o.policy}\u0000${o.rule}\u0000${img.image}`)
        .digest('hex')
        .slice(0, 16);
      const name = `${base}.${hash}`;
      out.push({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: d.resource.apiVersion,
          kind: d.resource.kind,
          name: d.resource.name,
          namespace: d.resource.namespace,
          ...(d.resource.uid ? { uid: d.resource.uid } : {}),
        },
        reason,
        message:
          message.length > EVENT_MESSAGE_MAX ? `${message.slice(0, EVENT_MESSAGE_MAX - 3)}...` : message,
        type: o.result === 'pass' || o.result === 'skip' ? 'Normal' : 'Warning',
        source: { component: 'vouch-admission' },
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
        reportingComponent: 'vouch-admission',
        reportingInstance: instance,
      });
    }
  }
  return out;
}
