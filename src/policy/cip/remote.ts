import { createHash } from 'node:crypto';
import type { CueEngine } from '../cue/evaluator.js';
import type { PolicySet } from '../load.js';
import type { CipAuthority, CipPolicy, ClusterImagePolicy } from './model.js';

/**
 * `policy.remote` (a CUE or Rego policy kept at a URL). policy-controller's reconciler fetches the URL
 * when it reads the ClusterImagePolicy, requires the body's SHA-256 to equal `sha256sum`, and inlines it;
 * a mismatch or a failed fetch leaves the policy out. vouch does the same in two pure steps around one
 * fetch at the edge (src/policy/remote-fetch.ts): list the references, then inline the verified bodies.
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

/**
 * The set with every remote policy whose verified body is in `bodies` (keyed by URL) replaced by that
 * body, compiled with `cue`. Policies without a body stay remote, and fail closed at evaluation.
 */
export function inlineRemotePolicies(
  set: PolicySet,
  bodies: ReadonlyMap<string, string>,
  cue: CueEngine,
): PolicySet {
  if (bodies.size === 0) return set;
  const inline = (p: CipPolicy | undefined): CipPolicy | undefined => {
    if (p === undefined || p.source.kind !== 'remote') return p;
    const data = bodies.get(p.source.url);
    if (data === undefined) return p;
    return {
      type: p.type,
      path: p.path,
      source: { kind: 'inline', data, fetchedFrom: p.source.url },
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
      if (!policiesOf(cip).some((p) => p.source.kind === 'remote')) return cip;
      const policy = inline(cip.policy);
      return { ...cip, authorities: cip.authorities.map(authority), ...(policy ? { policy } : {}) };
    }),
  };
}
