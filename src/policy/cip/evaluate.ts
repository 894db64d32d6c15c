import type { CueEngine } from '../cue/evaluator.js';
import { cueProvisionalLookups } from '../cue/answers.js';
import { usesTimeNow } from '../cue/subset.js';
import { EvidenceMemo } from '../evidence-memo.js';
import type { Evidence, SignerIdentity } from '../evidence.js';
import type { ImageUnderReview, ImageView } from '../image-under-review.js';
import { selectorMatches } from '../label-selector.js';
import {
  acceptedAttestations,
  acceptedSignatures,
  type BindingExpectation,
  fulcioAnchor,
  normaliseRepo,
  pemAnchor,
  type SignerExpectation,
} from '../signer-match.js';
import type { AuthorityResult, Check, PolicyResult } from '../verdict.js';
import { type ResourceContext, resourcePlural } from '../workload.js';
import type { CipAuthority, CipPolicy, ClusterImagePolicy } from './model.js';

/** The glob of `policy` that selects `image`, or undefined. */
export function cipMatchingGlob(policy: ClusterImagePolicy, image: ImageView): string | undefined {
  return policy.images.find((g) => image.cipNames.some((n) => g.re.test(n)))?.glob;
}

/** policy-controller `match[]`: no entries means every resource; otherwise one entry must fit. */
export function cipResourceMatches(policy: ClusterImagePolicy, r: ResourceContext | undefined): boolean {
  if (policy.match.length === 0 || r === undefined) return true;
  const [group, version] = r.apiVersion.includes('/') ? r.apiVersion.split('/') : ['', r.apiVersion];
  return policy.match.some(
    (m) =>
      (m.resource === '' ||
        (m.resource === resourcePlural(r.kind) && m.version === version && m.group === (group ?? ''))) &&
      (m.selector === undefined || selectorMatches(m.selector, r.labels)),
  );
}

/** The signer an authority accepts. */
export function cipSignerExpectation(a: CipAuthority): SignerExpectation {
  const v = a.verifier;
  switch (v.kind) {
    case 'static':
      return { kind: 'static' };
    case 'key':
      return v.key.kind === 'data'
        ? { kind: 'key', spkiSha256: v.key.spkiSha256 }
        : {
            kind: 'key',
            keyRef:
              v.key.kind === 'kms' ? v.key.uri : `k8s://${v.key.namespace ?? 'cosign-system'}/${v.key.name}`,
          };
    case 'keyless': {
      const trustAnchor = v.trustRootRef
        ? `trust-root:${v.trustRootRef}`
        : v.caCert
          ? v.caCert.kind === 'data'
            ? pemAnchor(v.caCert.pem)
            : `ca-ref:${v.caCert.kind === 'kms' ? v.caCert.uri : v.caCert.name}`
          : fulcioAnchor(v.url ?? 'https://fulcio.sigstore.dev');
      return { kind: 'keyless', trustAnchor, identities: v.identities, extensions: {} };
    }
  }
}

const bindingCache = new WeakMap<CipAuthority, BindingExpectation>();

/** What one authority accepts (signer, repositories, tlog/timestamp needs); computed once per parsed policy. */
export function cipBinding(a: CipAuthority): BindingExpectation {
  const cached = bindingCache.get(a);
  if (cached) return cached;
  const b: BindingExpectation = {
    signer: cipSignerExpectation(a),
    tlogRequired: a.tlog.required,
    rfc3161Required: a.rfc3161 !== undefined,
    repositories: a.sources.map((s) => normaliseRepo(s.oci)),
  };
  bindingCache.set(a, b);
  return b;
}

export interface CipEvalOptions {
  readonly cue: CueEngine;
  readonly now: Date;
}

// A CIP's result depends on the image identity and the evidence, and on the admission time only when
// one of its CUE policies calls time.Now(): otherwise it is kept per evidence object (see EvidenceMemo).
const cipAnswers = new EvidenceMemo<PolicyResult>();
const timeDependence = new WeakMap<ClusterImagePolicy, boolean>();

