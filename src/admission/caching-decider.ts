import type { DecideContext, ImageCheckRequest, ImageDecider, ImageDecision } from './decider.js';
import { VerdictCache, type CacheEvent } from './verdict-cache.js';

export interface CachingDeciderOptions {
  readonly maxEntries: number;
  readonly successTtlMs: number;
  readonly failureTtlMs: number;
  readonly now: () => number;
  readonly onEvent?: (event: CacheEvent) => void;
}

/**
 * The webhook's hot path: decisions cached per (image, kind, namespace, namespace labels), since policy
 * scoping depends on the namespace. A decision with no failing or erroring rule counts as a success.
 * Coalesced requests share the first request's context (its `now` and deadline signal): a join that
 * arrives later waits at most as long as that first request, which its own deadline bounds anyway.
 */
export class CachingDecider implements ImageDecider {
  readonly cache: VerdictCache<ImageDecision>;

  constructor(
    private readonly inner: ImageDecider,
    opts: CachingDeciderOptions,
  ) {
    this.cache = new VerdictCache<ImageDecision>({
      ...opts,
      isSuccess: (d) => d.outcomes.every((o) => o.result === 'pass' || o.result === 'skip'),
    });
  }

  decide(req: ImageCheckRequest, ctx: DecideContext): Promise<ImageDecision> {
    const labels = Object.entries(req.namespaceLabels)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    // Kyverno rules match on kind, CIPs on namespace labels: both are part of what was decided.
    const key = `${req.image}\u0000${req.resource.kind}\u0000${req.namespace}\u0000${labels}`;
    return this.cache.get(key, () => this.inner.decide(req, ctx));
  }

  /** Forgets every cached decision (policies or trust roots changed). */
  invalidate(): void {
    this.cache.clear();
  }
}
