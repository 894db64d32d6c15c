import { VouchError } from '../errors.js';
import type { Digest } from '../oci/index.js';
import {
  type AuthorityRequirement,
  type AuthorityResult,
  type Check,
  type ConfigMapLookup,
  configMapsToRead,
  evaluate,
  type Evidence,
  type EvidenceCollector,
  type EvaluateOptions,
  FAILURE_REASON_RANK,
  type FailureReason,
  type ImageIdentity,
  type ImageVerdict,
  objectImages,
  type PolicyResult,
  type PolicySet,
  type ResourceContext,
  readsConfigMaps,
  needsDigest,
  resourceReads,
} from '../policy/index.js';
import { decide } from '../evidence/index.js';
import { type ConfigMapSource, readConfigMaps } from './config-maps.js';
import type {
  DecideContext,
  DecisionInputs,
  ImageCheckRequest,
  ImageDecider,
  ImageDecision,
  ObjectImageField,
  RuleOutcome,
  RuleOwner,
  VulnerabilityFact,
} from './decider.js';
import { imageView } from '../policy/index.js';

/** Resolves an image reference as written in a pod spec to the digest it names right now. */
export interface ImageResolver {
  resolve(image: string, signal: AbortSignal): Promise<Digest>;
}

export interface PolicyDeciderOptions {
  /** The active policy set; read per decision so a reload takes effect without a restart. */
  policies: () => PolicySet;
  collector: EvidenceCollector;
  resolver: ImageResolver;
  evaluate?: Omit<EvaluateOptions, 'now'>;
  /** Where Kyverno `configMap` context entries are read; absent: every ConfigMap is missing (fail closed). */
  configMaps?: ConfigMapSource;
}

const SBOM_PREDICATES = new Set(['https://cyclonedx.org/bom', 'https://spdx.dev/Document']);

/**
 * The policy engine as the webhook's decider: resolve the image once to its digest, gather verified
 * evidence for every authority the matching policies name, evaluate, and turn each policy's result into
 * a rule outcome a developer can act on (what was expected, what was found, the command that fixes it).
 * Resolution failures throw: the webhook turns them into a deny in Enforce and a warning in Audit.
 */
export class PolicyDecider implements ImageDecider {
  constructor(private readonly opts: PolicyDeciderOptions) {}

