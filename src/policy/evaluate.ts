import { cipBinding, cipMatchingGlob, cipResourceMatches, evaluateCip } from './cip/evaluate.js';
import type { CueEngine } from './cue/evaluator.js';
import { cueSubset } from './cue/subset.js';
import type { AuthorityRequirement, Evidence } from './evidence.js';
import { type ImageUnderReview, type ImageView, imageView } from './image-under-review.js';
import {
  attestorBinding,
  evaluateImageVerification,
  kyvernoMatchingPattern,
  ruleErrorResult,
} from './kyverno/evaluate.js';
import { ruleApplies } from './kyverno/match.js';
import {
  type ConfigMapLookup,
  configMapsToRead as ruleConfigMaps,
  evaluatePreconditions,
} from './kyverno/variables.js';
import { resolveRule } from './kyverno/resolve.js';
import type {
  AttestorSet,
  ImageVerification,
  KyvernoPolicy,
  KyvernoRule,
  LeafAttestor,
} from './kyverno/model.js';
import type { ClusterImagePolicy } from './cip/model.js';
import type { PolicySet } from './load.js';
import type { Decision, ImagePatch, ImageVerdict, PolicyResult } from './verdict.js';
import { extractsKind, type ResourceContext } from './workload.js';
import {
  extractorsFor,
  extractWithExtractors,
  isWorkloadKind,
  workloadImageFields,
} from './workload-images.js';

/** policy-controller only acts in namespaces carrying this label with value "true". */
export const CIP_INCLUDE_LABEL = 'policy.sigstore.dev/include';

export interface EvaluateOptions {
  readonly now: Date;
  /**
   * What happens to an image no policy selects. Default: `deny` when any ClusterImagePolicy is loaded
   * (policy-controller's default), `allow` when only Kyverno policies are (Kyverno ignores such images).
   */
  readonly noMatchPolicy?: 'allow' | 'warn' | 'deny';
  /** Apply ClusterImagePolicies only in namespaces labelled policy.sigstore.dev/include=true (default true). */
  readonly cipNamespaceOptIn?: boolean;
  readonly cue?: CueEngine;
  /**
   * Lets real CUE answer what the CUE engine asked (see cue/answers.ts); `decide` then evaluates once
   * more. Without it, a policy waiting on real CUE fails closed.
   */
  readonly answerCue?: () => Promise<boolean>;
}

export interface EvaluateInput {
  readonly policies: PolicySet;
  readonly images: readonly ImageUnderReview[];
  /** The workload under admission; omit to judge bare images (`vouch policy test <ref>`). */
  readonly resource?: ResourceContext;
  /** Verified evidence per image digest. */
  readonly evidence: ReadonlyMap<string, Evidence>;
  /**
   * ConfigMaps for Kyverno `configMap` context entries; without it (or for one it does not know) such
   * a rule fails closed with "ConfigMap … not found", as Kyverno fails the rule.
   */
  readonly configMaps?: ConfigMapLookup;
}

function cipsApply(resource: ResourceContext | undefined, opts: EvaluateOptions): boolean {
  if (resource === undefined || opts.cipNamespaceOptIn === false) return true;
  return resource.namespaceLabels[CIP_INCLUDE_LABEL] === 'true';
}

/**
 * Judges every image of a request. Pure: same inputs, same decision. Never throws for a bad image or
 * missing evidence: those are denials with reasons.
 */
export function evaluate(input: EvaluateInput, opts: EvaluateOptions): Decision {
  const images = input.images.map((im) => evaluateOne(input, im, opts));
  const patches = images.flatMap((v) => (v.patch && v.outcome !== 'deny' ? [v.patch] : []));
  const reasons = images.flatMap((v) =>
    v.outcome === 'deny' ? v.reasons.map((r) => `${v.image}: ${r}`) : [],
  );
  const warnings = images.flatMap((v) =>
    v.outcome === 'warn' ? v.reasons.map((r) => `${v.image}: ${r}`) : [],
  );
  return { allowed: images.every((v) => v.outcome !== 'deny'), warnings, reasons, images, patches };
}

/**
 * Which policies select one image, in evaluation order: the part of a decision that depends only on
 * the (immutable) PolicySet and the image reference, so it is planned once per (set, reference) and
 * kept by object identity. Resource-dependent filters (namespace opt-in, match/exclude) are applied
 * per request on top of it.
 */
