import { VouchError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import {
  type AuthorityRequirement,
  type ConfigMapLookup,
  configMapsToRead,
  decide,
  evaluate,
  type Evidence,
  type EvidenceCollector,
  type EvaluateOptions,
  type ImageIdentity,
  type ImageVerdict,
  objectImages,
  type PolicyResult,
  type PolicySet,
  type ResourceContext,
  readsConfigMaps,
  resourceReads,
} from '../policy/index.js';
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
import { imageView } from '../policy/image-under-review.js';

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
        resource: resourceOf(req),
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

function outcomesOf(v: ImageVerdict, digest: Digest): RuleOutcome[] {
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

function outcomeOf(p: PolicyResult, image: string, digest: Digest): RuleOutcome {
  const mode = p.onFailure === 'deny' ? 'enforce' : 'audit';
  const base = { policy: p.policy, rule: p.rule ?? p.policy, mode } as const;
  if (p.passed) return { ...base, result: 'pass', message: p.summary };
  const failed = p.authorities.flatMap((a) => a.checks.filter((c) => !c.ok));
  // The reason is the most basic failure among the checks: nothing signed at all, then a missing
  // attestation, then an attestation whose content fails, then a signer the policy does not trust.
  const ranked = failed
    .map((c) => ({ c, reason: classify(c.what, c.found) }))
    .sort((x, y) => REASON_RANK[x.reason] - REASON_RANK[y.reason]);
  const first = ranked[0];
  const reason = first?.reason ?? 'untrusted-signer';
  return {
    ...base,
    result: 'fail',
    message: p.summary,
    ...(first ? { expected: `${first.c.what}: ${first.c.expected}`, found: first.c.found } : {}),
    fix: fixFor(reason, image, digest),
    reason,
  };
}

type Reason = 'no-signatures' | 'missing-attestation' | 'policy-condition' | 'untrusted-signer';

const REASON_RANK: Record<Reason, number> = {
  'no-signatures': 0,
  'missing-attestation': 1,
  'policy-condition': 2,
  'untrusted-signer': 3,
};

function classify(what: string, found: string): Reason {
  const w = what.toLowerCase();
  const f = found.toLowerCase();
  if (w.includes('attestation') || w.includes('predicate')) return 'missing-attestation';
  if (/no (verified )?signatures|no signatures attached|^none|nothing attached/.test(f))
    return 'no-signatures';
  if (w.includes('condition') || w.includes('policy')) return 'policy-condition';
  return 'untrusted-signer';
}

function fixFor(reason: Reason, image: string, digest: Digest): string {
  const at = `${image.replace(/[:@].*$/, (m) => (m.startsWith(':') && !m.includes('/') ? '' : m))}@${digest}`;
  switch (reason) {
    case 'no-signatures':
      return `sign the release through the approved pipeline: vouch sign --key cosign.key ${at}`;
    case 'missing-attestation':
      return `attest it: vouch attest --type cyclonedx --predicate sbom.cdx.json --key cosign.key ${at}`;
    case 'policy-condition':
      return 'the attestation content does not satisfy the policy: rebuild, rescan or fix the predicate';
    default:
      return 'the signer is not one the policy trusts: re-sign through the approved path, never bypass';
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