  /** The resource facts the active policy set reads; keyed by that set so a reload starts afresh. */
  inputs(): DecisionInputs {
    const policies = this.opts.policies();
    const base = { facts: resourceReads(policies), scope: policies };
    // Policies without configMap context keep the plain key: nothing is read ahead of the cache.
    if (!readsConfigMaps(policies)) return base;
    return {
      ...base,
      external: async (req, ctx) => {
        const snapshot = await this.#readConfigMaps(policies, req);
        return { key: snapshot.fingerprint, decide: () => this.#decide(policies, req, ctx, snapshot.lookup) };
      },
    };
  }

  /** The object's images as the active set finds them: pod specs, plus its Kyverno imageExtractors. */
  images(kind: string, object: Readonly<Record<string, unknown>>): readonly ObjectImageField[] {
    return objectImages(this.opts.policies(), kind, object, { strict: false });
  }

  /**
   * The rules that select the image, from the policies alone (no digest, no evidence, no ConfigMap):
   * each policy result of an evidence-free evaluation names a rule that would have judged the image.
   * An image no policy selects is owned by the no-match policy when that denies or warns; a reference
   * that does not parse has no owner.
   */
  owners(req: ImageCheckRequest): readonly RuleOwner[] {
    try {
      imageView(req.image);
      const policies = this.opts.policies();
      const verdict = evaluate(
        { policies, images: [{ ref: req.image }], resource: resourceOf(req), evidence: new Map() },
        { ...this.opts.evaluate, now: new Date(0) },
      ).images[0];
      if (verdict === undefined) return [];
      if (verdict.policies.length === 0) {
        if (verdict.outcome === 'allow') return [];
        return [
          {
            policy: 'vouch-no-match',
            rule: 'no-match-policy',
            mode: verdict.outcome === 'deny' ? 'enforce' : 'audit',
          },
        ];
      }
      const seen = new Map<string, RuleOwner>();
      for (const p of verdict.policies) {
        const owner: RuleOwner = {
          policy: p.policy,
          rule: p.rule ?? p.policy,
          mode: p.onFailure === 'deny' ? 'enforce' : 'audit',
        };
        seen.set(JSON.stringify([owner.policy, owner.rule, owner.mode]), owner);
      }
      return [...seen.values()];
    } catch {
      return [];
    }
  }

  async decide(req: ImageCheckRequest, ctx: DecideContext): Promise<ImageDecision> {
    // Read before the first await: a cache asks inputs() in the same tick, so the set that decides is
    // the set whose reads keyed the decision, even when a reload lands while the image resolves.
    const policies = this.opts.policies();
    const lookup = readsConfigMaps(policies) ? (await this.#readConfigMaps(policies, req)).lookup : undefined;
    return this.#decide(policies, req, ctx, lookup);
  }

  /** The ConfigMaps the rules matching this request name, read now from the configured source. */
  #readConfigMaps(policies: PolicySet, req: ImageCheckRequest) {
    return readConfigMaps(configMapsToRead(policies, resourceOf(req)), this.opts.configMaps);
  }

  async #decide(
    policies: PolicySet,
    req: ImageCheckRequest,
    ctx: DecideContext,
    configMaps: ConfigMapLookup | undefined,
  ): Promise<ImageDecision> {
    const resource = resourceOf(req);
    // Static-only and no-match verdicts read nothing but the reference: no tag resolution, so an
    // unreachable registry cannot turn them into an error, and no digest (hence no pin) comes back.
    if (!needsDigest(policies, req.image, resource, this.opts.evaluate ?? {})) {
      return this.#decideByReference(policies, req, ctx, resource, configMaps);
    }
    const digest = await this.opts.resolver.resolve(req.image, ctx.signal);
    const seen: Evidence[] = [];
    const recording: EvidenceCollector = {
      collect: async (image: ImageIdentity, r: AuthorityRequirement) => {
        const e = await this.opts.collector.collect(image, r);
        seen.push(e);
        return e;
      },
    };
    const decision = await decide(
      {
        policies,
        // The pointer only makes the engine compute the pinned value; the webhook knows the real fields.
        images: [{ ref: req.image, digest, pointer: '' }],
        resource,
        ...(configMaps ? { configMaps } : {}),
      },
      recording,
      { ...this.opts.evaluate, now: ctx.now },
    );
    const verdict = decision.images[0];
    if (!verdict) throw new VouchError('INTERNAL', `policy engine returned no verdict for ${req.image}`);
    const sbomCreatedAt = newestSbom(seen, digest);
    const vulnerabilities = newestVulnFindings(seen, digest);
    return {
      digest,
      ...(verdict.patch ? { pinnedReference: verdict.patch.value } : {}),
      ...(sbomCreatedAt ? { sbomCreatedAt } : {}),
      ...(vulnerabilities ? { vulnerabilities } : {}),
      outcomes: outcomesOf(verdict, digest),
    };
  }

  async #decideByReference(
    policies: PolicySet,
    req: ImageCheckRequest,
    ctx: DecideContext,
    resource: ResourceContext,
    configMaps: ConfigMapLookup | undefined,
  ): Promise<ImageDecision> {
    const nothing: EvidenceCollector = {
      collect: async () => {
        throw new VouchError('INTERNAL', `${req.image}: evidence asked for an image judged by reference`);
      },
    };
    const decision = await decide(
      { policies, images: [{ ref: req.image }], resource, ...(configMaps ? { configMaps } : {}) },
      nothing,
      { ...this.opts.evaluate, now: ctx.now },
    );
    const verdict = decision.images[0];
    if (!verdict) throw new VouchError('INTERNAL', `policy engine returned no verdict for ${req.image}`);
    return { outcomes: outcomesOf(verdict, undefined) };
  }
}

function resourceOf(req: ImageCheckRequest): ResourceContext {
  return {
    apiVersion: req.resource.apiVersion,
    kind: req.resource.kind,
    name: req.resource.name,
    namespace: req.namespace,
    labels: req.labels ?? {},
    annotations: req.annotations ?? {},
    namespaceLabels: req.namespaceLabels,
    operation: req.operation ?? 'CREATE',
    ...(req.object !== undefined ? { object: req.object } : {}),
  };
}