interface ImagePlan {
  readonly cips: readonly { readonly cip: ClusterImagePolicy; readonly glob: string }[];
  readonly kyverno: readonly {
    readonly kp: KyvernoPolicy;
    readonly rule: KyvernoRule;
    readonly iv: ImageVerification;
    /** Position of `iv` in its rule, to find it again in the rule resolved for a request. */
    readonly index: number;
    readonly pattern: string;
  }[];
}

const plans = new WeakMap<PolicySet, WeakMap<ImageView, ImagePlan>>();

function planFor(policies: PolicySet, view: ImageView): ImagePlan {
  let byView = plans.get(policies);
  if (byView === undefined) {
    byView = new WeakMap();
    plans.set(policies, byView);
  }
  let plan = byView.get(view);
  if (plan === undefined) {
    const cips: { cip: ClusterImagePolicy; glob: string }[] = [];
    for (const cip of policies.cips) {
      const glob = cipMatchingGlob(cip, view);
      if (glob !== undefined) cips.push({ cip, glob });
    }
    const kyverno: ImagePlan['kyverno'][number][] = [];
    for (const kp of policies.kyverno) {
      for (const rule of kp.rules) {
        for (const [index, iv] of rule.verifyImages.entries()) {
          const pattern = kyvernoMatchingPattern(iv, view);
          if (pattern !== undefined) kyverno.push({ kp, rule, iv, index, pattern });
        }
      }
    }
    plan = { cips, kyverno };
    byView.set(view, plan);
  }
  return plan;
}

/**
 * Whether judging `ref` needs its digest (and so a registry round trip): some Kyverno imageVerification
 * selects it, or a ClusterImagePolicy that applies to it has an authority that is not `static`. An image
 * no policy selects, or one only static authorities judge, is decided from the reference alone:
 * policy-controller's static authorities read nothing (`ValidatePolicy` answers them before any
 * signature fetch; policy-controller#1863 asks that they also skip tag resolution), and the no-match
 * verdict depends on the policy set only. An unparseable reference answers true, so the caller's
 * resolution reports it.
 */
export function needsDigest(
  policies: PolicySet,
  ref: string,
  resource: ResourceContext | undefined,
  opts: Pick<EvaluateOptions, 'cipNamespaceOptIn'> = {},
): boolean {
  let plan: ImagePlan;
  try {
    plan = planFor(policies, imageView(ref));
  } catch {
    return true;
  }
  if (plan.kyverno.length > 0) return true;
  const scope = objectImageScope(policies, resource);
  if (scope !== undefined && !scope.defaults.has(ref)) return false;
  if (!cipsApply(resource, { now: new Date(0), ...opts })) return false;
  return plan.cips.some(
    ({ cip }) =>
      cipResourceMatches(cip, resource) && cip.authorities.some((a) => a.verifier.kind !== 'static'),
  );
}

/** Which images of the object under admission one Kyverno rule judges. */
type RuleImages = { readonly images: ReadonlySet<string> } | { readonly error: string };

/**
 * Kyverno extracts a rule's images per rule: its `imageExtractors` for the object's kind, else the
 * built-in pod-spec fields (none for other kinds). The caller passes the union over all rules, so each
 * rule judges only its own share of it.
 */
interface ObjectImageScope {
  /** The built-in pod-spec images of the object: the only ones ClusterImagePolicies judge. */
  readonly defaults: ReadonlySet<string>;
  rule(rule: KyvernoRule): RuleImages;
}

const scopes = new WeakMap<PolicySet, WeakMap<object, Map<string, ObjectImageScope>>>();

/**
 * The per-rule image scope of the object under admission, or undefined when every rule judges every
 * image given (no object; or a workload kind no rule has extractors for, where every rule's images are
 * the built-in ones the caller extracted). Kept per (set, object, kind): an admitted object is never
 * mutated, and one request asks once per image.
 */