function readsTime(policy: ClusterImagePolicy): boolean {
  let t = timeDependence.get(policy);
  if (t === undefined) {
    const sources = [
      policy.policy,
      ...policy.authorities.flatMap((a) => a.attestations.map((x) => x.policy)),
    ];
    t = sources.some((p) => p !== undefined && p.source.kind === 'inline' && usesTimeNow(p.source.data));
    timeDependence.set(policy, t);
  }
  return t;
}

/**
 * Judges one image against one matching CIP (see computeCip); answers are kept per evidence object.
 */
export function evaluateCip(
  policy: ClusterImagePolicy,
  glob: string,
  image: ImageUnderReview,
  view: ImageView,
  evidence: Evidence | undefined,
  opts: CipEvalOptions,
): PolicyResult {
  // Not memoised: evidence filed under another digest (defence in depth) and policies that read the
  // clock. A policy's CUE was compiled when it was loaded, so the engine is part of the policy object.
  if (evidence === undefined || evidence.digest !== image.digest || readsTime(policy)) {
    return computeCip(policy, glob, image, view, evidence, opts);
  }
  // The glob is a function of (policy, view): first match in policy order.
  let r = cipAnswers.get(evidence, policy, view);
  if (r === undefined) {
    const asked = cueProvisionalLookups();
    r = computeCip(policy, glob, image, view, evidence, opts);
    // A result that waited on real CUE, or met its failure, is provisional: it is not kept.
    if (cueProvisionalLookups() === asked) cipAnswers.set(evidence, policy, view, r);
  }
  return r;
}

/**
 * Judges one image against one matching CIP: one passing authority suffices; an authority with
 * attestations needs every listed attestation (policy-controller checks attestations instead of
 * signatures then); each attestation needs at least one statement and all of them must pass its policy.
 */
function computeCip(
  policy: ClusterImagePolicy,
  glob: string,
  image: ImageUnderReview,
  view: ImageView,
  evidence: Evidence | undefined,
  opts: CipEvalOptions,
): PolicyResult {
  const repo = view.repository;
  const evaluated = policy.authorities.map((a) =>
    evaluateAuthority(a, image, evidence, repo, opts, `${policy.source}:${policy.name}:${a.path}`),
  );
  const results = evaluated.map((e) => e.result);
  let passed = results.some((r) => r.ok);
  const authorities: AuthorityResult[] = [...results];
  if (passed && policy.policy) {
    // policy-controller's CIP-level policy input: what each passing authority matched.
    const matches = Object.fromEntries(
      evaluated.filter((e) => e.result.ok).map((e) => [e.result.name, e.matched]),
    );
    const r = runPolicy(policy.policy, { authorityMatches: matches }, opts);
    authorities.push({ name: 'spec.policy', path: 'spec.policy', ok: r.ok, checks: [r] });
    passed = r.ok;
  }
  const failed = results.filter((r) => !r.ok).map((r) => r.name);
  return {
    engine: 'cip',
    policy: policy.name,
    source: policy.source,
    matchedBy: glob,
    passed,
    onFailure: policy.mode === 'warn' ? 'warn' : 'deny',
    summary: passed
      ? `ClusterImagePolicy ${policy.name}: satisfied by authority ${results.find((r) => r.ok)?.name ?? 'spec.policy'}`
      : `ClusterImagePolicy ${policy.name} (glob ${glob}): no authority passed (tried ${failed.join(', ') || 'none'})${explain(authorities)}`,
    authorities,
  };
}