function outcomesOf(v: ImageVerdict, digest: Digest | undefined): RuleOutcome[] {
  if (v.policies.length === 0) {
    if (v.outcome === 'allow') return [];
    return [
      {
        policy: 'vouch-no-match',
        rule: 'no-match-policy',
        result: 'fail',
        mode: v.outcome === 'deny' ? 'enforce' : 'audit',
        message: v.reasons[0] ?? `no policy selects ${v.image}`,
        expected: 'a policy that selects this image',
        found: 'none',
        fix: 'add the image to a ClusterImagePolicy glob or Kyverno imageReferences, or set --no-match-policy',
        reason: 'no-policy',
      },
    ];
  }
  return v.policies.map((p) => outcomeOf(p, v.image, digest));
}

function outcomeOf(p: PolicyResult, image: string, digest: Digest | undefined): RuleOutcome {
  const mode = p.onFailure === 'deny' ? 'enforce' : 'audit';
  const base = { policy: p.policy, rule: p.rule ?? p.policy, mode } as const;
  if (p.passed) return { ...base, result: 'pass', message: p.summary };
  const first = failureOf(p);
  const reason = first?.reason ?? 'untrusted-signer';
  return {
    ...base,
    result: 'fail',
    message: p.summary,
    ...(first ? { expected: `${first.check.what}: ${first.check.expected}`, found: first.check.found } : {}),
    fix: fixFor(reason, image, digest),
    reason,
  };
}

/**
 * The failure of this policy that its reason label names, from this policy's own checks only:
 * - a ClusterImagePolicy passes when any authority passes, so the failure is that of the authority that
 *   came closest (a trusted signature without its log entry is not "no signatures" because a second
 *   authority found none), each authority judged by its most basic failing check;
 * - a Kyverno rule needs every attestor set and attestation, so the failure is its most basic one.
 * Checks carry their reason from where they were made; one without (older evidence paths) is classified
 * from its text.
 */
function failureOf(p: PolicyResult): { check: Check; reason: FailureReason } | undefined {
  const basic = (a: AuthorityResult) => {
    let worst: { check: Check; reason: FailureReason } | undefined;
    for (const check of a.checks) {
      if (check.ok || (check.reason === undefined && check.what === 'attestors')) continue;
      const reason = check.reason ?? classify(check.what, check.found);
      if (worst === undefined || FAILURE_REASON_RANK[reason] < FAILURE_REASON_RANK[worst.reason])
        worst = { check, reason };
    }
    return worst;
  };
  let chosen: { check: Check; reason: FailureReason } | undefined;
  for (const a of p.authorities) {
    if (a.ok) continue;
    const f = basic(a);
    if (f === undefined) continue;
    const better =
      chosen === undefined ||
      (p.engine === 'cip'
        ? FAILURE_REASON_RANK[f.reason] > FAILURE_REASON_RANK[chosen.reason]
        : FAILURE_REASON_RANK[f.reason] < FAILURE_REASON_RANK[chosen.reason]);
    if (better) chosen = f;
  }
  return chosen;
}

function classify(what: string, found: string): FailureReason {
  const w = what.toLowerCase();
  const f = found.toLowerCase();
  if (w.includes('attestation') || w.includes('predicate')) return 'missing-attestation';
  if (/no (verified )?signatures|no signatures attached|^none|nothing attached/.test(f))
    return 'no-signatures';
  if (w.includes('condition')) return 'policy-condition';
  return 'untrusted-signer';
}

