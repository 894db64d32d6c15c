import { VouchError } from '../errors.js';
import { isObj } from './field-reader.js';
import { kyvernoResourceReads } from './kyverno/match.js';
import type { PolicySet } from './load.js';
import type { ResourceContext, ResourceReads } from './resource-context.js';
import {
  extractorsFor,
  extractWithExtractors,
  type ImageExtractor,
  isWorkloadKind,
  workloadImageFields,
  workloadImages,
} from './workload-images.js';

export type { ResourceContext, ResourceReads } from './resource-context.js';

export {
  POD_TEMPLATE_KINDS,
  type WorkloadImage,
  workloadImages as extractImages,
} from './workload-images.js';

/** One image field of an object, as the policies of a set find it. */
export interface ObjectImage {
  readonly image: string;
  /** RFC 6901 pointer of the field, for a digest pin. */
  readonly pointer: string;
  /** The container name, or the extractor's key (its pointer when it has none). */
  readonly container: string;
}

/** Every rule `imageExtractors` entry of `set` for `kind`, with the rule's field path. */
function setExtractors(
  set: PolicySet,
  kind: string,
): { rule: string; extractors: readonly ImageExtractor[] }[] {
  const out: { rule: string; extractors: readonly ImageExtractor[] }[] = [];
  for (const kp of set.kyverno) {
    for (const r of kp.rules) {
      const ex = extractorsFor(r.imageExtractors, kind);
      if (ex !== undefined && ex.length > 0)
        out.push({ rule: `${kp.source}:${kp.name}/${r.name}`, extractors: ex });
    }
  }
  return out;
}

const extractedKindsOf = new WeakMap<PolicySet, ReadonlySet<string>>();

/** Whether a Kyverno rule of `set` has imageExtractors for `kind` (computed once per immutable set). */
export function extractsKind(set: PolicySet, kind: string): boolean {
  let kinds = extractedKindsOf.get(set);
  if (kinds === undefined) {
    const found = new Set<string>();
    for (const kp of set.kyverno)
      for (const r of kp.rules) for (const k of Object.keys(r.imageExtractors ?? {})) found.add(k);
    kinds = found;
    extractedKindsOf.set(set, kinds);
  }
  return kinds.has(kind);
}

/**
 * The images of an object the policies of `set` judge: the built-in pod-spec fields of workload kinds
 * (every policy engine looks there), plus whatever Kyverno rules' `imageExtractors` find for the
 * object's kind. Duplicates (one field found twice) are listed once.
 *
 * `strict` (policy test --resource): a malformed object throws, and a kind no extractor covers is
 * UNSUPPORTED. Lenient (the webhook): never throws; a field that cannot be read becomes an entry with
 * an empty image and the problem as its container, which the webhook denies rather than skipping.
 * @throws INPUT_MALFORMED, UNSUPPORTED (strict only)
 */
export function objectImages(
  set: PolicySet,
  kind: string,
  object: unknown,
  opts: { readonly strict: boolean },
): ObjectImage[] {
  const out: ObjectImage[] = [];
  const seen = new Set<string>();
  const add = (i: ObjectImage): void => {
    const id = `${i.pointer}\u0000${i.image}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push(i);
  };
  const custom = setExtractors(set, kind);
  if (opts.strict) {
    if (custom.length === 0 || isWorkloadKind(kind)) {
      for (const w of workloadImages(object))
        add({ image: w.image, pointer: w.pointer, container: w.container });
    }
    for (const c of custom) {
      for (const x of extractWithExtractors(object, c.extractors))
        add({ image: x.image, pointer: x.pointer, container: x.key });
    }
    return out;
  }
  for (const f of workloadImageFields(kind, object))
    add({ image: f.image, pointer: f.pointer, container: f.container });
  for (const c of custom) {
    try {
      for (const x of extractWithExtractors(object, c.extractors))
        add({ image: x.image, pointer: x.pointer, container: x.key });
    } catch (e) {
      add({
        image: '',
        pointer: '',
        container: `${c.rule} imageExtractors: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
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