function evaluateAuthority(
  a: CipAuthority,
  image: ImageUnderReview,
  evidence: Evidence | undefined,
  repo: string,
  opts: CipEvalOptions,
  /** The evidence requirement id of this authority (see evidenceRequirements). */
  requirement: string,
): { result: AuthorityResult; matched: AuthorityMatch } {
  if (a.verifier.kind === 'static') {
    const ok = a.verifier.action === 'pass';
    return {
      matched: { static: true },
      result: {
        name: a.name,
        path: a.path,
        ok,
        checks: [
          {
            what: 'static',
            expected: 'pass',
            found: ok ? 'pass' : `fail${a.verifier.message ? `: ${a.verifier.message}` : ''}`,
            ok,
            ...(ok ? {} : { reason: 'static-fail' as const }),
          },
        ],
      },
    };
  }
  const binding = cipBinding(a);
  if (a.attestations.length === 0) {
    const { accepted, checks } = acceptedSignatures(binding, evidence, image.digest, repo, requirement);
    return {
      matched: { signatures: accepted.map((s) => identityOf(s.signer)) },
      result: { name: a.name, path: a.path, ok: accepted.length > 0, checks },
    };
  }
  const checks: Check[] = [];
  const attestations: Record<string, Record<string, string>[]> = {};
  for (const att of a.attestations) {
    const { accepted, found } = acceptedAttestations(
      binding,
      evidence,
      image.digest,
      repo,
      att.predicateType,
    );
    const expected = `${att.name}: attestation ${att.predicateType}${att.predicateTypeWritten !== att.predicateType ? ` (${att.predicateTypeWritten})` : ''} signed by ${binding.signer.kind}`;
    if (accepted.length === 0) {
      checks.push({
        what: 'attestation',
        expected,
        found: found.length > 0 ? found.join('; ') : 'no verified attestations',
        ok: false,
        reason: evidence === undefined || image.digest === undefined ? 'no-evidence' : 'missing-attestation',
      });
      continue;
    }
    checks.push({ what: 'attestation', expected, found: `${accepted.length} verified`, ok: true });
    attestations[att.name] = accepted.map((s) => ({
      ...identityOf(s.signer),
      predicateType: s.statement.predicateType,
    }));
    if (att.policy) {
      for (const s of accepted) {
        const r = runPolicy(att.policy, s.statement, opts);
        checks.push({ ...r, what: `${att.name} policy` });
        if (!r.ok) break;
      }
    }
  }
  return {
    matched: { attestations },
    result: { name: a.name, path: a.path, ok: checks.every((c) => c.ok), checks },
  };
}

type AuthorityMatch =
  | { readonly static: true }
  | { readonly signatures: Record<string, string>[] }
  | { readonly attestations: Record<string, Record<string, string>[]> };

function identityOf(s: SignerIdentity): Record<string, string> {
  return s.kind === 'key'
    ? { id: s.spkiSha256 }
    : { id: s.certificateSha256, subject: s.subject ?? '', issuer: s.issuer ?? '' };
}

function runPolicy(p: CipPolicy, input: unknown, opts: CipEvalOptions): Check {
  const from = p.source.kind === 'inline' && p.source.fetchedFrom ? ` (from ${p.source.fetchedFrom})` : '';
  const expected = `${p.type} policy at ${p.path}${from}`;
  if (p.type === 'rego')
    return {
      what: 'policy',
      expected,
      found: 'UNSUPPORTED: rego policies are not evaluated by vouch (fails closed)',
      ok: false,
      reason: 'policy-error',
    };
  if (p.source.kind !== 'inline') {
    return {
      what: 'policy',
      expected,
      found: `UNSUPPORTED: ${p.source.kind} policies must be inlined before evaluation (fails closed)`,
      ok: false,
      reason: 'policy-error',
    };
  }
  const compiled = p.cue ?? opts.cue.compile(p.source.data);
  if (!compiled.ok) {
    const tag = compiled.kind === 'syntax' ? 'POLICY_INVALID: CUE does not compile' : 'UNSUPPORTED';
    return {
      what: 'policy',
      expected,
      found: `${tag}: ${compiled.message} (fails closed)`,
      ok: false,
      reason: 'policy-error',
    };
  }
  const r = compiled.check(input, opts.now);
  if (r.ok) return { what: 'policy', expected, found: 'satisfied', ok: true };
  return {
    what: 'policy',
    expected,
    found: `${r.kind === 'unsupported' ? 'UNSUPPORTED: ' : ''}${r.message}`,
    ok: false,
    reason: r.kind === 'unsupported' ? 'policy-error' : 'policy-condition',
  };
}

/** The first failing comparison of each failed authority, for the one-line reason. */
function explain(results: readonly AuthorityResult[]): string {
  const parts = results
    .filter((r) => !r.ok)
    .map((r) => {
      const c = r.checks.find((x) => !x.ok);
      return c ? `${r.name}: expected ${c.expected}, found ${c.found}` : undefined;
    })
    .filter((x): x is string => x !== undefined);
  return parts.length > 0 ? `: ${parts.join('; ')}` : '';
}
