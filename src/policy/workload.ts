import { VouchError } from '../errors.js';
import { isObj } from './field-reader.js';
import { kyvernoResourceReads } from './kyverno/match.js';
import type { PolicySet } from './load.js';

/** A Kubernetes object under admission, reduced to what policies look at. */
export interface ResourceContext {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Labels of the resource's namespace (namespaceSelector, policy-controller opt-in). */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  /**
   * The whole object as admitted (`request.object` for Kyverno preconditions and context variables);
   * absent when only the facts above are known.
   */
  readonly object?: unknown;
}

/** One container image in a workload, with the JSON pointer of its `image` field for a JSONPatch. */
export interface WorkloadImage {
  readonly image: string;
  readonly container: string;
  readonly containerType: 'containers' | 'initContainers' | 'ephemeralContainers';
  /** RFC 6901 pointer to the `image` string, e.g. `/spec/template/spec/containers/0/image`. */
  readonly pointer: string;
}

/** Where each workload kind keeps its pod spec (RFC 6901 pointer prefix). */
const POD_SPEC_AT: Readonly<Record<string, string>> = {
  Pod: '/spec',
  Deployment: '/spec/template/spec',
  StatefulSet: '/spec/template/spec',
  DaemonSet: '/spec/template/spec',
  ReplicaSet: '/spec/template/spec',
  ReplicationController: '/spec/template/spec',
  Job: '/spec/template/spec',
  CronJob: '/spec/jobTemplate/spec/template/spec',
};

export const POD_TEMPLATE_KINDS = Object.keys(POD_SPEC_AT).filter((k) => k !== 'Pod');

/**
 * Lists every container image of a Pod or pod-template workload.
 * @throws INPUT_MALFORMED when the object has no kind or its containers are not a list of objects
 * @throws UNSUPPORTED for a kind without a pod template
 */
export function extractImages(object: unknown): WorkloadImage[] {
  if (!isObj(object) || typeof object['kind'] !== 'string') {
    throw new VouchError('INPUT_MALFORMED', 'resource has no kind', {
      hint: 'give a Kubernetes object with apiVersion and kind',
    });
  }
  const kind = object['kind'];
  const at = POD_SPEC_AT[kind];
  if (at === undefined) {
    throw new VouchError('UNSUPPORTED', `resource kind ${kind} has no pod template`, {
      hint: `supported kinds: ${Object.keys(POD_SPEC_AT).join(', ')}`,
    });
  }
  let spec: unknown = object;
  for (const seg of at.split('/').slice(1)) spec = isObj(spec) ? spec[seg] : undefined;
  if (!isObj(spec)) throw new VouchError('INPUT_MALFORMED', `${kind}: no pod spec at ${at}`);
  const out: WorkloadImage[] = [];
  for (const containerType of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    const list = spec[containerType];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list))
      throw new VouchError('INPUT_MALFORMED', `${kind}: ${at}/${containerType} is not a list`);
    list.forEach((c, i) => {
      if (!isObj(c) || typeof c['image'] !== 'string' || c['image'] === '') {
        throw new VouchError('INPUT_MALFORMED', `${kind}: ${at}/${containerType}/${i} has no image`);
      }
      out.push({
        image: c['image'],
        container: typeof c['name'] === 'string' ? c['name'] : `${containerType}[${i}]`,
        containerType,
        pointer: `${at}/${containerType}/${i}/image`,
      });
    });
  }
  return out;
}

/** Builds the policy context of an object; namespace labels come from the edge (API server lookup). */
export function resourceContext(
  object: unknown,
  opts: {
    namespace?: string;
    namespaceLabels?: Record<string, string>;
    operation?: ResourceContext['operation'];
  } = {},
): ResourceContext {
  if (!isObj(object)) throw new VouchError('INPUT_MALFORMED', 'resource is not an object');
  const meta = isObj(object['metadata']) ? object['metadata'] : {};
  const strMap = (v: unknown): Record<string, string> =>
    isObj(v)
      ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'))
      : {};
  return {
    apiVersion: typeof object['apiVersion'] === 'string' ? object['apiVersion'] : '',
    kind: typeof object['kind'] === 'string' ? object['kind'] : '',
    name: typeof meta['name'] === 'string' ? meta['name'] : '',
    namespace: opts.namespace ?? (typeof meta['namespace'] === 'string' ? meta['namespace'] : 'default'),
    labels: strMap(meta['labels']),
    annotations: strMap(meta['annotations']),
    namespaceLabels: opts.namespaceLabels ?? {},
    operation: opts.operation ?? 'CREATE',
    object,
  };
}

/** The lowercase plural resource name policy-controller's `match[].resource` uses. */
export function resourcePlural(kind: string): string {
  return `${kind.toLowerCase()}s`;
}

/**
 * Which facts of the resource under admission, beyond apiVersion, kind, namespace and namespace labels,
 * a policy's decision can depend on. The webhook's verdict cache keys on exactly these.
 */
export interface ResourceReads {
  readonly labels: boolean;
  readonly annotations: boolean;
  readonly name: boolean;
  readonly operation: boolean;
  /** The whole object (preconditions, context variables, conditions on `request`). */
  readonly object: boolean;
}

export const NO_RESOURCE_READS: ResourceReads = {
  labels: false,
  annotations: false,
  name: false,
  operation: false,
  object: false,
};

// A PolicySet is immutable once loaded (a reload builds a new one), so what it reads is computed once
// per set object rather than on every admission.
const readsOf = new WeakMap<PolicySet, ResourceReads>();

const configMapsOf = new WeakMap<PolicySet, boolean>();

/**
 * Whether a Kyverno rule of `set` has a `configMap` context entry: its decisions then depend on
 * ConfigMap data too, which a verdict cache must key on (see admission/policy-decider.ts).
 */
export function readsConfigMaps(set: PolicySet): boolean {
  let hit = configMapsOf.get(set);
  if (hit === undefined) {
    hit = set.kyverno.some((kp) => kp.rules.some((r) => r.context.some((c) => c.kind === 'configMap')));
    configMapsOf.set(set, hit);
  }
  return hit;
}

/** What of a resource the policies of `set` read, computed once per (immutable) set. */
export function resourceReads(set: PolicySet): ResourceReads {
  const hit = readsOf.get(set);
  if (hit !== undefined) return hit;
  let r: ResourceReads = NO_RESOURCE_READS;
  const or = (x: ResourceReads): ResourceReads => ({
    labels: r.labels || x.labels,
    annotations: r.annotations || x.annotations,
    name: r.name || x.name,
    operation: r.operation || x.operation,
    object: r.object || x.object,
  });
  for (const cip of set.cips) {
    if (cip.match.some((m) => m.selector !== undefined)) r = or({ ...NO_RESOURCE_READS, labels: true });
  }
  for (const kp of set.kyverno) r = or(kyvernoResourceReads(kp));
  readsOf.set(set, r);
  return r;
}
