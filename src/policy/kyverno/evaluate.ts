import type { Evidence } from '../evidence.js';
import { EvidenceMemo } from '../evidence-memo.js';
import {
  type ImageParts,
  type ImageUnderReview,
  type ImageView,
  kyvernoImageString,
} from '../image-under-review.js';
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
import type { AuthorityResult, Check, ImagePatch, PolicyResult } from '../verdict.js';
import type { ResourceContext } from '../workload.js';
import { evaluateConditions } from './conditions.js';
import type {
  AttestorSet,
  FailureAction,
  ImageVerification,
  KyvernoPolicy,
  KyvernoRule,
  LeafAttestor,
} from './model.js';
import { wildcardMatch } from './wildcard.js';
import { createHash, X509Certificate } from 'node:crypto';

/** The imageReferences pattern of `iv` selecting `image` (and not skipped), or undefined. */
export function kyvernoMatchingPattern(iv: ImageVerification, image: ImageView): string | undefined {
  const s = image.kyvernoString;
  if (iv.skipImageReferences.some((p) => wildcardMatch(p, s))) return undefined;
  return iv.imageReferences.find((p) => wildcardMatch(p, s));
}

/** The failure action in force for a namespace: per-entry failureAction, then overrides, then the policy's. */
export function effectiveAction(
  policy: KyvernoPolicy,
  iv: ImageVerification,
  r: ResourceContext | undefined,
): FailureAction {
  if (iv.failureAction) return iv.failureAction;
  if (r) {
    for (const o of policy.actionOverrides) {
      const nsOk = o.namespaces.length === 0 || o.namespaces.some((n) => wildcardMatch(n, r.namespace));
      const selOk =
        o.namespaceSelector === undefined || selectorMatches(o.namespaceSelector, r.namespaceLabels);
      if ((o.namespaces.length > 0 || o.namespaceSelector) && nsOk && selOk) return o.action;
    }
  }
  return policy.validationFailureAction;
}

// Bindings depend only on the (immutable) parsed attestor; computing them hashes PEM roots and parses
// pinned certificates, so each is computed once per loaded policy, not once per admission.
const bindingCache = new WeakMap<object, BindingExpectation>();

/** What one Kyverno attestor entry accepts as a signer, where signatures may live, and tlog needs. */
export function attestorBinding(a: LeafAttestor, iv: ImageVerification): BindingExpectation {
  const cached = bindingCache.get(a);
  if (cached) return cached;
  const b = computeBinding(a, iv);
  bindingCache.set(a, b);
  return b;
}

function computeBinding(a: LeafAttestor, iv: ImageVerification): BindingExpectation {
  const repositories = [a.repository ?? iv.repository]
    .filter((x): x is string => x !== undefined)
    .map(normaliseRepo);
  let signer: SignerExpectation;
  switch (a.kind) {
    case 'keys':
      signer = a.publicKey
        ? { kind: 'key', spkiSha256: a.publicKey.spkiSha256 }
        : { kind: 'key', ...(a.keyRef ? { keyRef: a.keyRef } : {}) };
      break;
    case 'keyless':
      signer = {
        kind: 'keyless',
        trustAnchor: a.roots ? pemAnchor(a.roots) : fulcioAnchor('https://fulcio.sigstore.dev'),
        identities: [{ issuer: a.issuer, subject: a.subject }],
        extensions: a.additionalExtensions,
      };
      break;
    case 'certificates':
      signer = a.cert
        ? { kind: 'certificate', trustAnchor: 'leaf-pinned', leafSha256: certSha256(a.cert) }
        : { kind: 'certificate', trustAnchor: pemAnchor(a.certChain ?? '') };
      break;
  }
  return { signer, tlogRequired: !a.rekor.ignoreTlog, rfc3161Required: false, repositories };
}

function certSha256(pem: string): string {
  try {
    return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
  } catch {
    return 'unparseable-certificate';
  }
}

/** `path`: the entry's field path, which (after the policy's source and name) is its requirement id. */
type EntryCheck = (b: BindingExpectation, path: string) => { ok: boolean; checks: readonly Check[] };

/** An attestor set passes when `count` entries (all when unset) pass; nested sets recurse. */
function evaluateSet(set: AttestorSet, iv: ImageVerification, check: EntryCheck): AuthorityResult {
  const results: AuthorityResult[] = set.entries.map((e) => {
    if (e.kind === 'nested') return evaluateSet(e.set, iv, check);
    if (e.kind === 'template') {
      // Callers resolve templates first (resolve.ts); one left here verifies nothing, so it fails.
      return {
        name: `template ${e.path}`,
        path: e.path,
        ok: false,
        checks: [
          {
            what: 'attestor',
            expected: 'variables substituted',
            found: 'unresolved {{ … }}',
            ok: false,
            reason: 'policy-error',
          },
        ],
      };
    }
    const r = check(attestorBinding(e, iv), e.path);
    return { name: `${e.kind} ${e.path}`, path: e.path, ok: r.ok, checks: r.checks };
  });
  const need = set.count ?? set.entries.length;
  const passed = results.filter((r) => r.ok).length;
  return {
    name: `attestor set ${set.path}`,
    path: set.path,
    ok: passed >= need,
    checks: [
      {
        what: 'attestors',
        expected: `${need} of ${set.entries.length} entries verified`,
        found: `${passed} verified`,
        ok: passed >= need,
      },
      ...results.flatMap((r) => r.checks.map((c) => ({ ...c, what: `${r.path}: ${c.what}` }))),
    ],
  };
}

