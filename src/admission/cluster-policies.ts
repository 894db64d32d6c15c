/**
 * Policies as cluster resources: ClusterImagePolicy and TrustRoot (policy.sigstore.dev), Kyverno
 * ClusterPolicy and Policy (kyverno.io), and the ConfigMaps CIP `configMapRef` policies and Kyverno
 * `configMap` context entries read, each kept by a list+watch reflector (kube-watch.ts).
 *
 * Every object is linted on its own, as a policy file is. One that fails is refused: it stays out of
 * the set, gets a `VouchAccepted=False` condition on its status subresource and a Warning Event, and
 * never disturbs the others; a changed object that fails keeps its last good version active, as a
 * policy file reload does. The set is rebuilt whole and then handed over as one value, so a decision
 * sees either the old set or the new one, never half of a change.
 */
import { createHash } from 'node:crypto';
import { describeCause, isVouchError, VouchError } from '../errors.js';
import type { Limits } from '../limits.js';
import {
  configMapPolicyRefs,
  type CueEngine,
  cueSubset,
  lintPolicies,
  mergePolicySets,
  type PolicyIssue,
  type PolicySet,
  settle,
} from '../policy/index.js';
import { resolveExternalPolicies } from '../evidence/index.js';
import type { ConfigMapSource } from './config-maps.js';
import type { KubeConnection } from './kube-client.js';
import { type KubeObject, KubeResources, KubeStatusError, type ApiResource } from './kube-resources.js';
import { Reflector, type ReflectorOptions, type ReflectorState } from './kube-watch.js';

/** The kinds vouch can watch, by the name `--cluster-policies` takes. */
export const CLUSTER_POLICY_KINDS = [
  'ClusterImagePolicy',
  'TrustRoot',
  'ClusterPolicy',
  'Policy',
  'ConfigMap',
] as const;
export type ClusterPolicyKind = (typeof CLUSTER_POLICY_KINDS)[number];

type PolicyKind = Exclude<ClusterPolicyKind, 'ConfigMap'>;

interface KindSpec {
  /** Versions in preference order: the API server serves the same objects at each. */
  readonly refs: readonly [ApiResource, ...ApiResource[]];
  /** The CRD has a status subresource (policy-controller's and Kyverno's all do). */
  readonly status: boolean;
  readonly absentHint: string;
}

const ref = (group: string, version: string, plural: string, kind: string, namespaced: boolean) => ({
  group,
  version,
  plural,
  kind,
  namespaced,
});

const SPECS: Record<ClusterPolicyKind, KindSpec> = {
  ClusterImagePolicy: {
    refs: [
      ref('policy.sigstore.dev', 'v1beta1', 'clusterimagepolicies', 'ClusterImagePolicy', false),
      ref('policy.sigstore.dev', 'v1alpha1', 'clusterimagepolicies', 'ClusterImagePolicy', false),
    ],
    status: true,
    absentHint: "install the ClusterImagePolicy CRD (vouch's chart ships it; so does policy-controller's)",
  },
  TrustRoot: {
    refs: [ref('policy.sigstore.dev', 'v1alpha1', 'trustroots', 'TrustRoot', false)],
    status: true,
    absentHint: "install the TrustRoot CRD (vouch's chart ships it; so does policy-controller's)",
  },
  ClusterPolicy: {
    refs: [
      ref('kyverno.io', 'v1', 'clusterpolicies', 'ClusterPolicy', false),
      ref('kyverno.io', 'v2beta1', 'clusterpolicies', 'ClusterPolicy', false),
    ],
    status: true,
    absentHint:
      "Kyverno policies from the cluster need Kyverno's CRDs (install Kyverno, or its CRDs); vouch keeps working with the other policies",
  },
  Policy: {
    refs: [
      ref('kyverno.io', 'v1', 'policies', 'Policy', true),
      ref('kyverno.io', 'v2beta1', 'policies', 'Policy', true),
    ],
    status: true,
    absentHint:
      "Kyverno policies from the cluster need Kyverno's CRDs (install Kyverno, or its CRDs); vouch keeps working with the other policies",
  },
  ConfigMap: {
    refs: [ref('', 'v1', 'configmaps', 'ConfigMap', true)],
    status: false,
    absentHint: 'the API server serves no ConfigMaps',
  },
};