function objectImageScope(
  policies: PolicySet,
  resource: ResourceContext | undefined,
): ObjectImageScope | undefined {
  const obj = resource?.object;
  if (resource === undefined || typeof obj !== 'object' || obj === null) return undefined;
  const kind = resource.kind;
  if (isWorkloadKind(kind) && !extractsKind(policies, kind)) return undefined;
  let byObject = scopes.get(policies);
  if (byObject === undefined) {
    byObject = new WeakMap();
    scopes.set(policies, byObject);
  }
  let byKind = byObject.get(obj);
  if (byKind === undefined) {
    byKind = new Map();
    byObject.set(obj, byKind);
  }
  let scope = byKind.get(kind);
  if (scope === undefined) {
    const defaults = new Set(workloadImageFields(kind, obj).map((f) => f.image));
    const perRule = new Map<KyvernoRule, RuleImages>();
    scope = {
      defaults,
      rule(rule) {
        let r = perRule.get(rule);
        if (r === undefined) {
          const ex = extractorsFor(rule.imageExtractors, kind);
          if (ex === undefined) r = { images: defaults };
          else if (ex.length === 0) r = { error: `no extractors found for ${kind}` };
          else {
            try {
              r = { images: new Set(extractWithExtractors(obj, ex).map((x) => x.image)) };
            } catch (e) {
              r = { error: e instanceof Error ? e.message : String(e) };
            }
          }
          perRule.set(rule, r);
        }
        return r;
      },
    };
    byKind.set(kind, scope);
  }
  return scope;
}

function evaluateOne(input: EvaluateInput, image: ImageUnderReview, opts: EvaluateOptions): ImageVerdict {
  const { policies, resource } = input;
  const evidence = image.digest === undefined ? undefined : input.evidence.get(image.digest);
  const results: PolicyResult[] = [];
  let patch: ImagePatch | undefined;
  const base = {
    image: image.ref,
    ...(image.container ? { container: image.container } : {}),
    ...(image.pointer ? { pointer: image.pointer } : {}),
    ...(image.digest ? { digest: image.digest } : {}),
  };
  let cipScope = false;
  const scope = objectImageScope(policies, resource);
  // An image only a rule's imageExtractors found is no pod-spec image: policy-controller never sees it.
  const podImage = scope === undefined || scope.defaults.has(image.ref);
  try {
    const view = imageView(image.ref);
    const plan = planFor(policies, view);
    cipScope = podImage && policies.cips.length > 0 && cipsApply(resource, opts);
    if (cipScope) {
      const cipOpts = { cue: opts.cue ?? cueSubset, now: opts.now };
      for (const { cip, glob } of plan.cips) {
        if (!cipResourceMatches(cip, resource)) continue;
        results.push(evaluateCip(cip, glob, image, view, evidence, cipOpts));
      }
    }
    // A rule's match/exclude and preconditions are judged once per request even when several of its
    // entries select the image.
    let lastRule: KyvernoRule | undefined;
    let gate: RuleGate = { applies: true };
    for (const { kp, rule, iv, index, pattern } of plan.kyverno) {
      if (rule !== lastRule) {
        lastRule = rule;
        gate = ruleGate(kp, rule, resource, input.configMaps);
      }
      if ('error' in gate) {
        results.push(ruleErrorResult(kp, rule, iv, pattern, resource, gate.error));
        continue;
      }
      if (!gate.applies) continue;
      const mine = scope?.rule(rule);
      if (mine !== undefined) {
        if ('error' in mine) {
          results.push(ruleErrorResult(kp, rule, iv, pattern, resource, mine.error, 'imageExtractors'));
          continue;
        }
        if (!mine.images.has(image.ref)) continue;
      }
      const riv = gate.resolved?.verifyImages[index] ?? iv;
      const r = evaluateImageVerification(kp, rule, riv, pattern, image, view, evidence, resource, gate.vars);
      results.push(r.result);
      if (r.patch) patch = r.patch;
    }
  } catch (e) {
    // An unparseable reference cannot be verified: deny, with the reason, never throw mid-request.
    const msg = e instanceof Error ? e.message : String(e);
    return { ...base, outcome: 'deny', reasons: [msg], policies: results };
  }
  if (results.length === 0 && !podImage) {
    // Kyverno ignores an extracted image no rule's imageReferences select, whatever the no-match policy.
    return {
      ...base,
      outcome: 'allow',
      reasons: ['no imageExtractors rule selects this image'],
      policies: [],
    };
  }
  if (results.length === 0) {
    const policy = opts.noMatchPolicy ?? (policies.cips.length > 0 ? 'deny' : 'allow');
    if (policies.cips.length > 0 && !cipScope && opts.noMatchPolicy === undefined) {
      return {
        ...base,
        outcome: 'allow',
        reasons: [`namespace not opted in (${CIP_INCLUDE_LABEL}=true)`],
        policies: [],
      };
    }
    return {
      ...base,
      outcome: policy,
      reasons: [`no policy matches this image (no-match policy: ${policy})`],
      policies: [],
    };
  }
  let denied = false;
  let warned = false;
  for (const r of results) {
    if (r.passed) continue;
    if (r.onFailure === 'deny') denied = true;
    else warned = true;
  }
  if (!denied && !warned) {
    return { ...base, outcome: 'allow', reasons: [], policies: results, ...(patch ? { patch } : {}) };
  }
  // Denials first, then warnings, one line per failing policy.
  const reasons = [
    ...results.filter((r) => !r.passed && r.onFailure === 'deny'),
    ...results.filter((r) => !r.passed && r.onFailure === 'warn'),
  ].map((r) => r.summary);
  const outcome = denied ? 'deny' : 'warn';
  return { ...base, outcome, reasons, policies: results, ...(patch && !denied ? { patch } : {}) };
}