export interface KyvernoImageResult {
  readonly result: PolicyResult;
  readonly patch?: ImagePatch;
}

// The authority results depend only on the verifyImages entry, the evidence and the image identity,
// never on the resource or the failure action: kept per evidence object (see EvidenceMemo).
const authorityAnswers = new EvidenceMemo<readonly AuthorityResult[]>();

function verifyImageAuthorities(
  iv: ImageVerification,
  image: ImageUnderReview,
  view: ImageView,
  evidence: Evidence | undefined,
  vars: Readonly<Record<string, unknown>> | undefined,
  /** `<source>:<policy>:`, the prefix of this policy's evidence requirement ids. */
  requirements: string,
): readonly AuthorityResult[] {
  // Evidence is looked up by the image's digest; anything else is not memoised (defence in depth).
  // Conditions that read the request or context variables depend on the resource: not memoised either.
  if (evidence === undefined || evidence.digest !== image.digest || vars !== undefined) {
    return computeAuthorities(iv, image, view, evidence, vars, requirements);
  }
  let r = authorityAnswers.get(evidence, iv, view);
  if (r === undefined) {
    r = computeAuthorities(iv, image, view, evidence, undefined, requirements);
    authorityAnswers.set(evidence, iv, view, r);
  }
  return r;
}

function computeAuthorities(
  iv: ImageVerification,
  image: ImageUnderReview,
  view: ImageView,
  evidence: Evidence | undefined,
  vars: Readonly<Record<string, unknown>> | undefined,
  requirements: string,
): AuthorityResult[] {
  const parts: ImageParts = view.parts;
  const repo = view.repository;
  const authorities: AuthorityResult[] = [];
  // verifyDigest: the workload must name a digest, unless mutateDigest pins it on admission.
  if (iv.verifyDigest && parts.digest === undefined && !iv.mutateDigest) {
    authorities.push({
      name: 'verifyDigest',
      path: `${iv.path}.verifyDigest`,
      ok: false,
      checks: [
        {
          what: 'digest',
          expected: 'image referenced by digest',
          found: `missing digest for ${kyvernoImageString(parts)}`,
          ok: false,
          reason: 'digest-required',
        },
      ],
    });
  }
  if (parts.digest !== undefined && image.digest !== undefined && parts.digest !== image.digest) {
    authorities.push({
      name: 'digest',
      path: iv.path,
      ok: false,
      checks: [
        { what: 'digest', expected: parts.digest, found: image.digest, ok: false, reason: 'digest-mismatch' },
      ],
    });
  }

  for (const set of iv.attestors) {
    authorities.push(
      evaluateSet(set, iv, (b, path) => {
        const { accepted, checks } = acceptedSignatures(
          b,
          evidence,
          image.digest,
          repo,
          `${requirements}${path}`,
        );
        return { ok: accepted.length > 0, checks };
      }),
    );
  }
  for (const att of iv.attestations) {
    const sets = att.attestors.length > 0 ? att.attestors : iv.attestors;
    const what = `attestation ${att.predicateType}`;
    if (sets.length === 0) {
      authorities.push({
        name: what,
        path: att.path,
        ok: false,
        checks: [
          {
            what,
            expected: 'attestors to verify it',
            found: 'none configured',
            ok: false,
            reason: 'policy-error',
          },
        ],
      });
      continue;
    }
    for (const set of sets) {
      const r = evaluateSet(set, iv, (b) => {
        const { accepted, found } = acceptedAttestations(b, evidence, image.digest, repo, att.predicateType);
        const checks: Check[] = [
          {
            what,
            expected: `${att.predicateType} signed by ${b.signer.kind}`,
            found:
              accepted.length > 0
                ? `${accepted.length} verified`
                : found.join('; ') || 'no verified attestations',
            ok: accepted.length > 0,
            ...(accepted.length > 0
              ? {}
              : {
                  reason:
                    evidence === undefined || image.digest === undefined
                      ? ('no-evidence' as const)
                      : ('missing-attestation' as const),
                }),
          },
        ];
        if (accepted.length > 0 && att.conditions.length > 0) {
          for (const s of accepted) {
            const c = evaluateConditions(att.conditions, conditionData(s.statement.predicate, vars));
            checks.push({
              what: 'conditions',
              expected: `${att.path}.conditions hold`,
              found: c.ok ? 'held' : c.message,
              ok: c.ok,
              ...(c.ok ? {} : { reason: 'policy-condition' as const }),
            });
            if (!c.ok) break;
          }
        }
        return { ok: checks.every((c) => c.ok), checks };
      });
      authorities.push({ ...r, name: `${what} (${r.name})` });
    }
  }

  return authorities;
}