/** The condition vouch owns on policy objects; other controllers' conditions are left as they are. */
export const ACCEPTED_CONDITION = 'VouchAccepted';

/** Largest policy object accepted (etcd's default request limit is 1.5 MiB; a policy is far smaller). */
export const CLUSTER_POLICY_MAX_BYTES = 1024 * 1024;

/** What became of one object, computed purely from it. */
export type ObjectOutcome =
  | { readonly ok: true; readonly set: PolicySet; readonly warnings: readonly PolicyIssue[] }
  | { readonly ok: false; readonly message: string; readonly issues: readonly PolicyIssue[] };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function metaOf(o: KubeObject): Record<string, unknown> {
  return isRecord(o.metadata) ? o.metadata : {};
}

/** `Kind/name` or `Kind/namespace/name`: the source policies and issues name. */
export function objectSource(kind: string, o: KubeObject): string {
  const m = metaOf(o);
  const ns = typeof m.namespace === 'string' && m.namespace !== '' ? `${m.namespace}/` : '';
  return `${kind}/${ns}${String(m.name ?? '')}`;
}

/**
 * The policy an object holds, as its author wrote it: apiVersion, kind, the metadata a policy reads
 * (name, namespace, labels, annotations) and spec. Server-set fields (uid, managedFields, status) are
 * not the author's and would fail the schema as unknown fields.
 */
export function authoredDocument(o: KubeObject): Record<string, unknown> {
  const m = metaOf(o);
  const meta: Record<string, unknown> = {};
  for (const k of ['name', 'namespace', 'labels', 'annotations']) if (m[k] !== undefined) meta[k] = m[k];
  const out: Record<string, unknown> = { apiVersion: o.apiVersion, kind: o.kind, metadata: meta };
  for (const [k, v] of Object.entries(o)) {
    if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && k !== 'status') out[k] = v;
  }
  return out;
}

/**
 * What identifies the authored content of an object cheaply: the API server bumps
 * `metadata.generation` on every spec change (not on status writes), and labels and annotations are
 * the only other authored parts. Without a generation, the authored document itself.
 */
export function authoredKey(o: KubeObject): string {
  const m = metaOf(o);
  try {
    if (typeof m.generation === 'number' && typeof m.uid === 'string') {
      return JSON.stringify([o.apiVersion, m.uid, m.generation, m.labels ?? null, m.annotations ?? null]);
    }
    return JSON.stringify(authoredDocument(o));
  } catch (e) {
    // Nesting deeper than the serialiser's stack: refused like any other bad object (readPolicyObject).
    return `unserialisable\u0000${String(m.resourceVersion ?? '')}\u0000${describeCause(e)}`;
  }
}

/**
 * Lints and loads one object, as `policy lint` and a policy file reload do.
 * @throws never: every failure is an outcome
 */
export function readPolicyObject(
  kind: PolicyKind,
  o: KubeObject,
  opts: { limits?: Partial<Limits>; cue?: CueEngine; maxBytes?: number },
): ObjectOutcome {
  const source = objectSource(kind, o);
  let text: string;
  try {
    text = JSON.stringify(authoredDocument(o));
  } catch (e) {
    return { ok: false, message: `${source}: cannot be serialised: ${describeCause(e)}`, issues: [] };
  }
  const max = opts.maxBytes ?? CLUSTER_POLICY_MAX_BYTES;
  if (Buffer.byteLength(text) > max) {
    return {
      ok: false,
      message: `${source}: ${Buffer.byteLength(text)} bytes, over the ${max}-byte limit for a policy object`,
      issues: [],
    };
  }
  const loadOpts = {
    ...(opts.limits ? { limits: opts.limits } : {}),
    cue: opts.cue ?? cueSubset,
  };
  try {
    const lint = lintPolicies(text, source, loadOpts);
    const errors = lint.issues.filter((i) => i.severity === 'error');
    if (errors.length > 0) {
      const first = errors
        .slice(0, 3)
        .map((i) => `${i.path || '(document)'}: ${i.message}`)
        .join('; ');
      return {
        ok: false,
        message: `${source}: ${errors.length} invalid field(s): ${first}${errors.length > 3 ? '; …' : ''}`,
        issues: errors,
      };
    }
    return { ok: true, set: lint.policies, warnings: lint.issues };
  } catch (e) {
    return { ok: false, message: `${source}: ${describeCause(e)}`, issues: [] };
  }
}