/** Whether a Kyverno rule applies to the request: match/exclude, then preconditions. */
type RuleGate =
  | { readonly applies: false }
  /**
   * `vars`: the rule's variables, for attestation conditions that read them. `resolved`: the rule with
   * its attestor templates substituted for this request (same verifyImages order), when it has templates.
   */
  | {
      readonly applies: true;
      readonly vars?: Readonly<Record<string, unknown>>;
      readonly resolved?: KyvernoRule;
    }
  | { readonly error: string };

function ruleGate(
  kp: KyvernoPolicy,
  rule: KyvernoRule,
  resource: ResourceContext | undefined,
  configMaps: ConfigMapLookup | undefined,
): RuleGate {
  if (resource && !ruleApplies(kp, rule.match, rule.exclude, resource)) return { applies: false };
  // The fast path: a rule with no context, preconditions or request reads has nothing to load.
  if (!rule.readsRequest && rule.context.length === 0) return { applies: true };
  const p = evaluatePreconditions(rule, resource, configMaps);
  if ('error' in p) return p;
  if (!p.applies) return { applies: false };
  if (!rule.templated) return { applies: true, vars: p.data };
  const r = resolveRule(rule, p.data);
  if (!r.ok) return { error: r.message };
  return { applies: true, vars: p.data, resolved: r.rule };
}

function setRequirements(sets: readonly AttestorSet[], fn: (a: LeafAttestor) => void): void {
  for (const s of sets) {
    for (const e of s.entries) {
      // A template left unresolved names no trust material: it gets no evidence and fails in evaluation.
      if (e.kind === 'nested') setRequirements([e.set], fn);
      else if (e.kind !== 'template') fn(e);
    }
  }
}

/** A ConfigMap a decision reads, by namespace and name. */
export interface ConfigMapRef {
  readonly namespace: string;
  readonly name: string;
}

/**
 * The ConfigMaps the Kyverno rules that match `resource` name in `configMap` context entries, distinct
 * and sorted: the edge reads these (API server, file) before a decision, which then evaluates purely.
 */
