import { VouchError } from '../errors.js';

export interface VerdictCacheOptions<V> {
  /** Most entries kept; the least recently used goes first. */
  readonly maxEntries: number;
  /** How long a success stays fresh. */
  readonly successTtlMs: number;
  /**
   * How long a failure stays fresh: shorter, so a fix (a signature pushed after a deny) is seen soon,
   * yet long enough that a crash-looping unsigned pod does not re-verify on every restart.
   */
  readonly failureTtlMs: number;
  readonly isSuccess: (value: V) => boolean;
  /** Injected clock in milliseconds; the edge passes `Date.now`, tests pass a counter. */
  readonly now: () => number;
  readonly onEvent?: (event: CacheEvent) => void;
}

/** `hit` fresh entry; `miss` computed; `coalesced` joined an identical computation already running. */
export type CacheEvent = 'hit' | 'miss' | 'coalesced';

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

/**
 * A bounded LRU of computed values with separate TTLs for successes and failures, and in-flight
 * coalescing: concurrent `get`s of the same cold key share one computation. Rejections are shared by
 * the waiters but never cached, so "could not decide" is retried by the next request.
 */
export class VerdictCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #inFlight = new Map<string, Promise<V>>();
  readonly #opts: VerdictCacheOptions<V>;

  /** @throws USAGE for a non-positive size or negative TTL */
  constructor(opts: VerdictCacheOptions<V>) {
    if (!(opts.maxEntries >= 1) || !(opts.successTtlMs >= 0) || !(opts.failureTtlMs >= 0)) {
      throw new VouchError('USAGE', 'verdict cache: maxEntries must be >= 1 and TTLs >= 0');
    }
    this.#opts = opts;
  }

  get size(): number {
    return this.#entries.size;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** The fresh value for `key`, else the running computation for it, else a new one from `compute`. */
  get(key: string, compute: () => Promise<V>): Promise<V> {
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      if (entry.expiresAt > this.#opts.now()) {
        // Re-insert to mark as most recently used (Map keeps insertion order).
        this.#entries.delete(key);
        this.#entries.set(key, entry);
        this.#opts.onEvent?.('hit');
        return Promise.resolve(entry.value);
      }
      this.#entries.delete(key);
    }
    const running = this.#inFlight.get(key);
    if (running !== undefined) {
      this.#opts.onEvent?.('coalesced');
      return running;
    }
    this.#opts.onEvent?.('miss');
    const p = (async () => {
      try {
        const value = await compute();
        const ttl = this.#opts.isSuccess(value) ? this.#opts.successTtlMs : this.#opts.failureTtlMs;
        if (ttl > 0) this.#store(key, { value, expiresAt: this.#opts.now() + ttl });
        return value;
      } finally {
        this.#inFlight.delete(key);
      }
    })();
    this.#inFlight.set(key, p);
    return p;
  }

  /** Forgets everything, e.g. after a policy or trust-root reload. */
  clear(): void {
    this.#entries.clear();
  }

  #store(key: string, entry: Entry<V>): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#opts.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }
}