/**
 * The JMESPath root of attestation conditions: the predicate, merged over the rule's variables and the
 * admission context when the rule has variables (Kyverno adds the predicate to the rule's context).
 */
function conditionData(predicate: unknown, vars: Readonly<Record<string, unknown>> | undefined): unknown {
  if (vars === undefined) return predicate;
  if (typeof predicate !== 'object' || predicate === null || Array.isArray(predicate)) return vars;
  return { ...vars, ...(predicate as Record<string, unknown>) };
}

// The pinned form of a reference is asked for on every admitted container: kept per (view, digest).
const pinned = new WeakMap<ImageView, { readonly digest: string; readonly value: string }>();

function pinnedReference(view: ImageView, digest: string): string {
  const hit = pinned.get(view);
  if (hit !== undefined && hit.digest === digest) return hit.value;
  const value = kyvernoImageString({ ...view.parts, digest });
  pinned.set(view, { digest, value });
  return value;
}

// The admit-path summary names only the policy and rule: built once per parsed rule.
const verifiedSummaries = new WeakMap<KyvernoRule, string>();

function verifiedSummary(policy: KyvernoPolicy, rule: KyvernoRule): string {
  let s = verifiedSummaries.get(rule);
  if (s === undefined) {
    s = `${policy.name}/${rule.name}: image verified`;
    verifiedSummaries.set(rule, s);
  }
  return s;
}

/** Judges one image against one verifyImages entry of a rule that applies. */
export function evaluateImageVerification(
  policy: KyvernoPolicy,
  rule: KyvernoRule,
  iv: ImageVerification,
  pattern: string,
  image: ImageUnderReview,
  view: ImageView,
  evidence: Evidence | undefined,
  resource: ResourceContext | undefined,
  vars?: Readonly<Record<string, unknown>>,
): KyvernoImageResult {
  const parts: ImageParts = view.parts;
  const action = effectiveAction(policy, iv, resource);
  const authorities = verifyImageAuthorities(
    iv,
    image,
    view,
    evidence,
    vars,
    `${policy.source}:${policy.name}:`,
  );
  const passed = authorities.every((a) => a.ok);
  let patch: ImagePatch | undefined;
  // Kyverno mutates only in Enforce: an audited request is admitted as written.
  if (
    passed &&
    action === 'Enforce' &&
    iv.mutateDigest &&
    parts.digest === undefined &&
    image.digest !== undefined &&
    image.pointer !== undefined
  ) {
    patch = { op: 'replace', path: image.pointer, value: pinnedReference(view, image.digest) };
  }
  const onFailure: PolicyResult['onFailure'] = action === 'Enforce' && iv.required ? 'deny' : 'warn';
  return {
    result: {
      engine: 'kyverno',
      policy: policy.name,
      rule: rule.name,
      source: policy.source,
      matchedBy: pattern,
      passed,
      onFailure,
      summary: passed
        ? verifiedSummary(policy, rule)
        : `${policy.name}/${rule.name} (${action}, imageReferences ${pattern}): ${authorities
            .filter((a) => !a.ok)
            .flatMap((a) => {
              // The set-level count first, then the first concrete miss inside it.
              const bad = a.checks.filter((c) => !c.ok);
              const leaf = bad.find((c) => c.what !== 'attestors');
              return [bad[0], leaf !== bad[0] ? leaf : undefined].filter((c): c is Check => c !== undefined);
            })
            .map((c) => `expected ${c.expected}, found ${c.found}`)
            .join('; ')}`,
      authorities,
    },
    ...(patch ? { patch } : {}),
  };
}

/**
 * The result of a rule whose preconditions, context (variables, ConfigMaps) or attestor substitutions
 * could not be evaluated: it fails as the entry's verification would (deny in Enforce, warn in Audit),
 * since skipping the rule would admit the image unverified.
 */
export function ruleErrorResult(
  policy: KyvernoPolicy,
  rule: KyvernoRule,
  iv: ImageVerification,
  pattern: string,
  resource: ResourceContext | undefined,
  message: string,
  /** What failed: the rule's preconditions/context (default), or its imageExtractors on this object. */
  stage: 'preconditions' | 'imageExtractors' = 'preconditions',
): PolicyResult {
  const action = effectiveAction(policy, iv, resource);
  const failed =
    stage === 'preconditions'
      ? 'context or preconditions could not be evaluated'
      : 'imageExtractors could not read the object';
  return {
    engine: 'kyverno',
    policy: policy.name,
    rule: rule.name,
    source: policy.source,
    matchedBy: pattern,
    passed: false,
    onFailure: action === 'Enforce' && iv.required ? 'deny' : 'warn',
    summary: `${policy.name}/${rule.name} (${action}, imageReferences ${pattern}): ${failed}: ${message}`,
    authorities: [
      {
        name: stage,
        path: `${rule.path}.${stage}`,
        ok: false,
        checks: [
          {
            what: stage,
            expected:
              stage === 'preconditions'
                ? 'preconditions and context variables that evaluate'
                : 'an object whose shape fits the extractor paths',
            found: `error: ${message}`,
            ok: false,
            reason: 'policy-error',
          },
        ],
      },
    ],
  };
}