export function configMapsToRead(policies: PolicySet, resource: ResourceContext | undefined): ConfigMapRef[] {
  const out = new Map<string, ConfigMapRef>();
  for (const kp of policies.kyverno) {
    for (const rule of kp.rules) {
      if (!rule.context.some((c) => c.kind === 'configMap')) continue;
      if (resource && !ruleApplies(kp, rule.match, rule.exclude, resource)) continue;
      for (const ref of ruleConfigMaps(rule, resource))
        out.set(JSON.stringify([ref.namespace, ref.name]), ref);
    }
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/**
 * What the edge must verify for one image: one requirement per authority or attestor entry of every
 * policy that selects it. Static authorities need none.
 * @throws REFERENCE_INVALID when the image reference cannot be parsed
 */
export function evidenceRequirements(
  policies: PolicySet,
  image: ImageUnderReview,
  resource: ResourceContext | undefined,
  opts: Pick<EvaluateOptions, 'cipNamespaceOptIn'> & Pick<EvaluateInput, 'configMaps'> = {},
): AuthorityRequirement[] {
  const out = new Map<string, AuthorityRequirement>();
  const view = imageView(image.ref);
  const scope = objectImageScope(policies, resource);
  const podImage = scope === undefined || scope.defaults.has(image.ref);
  if (podImage && cipsApply(resource, { now: new Date(0), ...opts })) {
    for (const cip of policies.cips) {
      if (cipMatchingGlob(cip, view) === undefined || !cipResourceMatches(cip, resource)) continue;
      for (const a of cip.authorities) {
        const v = a.verifier;
        if (v.kind === 'static') continue;
        const common = {
          id: `${cip.source}:${cip.name}:${a.path}`,
          signatureRepositories: a.sources.map((s) => s.oci),
          predicateTypes: a.attestations.map((t) => t.predicateType),
          tlog: {
            required: a.tlog.required,
            ...(a.tlog.url ? { url: a.tlog.url } : {}),
            ...(a.tlog.trustRootRef ? { trustRootRef: a.tlog.trustRootRef } : {}),
          },
          rfc3161: {
            required: a.rfc3161 !== undefined,
            ...(a.rfc3161?.trustRootRef ? { trustRootRef: a.rfc3161.trustRootRef } : {}),
          },
        };
        const signer = cipBinding(a).signer;
        if (v.kind === 'key') {
          out.set(common.id, {
            ...common,
            kind: 'key',
            hashAlgorithm: v.hashAlgorithm,
            ...(v.key.kind === 'data'
              ? { publicKeyPem: v.key.pem }
              : signer.kind === 'key' && signer.keyRef
                ? { keyRef: signer.keyRef }
                : {}),
          });
        } else if (signer.kind === 'keyless') {
          out.set(common.id, {
            ...common,
            kind: 'keyless',
            trustAnchor: signer.trustAnchor,
            ...(v.caCert?.kind === 'data' ? { rootsPem: v.caCert.pem } : {}),
            ignoreSct: v.insecureIgnoreSct,
          });
        }
      }
    }
  }
  for (const kp of policies.kyverno) {
    for (const rule of kp.rules) {
      // A rule whose preconditions error still needs no evidence: its result is the error.
      const gate = ruleGate(kp, rule, resource, opts.configMaps);
      if ('error' in gate || !gate.applies) continue;
      // Nor does a rule that does not judge this image of the object, or cannot read the object.
      const mine = scope?.rule(rule);
      if (mine !== undefined && ('error' in mine || !mine.images.has(image.ref))) continue;
      // Keys read from a ConfigMap are known only now: the resolved rule's entries are ordinary ones.
      for (const iv of (gate.resolved ?? rule).verifyImages) {
        if (kyvernoMatchingPattern(iv, view) === undefined) continue;
        const add = (a: LeafAttestor, predicateTypes: string[]) => {
          const b = attestorBinding(a, iv);
          // One publicKeys value with several PEM blocks (written, or read from a ConfigMap) expands into
          // entries sharing a path: each key needs its own requirement, or only the last is verified.
          const id =
            a.kind === 'keys' && a.publicKey
              ? keyRequirementId(out, `${kp.source}:${kp.name}:${a.path}`, a.publicKey)
              : `${kp.source}:${kp.name}:${a.path}`;
          const prev = out.get(id);
          const common = {
            id,
            signatureRepositories: b.repositories,
            predicateTypes: [...new Set([...(prev?.predicateTypes ?? []), ...predicateTypes])],
            tlog: { required: b.tlogRequired, ...(a.rekor.url ? { url: a.rekor.url } : {}) },
            rfc3161: { required: false },
          };
          switch (a.kind) {
            case 'keys':
              out.set(id, {
                ...common,
                kind: 'key',
                hashAlgorithm: a.signatureAlgorithm,
                ...(a.publicKey ? { publicKeyPem: a.publicKey.pem } : {}),
                ...(a.keyRef ? { keyRef: a.keyRef } : {}),
              });
              break;
            case 'keyless':
              out.set(id, {
                ...common,
                kind: 'keyless',
                trustAnchor: b.signer.kind === 'keyless' ? b.signer.trustAnchor : '',
                ...(a.roots ? { rootsPem: a.roots } : {}),
                ignoreSct: a.ignoreSct,
              });
              break;
            case 'certificates':
              out.set(id, {
                ...common,
                kind: 'certificate',
                ...(a.cert ? { certificatePem: a.cert } : {}),
                ...(a.certChain ? { chainPem: a.certChain } : {}),
              });
              break;
          }
        };
        setRequirements(iv.attestors, (a) => add(a, []));
        for (const att of iv.attestations) {
          setRequirements(att.attestors.length > 0 ? att.attestors : iv.attestors, (a) =>
            add(a, [att.predicateType]),
          );
        }
      }
    }
  }
  return [...out.values()];
}

/** The id of a key requirement: its entry's path, plus the key's fingerprint when another key holds it. */
function keyRequirementId(
  out: ReadonlyMap<string, AuthorityRequirement>,
  base: string,
  key: { readonly pem: string; readonly spkiSha256: string },
): string {
  const prev = out.get(base);
  if (prev === undefined || (prev.kind === 'key' && prev.publicKeyPem === key.pem)) return base;
  return `${base}#${key.spkiSha256.slice(0, 16)}`;
}
