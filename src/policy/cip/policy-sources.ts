import { createHash } from 'node:crypto';
import type { CueEngine } from '../cue/evaluator.js';
import type { PolicySet } from '../load.js';
import type { CipAuthority, CipPolicy, ClusterImagePolicy } from './model.js';

/**
 * Policies kept outside the ClusterImagePolicy: `policy.remote` (at a URL) and `policy.configMapRef`.
 * For `remote`, policy-controller's reconciler fetches the URL
 * when it reads the ClusterImagePolicy, requires the body's SHA-256 to equal `sha256sum`, and inlines it;
 * a mismatch or a failed fetch leaves the policy out. vouch does the same in two pure steps around one
 * fetch at the edge (src/evidence/policy-source-fetch.ts): list the references, then inline the verified bodies.
 */
export interface RemotePolicyRef {
  readonly url: string;
  readonly sha256sum?: string;
  /** Where it is written, for errors: `policy-name: spec.authorities[0].attestations[0].policy`. */
  readonly where: string;
}

function policiesOf(cip: ClusterImagePolicy): CipPolicy[] {
  return [
    ...(cip.policy ? [cip.policy] : []),
    ...cip.authorities.flatMap((a) => a.attestations.flatMap((x) => (x.policy ? [x.policy] : []))),
  ];
}

/** Every remote policy of a set, once per URL and digest. */
export function remotePolicyRefs(set: PolicySet): RemotePolicyRef[] {
  const out = new Map<string, RemotePolicyRef>();
  for (const cip of set.cips)
    for (const p of policiesOf(cip)) {
      if (p.source.kind !== 'remote') continue;
      const key = `${p.source.url}\u0000${p.source.sha256sum ?? ''}`;
      if (!out.has(key))
        out.set(key, {
          url: p.source.url,
          ...(p.source.sha256sum ? { sha256sum: p.source.sha256sum } : {}),
          where: `${cip.name}: ${p.path}`,
        });
    }
  return [...out.values()];
}

/**
 * Whether a fetched body is the one the policy pins. policy-controller compares unconditionally, so a
 * remote policy without `sha256sum` never inlines there; vouch refuses it with that reason.
 */
export function checkRemotePolicy(
  ref: RemotePolicyRef,
  body: Uint8Array,
): { ok: true } | { ok: false; message: string } {
  if (ref.sha256sum === undefined)
    return {
      ok: false,
      message: `${ref.where}: remote policy ${ref.url} has no sha256sum; policy-controller never inlines it (set remote.sha256sum)`,
    };
  const got = createHash('sha256').update(body).digest('hex');
  if (got !== ref.sha256sum)
    return {
      ok: false,
      message: `${ref.where}: remote policy ${ref.url} has sha256 ${got}, the policy pins ${ref.sha256sum}`,
    };
  return { ok: true };
}

/** The namespace policy-controller reads `configMapRef` policies from (its own, `cosign-system`). */
export const CIP_SYSTEM_NAMESPACE = 'cosign-system';

/** A `configMapRef` policy: the ConfigMap key to inline. */
export interface ConfigMapPolicyRef {
  readonly namespace: string;
  readonly name: string;
  readonly key: string;
  readonly where: string;
}

/**
 * Every `configMapRef` policy of a set. policy-controller's reconciler reads the ConfigMap in its own
 * namespace and inlines `data[key]`; an explicit `namespace` is honoured here, the default is
 * CIP_SYSTEM_NAMESPACE.
 */
export function configMapPolicyRefs(set: PolicySet): ConfigMapPolicyRef[] {
  const out = new Map<string, ConfigMapPolicyRef>();
  for (const cip of set.cips)
    for (const p of policiesOf(cip)) {
      if (p.source.kind !== 'configMap') continue;
      const ref = {
        namespace: p.source.namespace ?? CIP_SYSTEM_NAMESPACE,
        name: p.source.name,
        key: p.source.key ?? '',
        where: `${cip.name}: ${p.path}`,
      };
      out.set(configMapPolicyKey(ref), out.get(configMapPolicyKey(ref)) ?? ref);
    }
  return [...out.values()];
}

export function configMapPolicyKey(ref: { namespace: string; name: string; key: string }): string {
  return `configmap:${ref.namespace}/${ref.name}#${ref.key}`;
}

/**
 * The set with every remote (keyed by URL) or `configMapRef` (keyed by configMapPolicyKey) policy whose
 * body is in `bodies` replaced by that body, compiled with `cue`. Policies without a body stay as they
 * are, and fail closed at evaluation.
 */
export function inlineExternalPolicies(
  set: PolicySet,
  bodies: ReadonlyMap<string, string>,
  cue: CueEngine,
): PolicySet {
  if (bodies.size === 0) return set;
  const external = (p: CipPolicy): boolean => p.source.kind === 'remote' || p.source.kind === 'configMap';
  const inline = (p: CipPolicy | undefined): CipPolicy | undefined => {
    if (p === undefined) return p;
    let from: string;
    let data: string | undefined;
    if (p.source.kind === 'remote') {
      from = p.source.url;
      data = bodies.get(from);
    } else if (p.source.kind === 'configMap') {
      const ref = {
        namespace: p.source.namespace ?? CIP_SYSTEM_NAMESPACE,
        name: p.source.name,
        key: p.source.key ?? '',
      };
      from = `ConfigMap ${ref.namespace}/${ref.name} key ${ref.key}`;
      data = bodies.get(configMapPolicyKey(ref));
    } else return p;
    if (data === undefined) return p;
    return {
      type: p.type,
      path: p.path,
      source: { kind: 'inline', data, fetchedFrom: from },
      ...(p.type === 'cue' ? { cue: cue.compile(data) } : {}),
    };
  };
  const authority = (a: CipAuthority): CipAuthority => ({
    ...a,
    attestations: a.attestations.map((x) => {
      const policy = inline(x.policy);
      return policy ? { ...x, policy } : x;
    }),
  });
  return {
    ...set,
    cips: set.cips.map((cip) => {
      if (!policiesOf(cip).some(external)) return cip;
      const policy = inline(cip.policy);
      return { ...cip, authorities: cip.authorities.map(authority), ...(policy ? { policy } : {}) };
    }),
  };
}
