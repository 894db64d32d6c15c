import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { verdictOf } from './decider.js';
import type { DecisionRecord } from './review.js';
import type { CacheEvent } from './verdict-cache.js';
import { UNSIGNED_REASONS } from '../policy/index.js';

const UNSIGNED: ReadonlySet<string> = UNSIGNED_REASONS;

const VULN_LABELS = [
  'namespace',
  'resource_kind',
  'resource_name',
  'image_repository',
  'image_digest',
  'vuln_id',
  'severity',
  'resource',
  'installed_version',
] as const;
type VulnLabel = (typeof VULN_LABELS)[number];

/**
 * The webhook's Prometheus metrics, on a Registry of their own (never prom-client's global one, so two
 * servers in one process, as in tests and the drill, do not share counters). The first four names are
 * the supply-chain guide's metrics table, kept so its alerts and dashboards work unchanged.
 */
export class AdmissionMetrics {
  readonly registry = new Registry();
  readonly verificationFailures: Counter<'policy' | 'reason'>;
  readonly admissions: Counter<'policy' | 'result' | 'mode'>;
  readonly unsignedDeployments: Counter<'namespace'>;
  readonly sbomAgeHours: Gauge<'image'>;
  readonly vulnerabilities: Gauge<VulnLabel>;
  readonly requestDuration: Histogram<'endpoint'>;
  readonly requests: Counter<'endpoint' | 'code'>;
  readonly cacheEvents: Counter<'event'>;
  readonly cacheHitRatio: Gauge;
  readonly inFlight: Gauge;
  #hits = 0;
  #lookups = 0;

  constructor() {
    const registers = [this.registry];
    this.verificationFailures = new Counter({
      name: 'cosign_verification_failures_total',
      help: 'Image checks that failed or could not complete (missing or invalid signature, attestation, timeout)',
      labelNames: ['policy', 'reason'],
      registers,
    });
    this.admissions = new Counter({
      name: 'policy_controller_admissions_total',
      help: 'Admission decisions per policy: result allowed|denied|warned, mode enforce|audit',
      labelNames: ['policy', 'result', 'mode'],
      registers,
    });
    this.unsignedDeployments = new Counter({
      name: 'unsigned_image_deployments_total',
      help: 'Requests admitted in Audit that Enforce would have blocked because an image has no signature by a trusted signer',
      labelNames: ['namespace'],
      registers,
    });
    this.sbomAgeHours = new Gauge({
      name: 'sbom_age_hours',
      help: 'Age in hours of the newest verified SBOM attestation of each admitted image',
      labelNames: ['image'],
      registers,
    });
    // trivy-operator's metric name and label spelling, so its dashboards and alerts read vouch's data;
    // fed from verified vulnerability attestations instead of an in-cluster scanner.
    this.vulnerabilities = new Gauge({
      name: 'trivy_vulnerability_id',
      help: 'One series per vulnerability in the newest verified vulnerability attestation of each admitted image',
      labelNames: VULN_LABELS,
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'vouch_admission_request_duration_seconds',
      help: 'Time from request received to response written',
      labelNames: ['endpoint'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.requests = new Counter({
      name: 'vouch_admission_requests_total',
      help: 'HTTP requests to the webhook by endpoint and status code',
      labelNames: ['endpoint', 'code'],
      registers,
    });
    this.cacheEvents = new Counter({
      name: 'vouch_verdict_cache_events_total',
      help: 'Verdict cache lookups: hit, miss (computed), coalesced (joined a running computation)',
      labelNames: ['event'],
      registers,
    });
    const self = this;
    this.cacheHitRatio = new Gauge({
      name: 'vouch_verdict_cache_hit_ratio',
      help: 'Share of verdict cache lookups answered without a new verification (hits + coalesced)',
      registers,
      collect() {
        this.set(self.#lookups === 0 ? 0 : self.#hits / self.#lookups);
      },
    });
    this.inFlight = new Gauge({
      name: 'vouch_verifications_in_flight',
      help: 'Image decisions currently running',
      registers,
    });
  }

  /** Feed for VerdictCache's onEvent. */
  recordCacheEvent(event: CacheEvent): void {
    this.cacheEvents.inc({ event });
    this.#lookups += 1;
    if (event !== 'miss') this.#hits += 1;
  }

  /** Counts one decided request. Dry runs are not counted: they deploy nothing. */
  recordDecision(d: DecisionRecord): void {
    if (d.dryRun) return;
    const perPolicy = new Map<string, { result: 'allowed' | 'denied' | 'warned'; mode: string }>();
    // Only images without a signature the policy accepts count as unsigned: a trusted signature that
    // lacks its log entry, a missing attestation or a failing condition would also block, but it is not
    // an unsigned image, and the unsigned-image alert must not fire for it.
    let wouldBlockUnsigned = false;
    for (const img of d.images) {
      for (const o of img.outcomes) {
        const v = verdictOf(o);
        if (o.result === 'fail' || o.result === 'error') {
          this.verificationFailures.inc({ policy: o.policy, reason: o.reason ?? o.result });
        }
        if (v === 'warned' && o.reason !== undefined && UNSIGNED.has(o.reason)) wouldBlockUnsigned = true;
        const prev = perPolicy.get(o.policy);
        const rank = { allowed: 0, warned: 1, denied: 2 } as const;
        if (prev === undefined || rank[v] > rank[prev.result])
          perPolicy.set(o.policy, { result: v, mode: o.mode });
      }
      if (d.allowed && img.sbomCreatedAt !== undefined) {
        const hours = (d.at.getTime() - img.sbomCreatedAt.getTime()) / 3_600_000;
        const image = img.digest && !img.image.includes('@') ? `${img.image}@${img.digest}` : img.image;
        this.sbomAgeHours.set({ image }, Math.max(0, hours));
      }
      if (d.allowed && img.vulnerabilities !== undefined) {
        const at = img.image.search(/[@:][^/]*$/);
        const repository = at > 0 ? img.image.slice(0, at) : img.image;
        for (const v of img.vulnerabilities) {
          this.vulnerabilities.set(
            {
              namespace: d.resource.namespace,
              resource_kind: d.resource.kind,
              resource_name: d.resource.name,
              image_repository: repository,
              image_digest: img.digest ?? '',
              vuln_id: v.id,
              severity: v.severity.toUpperCase(),
              resource: v.package ?? '',
              installed_version: v.installedVersion ?? '',
            },
            1,
          );
        }
      }
    }
    for (const [policy, { result, mode }] of perPolicy) this.admissions.inc({ policy, result, mode });
    if (d.allowed && wouldBlockUnsigned) this.unsignedDeployments.inc({ namespace: d.resource.namespace });
  }
}
