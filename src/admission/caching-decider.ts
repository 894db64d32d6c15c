import { createHash } from 'node:crypto';
import type {
  DecideContext,
  DecisionInputs,
  ImageCheckRequest,
  ImageDecider,
  ImageDecision,
  ObjectImageField,
  RequestFacts,
  RuleOwner,
} from './decider.js';
import { workloadImageFields } from '../policy/index.js';
import { VerdictCache, type CacheEvent } from './verdict-cache.js';

export interface CachingDeciderOptions {
  readonly maxEntries: number;
  readonly successTtlMs: number;
  readonly failureTtlMs: number;
  readonly now: () => number;
  readonly onEvent?: (event: CacheEvent) => void;
}

const ALL_FACTS: RequestFacts = {
  labels: true,
  annotations: true,
  name: true,
  operation: true,
  object: true,
};

/**
 * The webhook's hot path: decisions cached per (image, apiVersion, kind, namespace, namespace labels),
 * since policy scoping depends on those, plus exactly the object facts the decider says its policies
 * read (labels, annotations, name, operation, the whole object). Keying on facts no policy reads would
 * split pods of one ReplicaSet (generated names) into separate entries; leaving out a fact a policy
 * reads would serve one pod's verdict to another. A decision with no failing or erroring rule counts
 * as a success. Coalesced requests share the first request's context (its `now` and deadline signal):
 * a join that arrives later waits at most as long as that first request, which its own deadline bounds.
 */
export class CachingDecider implements ImageDecider {
  readonly cache: VerdictCache<ImageDecision>;
  readonly #scopes = new WeakMap<object, number>();
  #nextScope = 1;

  constructor(
    private readonly inner: ImageDecider,
    opts: CachingDeciderOptions,
  ) {
    this.cache = new VerdictCache<ImageDecision>({
      ...opts,
      isSuccess: (d) => d.outcomes.every((o) => o.result === 'pass' || o.result === 'skip'),
    });
  }

  /** Not cached: finding images is pure and cheap next to verifying them. */
  images(kind: string, object: Readonly<Record<string, unknown>>): readonly ObjectImageField[] {
    return this.inner.images ? this.inner.images(kind, object) : workloadImageFields(kind, object);
  }

  /** Not cached: who owns an image is read from the policies alone, and only asked after a failure. */
  owners(req: ImageCheckRequest): readonly RuleOwner[] {
    return this.inner.owners?.(req) ?? [];
  }

  decide(req: ImageCheckRequest, ctx: DecideContext): Promise<ImageDecision> {
    // inputs() and decide() run in the same tick, so the key describes the policy set that decides.
    const inputs = this.inner.inputs?.();
    const key = this.keyOf(req, inputs);
    if (inputs?.external) {
      // Policies that read ConfigMaps: the data read is part of the key, so a changed ConfigMap (a
      // rotated key) never gets a verdict made with its old data.
      return inputs
        .external(req, ctx)
        .then((x) =>
          key === undefined ? x.decide() : this.cache.get(`${key}\u0000x:${x.key}`, () => x.decide()),
        );
    }
    // An object too deeply nested to serialise has no key: it is decided, just never cached.
    if (key === undefined) return this.inner.decide(req, ctx);
    return this.cache.get(key, () => this.inner.decide(req, ctx));
  }

  /** Forgets every cached decision (policies or trust roots changed). */
  invalidate(): void {
    this.cache.clear();
  }

  private keyOf(req: ImageCheckRequest, inputs: DecisionInputs | undefined): string | undefined {
    const facts = inputs?.facts ?? ALL_FACTS;
    const parts = [
      inputs ? `s${this.scopeId(inputs.scope)}` : 's0',
      req.image,
      req.resource.apiVersion,
      req.resource.kind,
      req.namespace,
      sortedPairs(req.namespaceLabels),
    ];
    // Each optional fact is tagged, so keys of policy sets that read different facts never collide.
    if (facts.object) {
      const digest = objectDigest(req.object);
      if (digest === undefined) return undefined;
      parts.push(`o:${digest}`, `n:${req.resource.name}`, `op:${req.operation ?? ''}`);
    } else {
      if (facts.labels) parts.push(`l:${sortedPairs(req.labels ?? {})}`);
      if (facts.annotations) parts.push(`a:${sortedPairs(req.annotations ?? {})}`);
      if (facts.name) parts.push(`n:${req.resource.name}`);
      if (facts.operation) parts.push(`op:${req.operation ?? ''}`);
    }
    return parts.join('\u0000');
  }

  private scopeId(scope: object): number {
    let id = this.#scopes.get(scope);
    if (id === undefined) {
      id = this.#nextScope++;
      this.#scopes.set(scope, id);
    }
    return id;
  }
}

/** `k=v` pairs sorted by key, JSON-quoted so no key or value can fake a separator. */
function sortedPairs(m: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * A digest of the object as received: the key must change whenever any field a precondition could
 * read changes. Objects equal up to key order hash differently, which costs a miss, never a wrong hit.
 */
function objectDigest(object: unknown): string | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(object);
  } catch (e) {
    // JSON.stringify recurses: an attacker-nested object overflows the stack. Anything else is a bug.
    if (e instanceof RangeError) return undefined;
    throw e;
  }
  return createHash('sha256')
    .update(json ?? 'undefined')
    .digest('hex');
}