/** A status condition as policy-controller and Kyverno write theirs (metav1.Condition). */
export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
  readonly lastTransitionTime: string;
}

/**
 * The status conditions after recording `outcome`, or undefined when the object already says so (no
 * write, so a status patch never triggers another one). Other controllers' conditions are kept.
 */
export function conditionsAfter(o: KubeObject, outcome: ObjectOutcome, now: Date): Condition[] | undefined {
  const status = isRecord(o.status) ? o.status : {};
  const existing = Array.isArray(status.conditions) ? status.conditions.filter(isRecord) : [];
  const mine = existing.find((c) => c.type === ACCEPTED_CONDITION);
  const generation = Number(metaOf(o).generation);
  const next = {
    type: ACCEPTED_CONDITION,
    status: outcome.ok ? ('True' as const) : ('False' as const),
    reason: outcome.ok ? 'PolicyAccepted' : 'PolicyInvalid',
    message: (outcome.ok ? 'accepted by vouch' : outcome.message).slice(0, 32_768),
    ...(Number.isFinite(generation) ? { observedGeneration: generation } : {}),
  };
  if (
    mine &&
    mine.status === next.status &&
    mine.reason === next.reason &&
    mine.message === next.message &&
    mine.observedGeneration === next.observedGeneration
  ) {
    return undefined;
  }
  const lastTransitionTime =
    mine && mine.status === next.status && typeof mine.lastTransitionTime === 'string'
      ? mine.lastTransitionTime
      : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [
    ...(existing.filter((c) => c.type !== ACCEPTED_CONDITION) as unknown as Condition[]),
    { ...next, lastTransitionTime },
  ];
}