function fixFor(reason: FailureReason, image: string, digest: Digest | undefined): string {
  const at =
    digest === undefined
      ? image
      : `${image.replace(/[:@].*$/, (m) => (m.startsWith(':') && !m.includes('/') ? '' : m))}@${digest}`;
  switch (reason) {
    case 'no-signatures':
    case 'no-evidence':
      return `sign the release through the approved pipeline: vouch sign --key cosign.key ${at}`;
    case 'missing-attestation':
      return `attest it: vouch attest --type cyclonedx --predicate sbom.cdx.json --key cosign.key ${at}`;
    case 'policy-condition':
      return 'the attestation content does not satisfy the policy: rebuild, rescan or fix the predicate';
    case 'untrusted-signer':
      return 'the signer is not one the policy trusts: re-sign through the approved path, never bypass';
    case 'wrong-repository':
      return "the trusted signature is stored outside the repository the policy reads: copy it there (vouch copy) or fix the policy's source";
    case 'no-tlog-entry':
      return 'the signature is valid but was never logged in Rekor: sign with the transparency-log upload (cosign sign --key …), or accept offline signatures in the policy (Kyverno rekor.ignoreTlog: true; a ClusterImagePolicy without ctlog.url)';
    case 'no-timestamp':
      return 'the policy requires an RFC 3161 timestamp: sign with a timestamp authority';
    case 'digest-required':
      return `reference the image by digest (${at}) or let the policy pin it (mutateDigest: true)`;
    case 'digest-mismatch':
      return 'the digest in the reference is not what the registry serves: fix the reference';
    case 'static-fail':
      return 'a static authority rejects this image: use an image the policy admits';
    case 'policy-error':
      return 'the policy could not be evaluated: check it with vouch policy lint';
  }
}

function newestSbom(evidence: readonly Evidence[], digest: Digest): Date | undefined {
  let newest: Date | undefined;
  for (const e of evidence) {
    if (e.digest !== digest) continue;
    for (const a of e.attestations) {
      if (!SBOM_PREDICATES.has(a.statement.predicateType)) continue;
      const t = sbomTimestamp(a.statement.predicate);
      if (t && (!newest || t > newest)) newest = t;
    }
  }
  return newest;
}

/** CycloneDX `metadata.timestamp`, SPDX `creationInfo.created`. */
function sbomTimestamp(predicate: unknown): Date | undefined {
  if (typeof predicate !== 'object' || predicate === null) return undefined;
  const p = predicate as Record<string, unknown>;
  const meta = p['metadata'] as Record<string, unknown> | undefined;
  const info = p['creationInfo'] as Record<string, unknown> | undefined;
  const raw = meta?.['timestamp'] ?? info?.['created'];
  if (typeof raw !== 'string') return undefined;
  const d = new Date(raw);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const VULN_PREDICATE = 'https://cosign.sigstore.dev/attestation/vuln/v1';

/**
 * The findings of the newest verified cosign-vuln attestation (by `metadata.scanFinishedOn`): vouch's
 * own predicates list them under `scanner.result.findings`; other scanners' results are free-form and
 * give none.
 */
function newestVulnFindings(evidence: readonly Evidence[], digest: Digest): VulnerabilityFact[] | undefined {
  let best: { at: number; predicate: Record<string, unknown> } | undefined;
  for (const e of evidence) {
    if (e.digest !== digest) continue;
    for (const a of e.attestations) {
      if (a.statement.predicateType !== VULN_PREDICATE) continue;
      const p = asRecord(a.statement.predicate);
      const finished = Date.parse(String(asRecord(p?.['metadata'])?.['scanFinishedOn'] ?? ''));
      if (p && (!best || (Number.isFinite(finished) && finished > best.at))) {
        best = { at: Number.isFinite(finished) ? finished : 0, predicate: p };
      }
    }
  }
  if (!best) return undefined;
  const findings = asRecord(asRecord(best.predicate['scanner'])?.['result'])?.['findings'];
  if (!Array.isArray(findings)) return [];
  const out: VulnerabilityFact[] = [];
  for (const f of findings) {
    const r = asRecord(f);
    const id = r?.['id'];
    const level = asRecord(r?.['severity'])?.['level'];
    if (typeof id !== 'string' || typeof level !== 'string') continue;
    const pkg = asRecord(r?.['package']);
    out.push({
      id,
      severity: level,
      ...(typeof pkg?.['name'] === 'string' ? { package: pkg['name'] } : {}),
      ...(typeof pkg?.['version'] === 'string' ? { installedVersion: pkg['version'] } : {}),
    });
  }
  return out;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}