/** A Warning Event on a refused policy object (core/v1 Event). */
export function refusedEvent(
  kind: string,
  apiVersion: string,
  o: KubeObject,
  message: string,
  now: Date,
  instance: string,
): { namespace: string; event: Record<string, unknown> } {
  const m = metaOf(o);
  const name = String(m.name ?? '');
  const namespace = typeof m.namespace === 'string' && m.namespace !== '' ? m.namespace : 'default';
  const hash = createHash('sha256')
    .update(`${String(m.uid ?? '')}\u0000${String(m.resourceVersion ?? '')}`)
    .digest('hex')
    .slice(0, 16);
  const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const text = `vouch refused this policy; the previous version (if any) stays active: ${message}`;
  return {
    namespace,
    event: {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name.slice(0, 200)}.${hash}`, namespace },
      involvedObject: {
        apiVersion,
        kind,
        name,
        ...(typeof m.namespace === 'string' && m.namespace !== '' ? { namespace: m.namespace } : {}),
        ...(typeof m.uid === 'string' ? { uid: m.uid } : {}),
        ...(typeof m.resourceVersion === 'string' ? { resourceVersion: m.resourceVersion } : {}),
      },
      reason: 'PolicyInvalid',
      // The API server caps an Event message at 1 KiB.
      message: text.length > 1024 ? `${text.slice(0, 1021)}...` : text,
      type: 'Warning',
      source: { component: 'vouch-admission' },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      reportingComponent: 'vouch-admission',
      reportingInstance: instance,
    },
  };
}

export interface ClusterPoliciesOptions {
  readonly kinds: readonly ClusterPolicyKind[];
  readonly limits?: Partial<Limits>;
  /** The CUE engine policies compile with, and real CUE's answerer (see cue/answers.ts). */
  readonly cue?: { readonly engine: CueEngine; readonly answer?: () => Promise<boolean> };
  /** Where ConfigMaps are read while the ConfigMap watch is not synced (or not enabled). */
  readonly configMapFallback?: ConfigMapSource;
  readonly reflector?: Omit<ReflectorOptions, 'onChange' | 'onState'>;
  /** Called after each new set is in place. */
  readonly onChange?: (set: PolicySet) => void;
  readonly log: (line: string) => void;
  readonly now: () => Date;
  /** Names this replica in Events. */
  readonly instance: string;
  /** Write status conditions and Events (default true). */
  readonly report?: boolean;
}

interface LastSeen {
  /** The authored document, as linted. */
  readonly text: string;
  /** The ConfigMap versions its configMapRef policies were read at. */
  readonly cmKey: string;
  readonly unresolved: PolicySet;
  readonly outcome: ObjectOutcome;
}

/** Runs tasks, at most `n` at a time. */
async function runLimited(tasks: ReadonlyArray<() => Promise<void>>, n: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const t = tasks[next++];
      if (t) await t();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
}

/** Policies from the API server, live. */
export class ClusterPolicies {
  readonly #api: KubeResources;
  readonly #ownsApi: boolean;
  readonly #reflectors = new Map<ClusterPolicyKind, Reflector>();
  #set: PolicySet = { cips: [], kyverno: [], trustRoots: [] };
  /** Last good version of each object, by kind and key: kept while a newer version is refused. */
  readonly #accepted = new Map<string, PolicySet>();
  /** The outcome of each object's current version, so a rebuild lints only what changed. */
  readonly #last = new Map<string, LastSeen>();
  #reporting: Promise<void> = Promise.resolve();
  /** Objects changed since the last rebuild, by kind ('all' after a list). */
  readonly #dirty = new Map<ClusterPolicyKind, Set<string> | 'all'>();
  /** The outcome last written to each object's status, by kind and uid. */
  readonly #written = new Map<string, string>();
  #scheduled = false;
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;
  readonly #absentLogged = new Set<ClusterPolicyKind>();
  #generation = 0;

  /** How many sets have been put in place; tests and benchmarks wait on it. */
  get generation(): number {
    return this.#generation;
  }

  constructor(
    conn: KubeConnection | KubeResources,
    private readonly opts: ClusterPoliciesOptions,
  ) {
    this.#ownsApi = !(conn instanceof KubeResources);
    this.#api = conn instanceof KubeResources ? conn : new KubeResources(conn);
    for (const kind of opts.kinds) {
      const spec = SPECS[kind];
      this.#reflectors.set(
        kind,
        new Reflector(this.#api, spec.refs, {
          ...(opts.reflector ?? {}),
          onChange: (keys) => {
            const d = this.#dirty.get(kind);
            if (keys === undefined || d === 'all') this.#dirty.set(kind, 'all');
            else this.#dirty.set(kind, new Set([...(d ?? []), ...keys]));
            this.#schedule();
          },
          onState: (s) => this.#onState(kind, s),
        }),
      );
    }
  }

  /** The policies from the cluster now (one value; replaced whole). */
  current(): PolicySet {
    return this.#set;
  }

  start(): void {
    for (const r of this.#reflectors.values()) r.start();
  }

  /** Waits until every watched kind has listed once (or is known absent), at most `ms`, then rebuilds. */
  async settled(ms: number): Promise<void> {
    await Promise.all([...this.#reflectors.values()].map((r) => r.settled(ms)));
    await this.#chain;
  }

  /** Resolves when the rebuilds scheduled so far have finished. */
  async idle(): Promise<void> {
    while (this.#scheduled) await new Promise((r) => setImmediate(r));
    await this.#chain;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#reflectors.values()].map((r) => r.stop()));
    await this.#chain;
    await this.#reporting;
    if (this.#ownsApi) this.#api.close();
  }

  /** Resolves when the status and Event writes queued so far are done. */
  async reported(): Promise<void> {
    await this.idle();
    await this.#reporting;
  }

  /** What keeps the cluster policies from being complete: for /readyz. */
  missing(): string[] {
    const out: string[] = [];
    for (const [kind, r] of this.#reflectors) {
      const s = r.state;
      if (s.kind === 'syncing')
        out.push(`${kind} not yet listed from the API server${s.error ? `: ${s.error.message}` : ''}`);
    }
    return out;
  }

  /** ConfigMaps from the watch when it has listed, else from the fallback. */
  configMaps(): ConfigMapSource {
    return async (namespace, name) => {
      const r = this.#reflectors.get('ConfigMap');
      if (r && r.state.kind === 'synced') {
        const o = r.objects().get(`${namespace}/${name}`);
        if (!o) return undefined;
        const data = isRecord(o.data) ? o.data : {};
        return Object.fromEntries(
          Object.entries(data).filter((e): e is [string, string] => typeof e[1] === 'string'),
        );
      }
      return this.opts.configMapFallback ? this.opts.configMapFallback(namespace, name) : undefined;
    };
  }

  #onState(kind: ClusterPolicyKind, s: ReflectorState): void {
    if (s.kind === 'absent') {
      if (!this.#absentLogged.has(kind)) {
        this.#absentLogged.add(kind);
        this.opts.log(`cluster policies: ${kind}: ${s.message}; ${SPECS[kind].absentHint}`);
      }
      return;
    }
    if (s.kind === 'synced') {
      if (this.#absentLogged.delete(kind)) this.opts.log(`cluster policies: ${kind}: now served`);
      return;
    }
    if (s.error) this.opts.log(`cluster policies: ${kind}: ${s.error.message} (retrying)`);
  }

  #schedule(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    // Coalesces a burst (a relist, many events in one chunk) into one rebuild.
    setImmediate(() => {
      this.#scheduled = false;
      this.#chain = this.#chain
        .then(() => this.#rebuild())
        .catch((e: unknown) => {
          this.opts.log(`cluster policies: rebuild failed, the previous set stays: ${describeCause(e)}`);
        });
    });
  }

  async #rebuild(): Promise<void> {
    const cue = this.opts.cue ?? { engine: cueSubset };
    const configMaps = this.configMaps();
    const cmObjects = this.#reflectors.get('ConfigMap')?.objects();
    // Which ConfigMap versions a set's configMapRef policies were resolved against.
    const cmKey = (s: PolicySet): string =>
      configMapPolicyRefs(s)
        .map((c) => {
          const cm = cmObjects?.get(`${c.namespace}/${c.name}`);
          return `${c.namespace}/${c.name}@${cm ? String(metaOf(cm).resourceVersion ?? '') : '-'}`;
        })
        .join(',');
    const sets: PolicySet[] = [];
    const seen = new Set<string>();
    const reports: Array<() => Promise<void>> = [];
    let changed = this.#generation === 0;
    const dirty = new Map(this.#dirty);
    this.#dirty.clear();
    for (const kind of this.opts.kinds) {
      if (kind === 'ConfigMap') continue;
      const r = this.#reflectors.get(kind);
      if (!r) continue;
      const apiVersion = `${r.resource.group}/${r.resource.version}`;
      const changedKeys = dirty.get(kind);
      for (const [key, o] of r.objects()) {
        const id = `${kind}\u0000${key}`;
        seen.add(id);
        const last = this.#last.get(id);
        // An object no event touched keeps its outcome unless the ConfigMaps it reads changed.
        const touched = changedKeys === 'all' || changedKeys?.has(key) === true;
        if (last && !touched && last.cmKey === '') {
          if (last.outcome.ok) sets.push(last.outcome.set);
          else {
            const good = this.#accepted.get(id);
            if (good) sets.push(good);
          }
          continue;
        }
        // Keyed on what the author wrote, not the resourceVersion: a status write changes the latter.
        const text = authoredKey(o);
        let outcome: ObjectOutcome;
        if (last && last.text === text && last.cmKey === cmKey(last.unresolved)) {
          outcome = last.outcome;
        } else {
          const read = await settle(
            () =>
              readPolicyObject(kind, o, {
                ...(this.opts.limits ? { limits: this.opts.limits } : {}),
                cue: cue.engine,
              }),
            cue.answer,
          );
          outcome = read;
          let unresolved: PolicySet = { cips: [], kyverno: [], trustRoots: [] };
          if (read.ok) {
            unresolved = read.set;
            try {
              outcome = { ...read, set: await resolveExternalPolicies(read.set, cue, { configMaps }) };
            } catch (e) {
              const message = isVouchError(e) ? e.message : describeCause(e);
              outcome = { ok: false, message: `${objectSource(kind, o)}: ${message}`, issues: [] };
            }
          }
          changed = true;
          this.#last.set(id, {
            text,
            cmKey: cmKey(unresolved),
            unresolved,
            outcome,
          });
          if (outcome.ok) this.#accepted.set(id, outcome.set);
          else this.opts.log(`cluster policies: refused ${outcome.message}`);
        }
        if (outcome.ok) sets.push(outcome.set);
        else {
          // The last good version stays active: refusing a bad edit must not drop the rule it edits.
          const good = this.#accepted.get(id);
          if (good) sets.push(good);
        }
        const settledOutcome = outcome;
        reports.push(() => this.#report(kind, apiVersion, o, settledOutcome));
      }
    }
    for (const id of [...this.#last.keys()]) {
      if (!seen.has(id)) {
        changed = true;
        this.#last.delete(id);
        this.#accepted.delete(id);
      }
    }
    // Only status writes (or nothing the policies read) changed: the set, and the verdict cache, stay.
    if (changed) {
      this.#set = mergePolicySets(sets);
      this.#generation++;
      this.opts.onChange?.(this.#set);
    }
    // After the swap: a decision never waits on status or Event writes.
    this.#reporting = this.#reporting.then(() => runLimited(reports, 8));
  }

  /** Records the outcome on the object: a status condition and, for a refusal, an Event. */
  async #report(kind: PolicyKind, apiVersion: string, o: KubeObject, outcome: ObjectOutcome): Promise<void> {
    if (this.opts.report === false) return;
    const r = this.#reflectors.get(kind);
    if (!r) return;
    const now = this.opts.now();
    const conditions = SPECS[kind].status ? conditionsAfter(o, outcome, now) : undefined;
    if (conditions === undefined) return; // already recorded (or no status subresource and nothing new)
    const m = metaOf(o);
    // Written already, and the watch has not brought the written object back yet: do not write twice.
    const id = `${kind}\u0000${String(m.uid ?? '')}`;
    const signature = JSON.stringify([m.generation, outcome.ok, outcome.ok ? '' : outcome.message]);
    if (this.#written.get(id) === signature) return;
    this.#written.set(id, signature);
    if (this.#written.size > 100_000) this.#written.clear();
    const name = String(m.name ?? '');
    const namespace = typeof m.namespace === 'string' && m.namespace !== '' ? m.namespace : undefined;
    // Status and Event writes are best effort: a policy decision never waits on them or fails by them.
    try {
      await this.#api.patchStatus(
        r.resource,
        { name, ...(namespace ? { namespace } : {}), resourceVersion: String(m.resourceVersion ?? '') },
        { conditions },
      );
    } catch (e) {
      if (e instanceof KubeStatusError && e.status === 404) {
        // The CRD has no status subresource (or the object just went): the Event still says it.
        this.opts.log(`cluster policies: no status written on ${objectSource(kind, o)}: ${describeCause(e)}`);
      } else {
        // 409: someone wrote the object meanwhile; its next watch event brings it back here.
        this.#written.delete(id);
        if (!(e instanceof KubeStatusError && e.status === 409))
          this.opts.log(`cluster policies: status of ${objectSource(kind, o)}: ${describeCause(e)}`);
        return;
      }
    }
    if (!outcome.ok) {
      const { namespace: evNs, event } = refusedEvent(
        kind,
        apiVersion,
        o,
        outcome.message,
        now,
        this.opts.instance,
      );
      try {
        await this.#api.createEvent(evNs, event);
      } catch (e) {
        if (!(e instanceof KubeStatusError && e.status === 409))
          this.opts.log(`cluster policies: event for ${objectSource(kind, o)}: ${describeCause(e)}`);
      }
    }
  }
}

/**
 * Parses `--cluster-policies`: `all`, `none`, or a comma list of kinds.
 * @throws USAGE naming the unknown kind
 */
export function parseClusterPolicyKinds(v: string): ClusterPolicyKind[] {
  const t = v.trim();
  if (t === 'all') return [...CLUSTER_POLICY_KINDS];
  if (t === 'none' || t === '') return [];
  const out: ClusterPolicyKind[] = [];
  for (const part of t.split(',')) {
    const k = part.trim();
    const found = CLUSTER_POLICY_KINDS.find((c) => c.toLowerCase() === k.toLowerCase());
    if (!found)
      throw new VouchError('USAGE', `--cluster-policies: unknown kind "${k}"`, {
        hint: `use all, none, or a comma list of ${CLUSTER_POLICY_KINDS.join(', ')}`,
      });
    if (!out.includes(found)) out.push(found);
  }
  return out;
}
