/**
 * List + watch of one resource, kept as an in-memory copy of every object, as client-go's reflector
 * does: list (in pages) to learn the state and its resourceVersion, then watch from there with
 * bookmarks; a 410 Gone (the history was compacted) means list again; a stream that errors, ends,
 * sends bytes that are not events, or goes silent is reopened after a backoff with full jitter. Events
 * are never lost: a reopened watch resumes from the last resourceVersion seen, and a relist replaces
 * the whole copy, so what was missed is reconciled.
 */
import { performance } from 'node:perf_hooks';
import { describeCause, isVouchError, VouchError } from '../errors.js';
import {
  type KubeObject,
  KubeResources,
  KubeStatusError,
  type ApiResource,
  WatchEventSplitter,
} from './kube-resources.js';
import type { KubeConnection } from './kube-client.js';

export type ReflectorState =
  | { readonly kind: 'syncing'; readonly error?: VouchError }
  | { readonly kind: 'synced' }
  /** The API server does not serve the resource (its CRD is not installed); looked for again later. */
  | { readonly kind: 'absent'; readonly message: string };

export interface ReflectorOptions {
  /** Objects per list page. */
  readonly pageSize?: number;
  /** Largest list page read. */
  readonly listMaxBytes?: number;
  /** Largest single watch event read. */
  readonly eventMaxBytes?: number;
  /** Server-side watch timeout; the watch is reopened after it (client-go uses 5-10 min). */
  readonly watchTimeoutSeconds?: number;
  /** No byte for this long (not even a bookmark) and the stream counts as stalled. */
  readonly stallMs?: number;
  /** First retry delay, doubled per failure up to backoffMaxMs; each delay is drawn in [0, that). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** How often a resource the API server does not serve is looked for again. */
  readonly absentRetryMs?: number;
  /** [0, 1): jitter source; Math.random unless a test pins it. */
  readonly random?: () => number;
  /** The copy changed: at these keys, or (undefined) possibly everywhere, after a list. */
  readonly onChange: (keys?: readonly string[]) => void;
  readonly onState?: (s: ReflectorState) => void;
}

/** `namespace/name` (cluster-scoped: `/name`), the key of an object in a reflector. */
export function objectKey(o: KubeObject): string {
  const m = o.metadata as Record<string, unknown> | undefined;
  return `${typeof m?.namespace === 'string' ? m.namespace : ''}/${typeof m?.name === 'string' ? m.name : ''}`;
}

function resourceVersionOf(o: KubeObject): string {
  const rv = (o.metadata as Record<string, unknown> | undefined)?.resourceVersion;
  return typeof rv === 'string' ? rv : '';
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** A live copy of one resource's objects. Start with `start()`, end with `stop()`. */
export class Reflector {
  readonly #api: KubeResources;
  readonly #stop = new AbortController();
  #objects = new Map<string, KubeObject>();
  #state: ReflectorState = { kind: 'syncing' };
  #failures = 0;
  #running: Promise<void> | undefined;
  #syncWaiters: Array<() => void> = [];

  #version = 0;

  /**
   * @param resources the same objects at the versions the API server may serve them, preferred first:
   *   a 404 at one moves to the next; all absent counts as absent.
   */
  constructor(
    conn: KubeConnection | KubeResources,
    private readonly resources: readonly [ApiResource, ...ApiResource[]],
    private readonly opts: ReflectorOptions,
  ) {
    this.#api = conn instanceof KubeResources ? conn : new KubeResources(conn);
  }

  /** The version watched now (the first that the API server serves). */
  get resource(): ApiResource {
    return this.resources[this.#version] ?? this.resources[0];
  }

  /** The objects now; a new map after every change (never mutated once handed out). */
  objects(): ReadonlyMap<string, KubeObject> {
    return this.#objects;
  }

  get state(): ReflectorState {
    return this.#state;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Resolves once the first list has landed, the resource is known absent, or `ms` passed. */
  settled(ms: number): Promise<void> {
    if (this.#state.kind !== 'syncing') return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      t.unref();
      this.#syncWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  #setState(s: ReflectorState): void {
    this.#state = s;
    if (s.kind !== 'syncing') {
      for (const w of this.#syncWaiters.splice(0)) w();
    }
    this.opts.onState?.(s);
  }

  #replace(next: Map<string, KubeObject>, keys?: readonly string[]): void {
    this.#objects = next;
    this.opts.onChange(keys);
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let rv: string | undefined;
    while (!signal.aborted) {
      try {
        if (rv === undefined) rv = await this.#list(signal);
        const started = performance.now();
        rv = await this.#watch(rv, signal);
        // A stream the server ends at once, again and again, must not become a busy loop.
        if (performance.now() - started < 1_000) {
          this.#failures++;
          await sleep(this.#backoff(), signal);
        }
      } catch (e) {
        if (signal.aborted) return;
        const err = isVouchError(e)
          ? e
          : new VouchError('KUBE_API_ERROR', `watching ${this.#what()}: ${describeCause(e)}`, { cause: e });
        if (e instanceof KubeStatusError && e.status === 404) {
          // The group or resource is not served at this version: try the next; none: its CRD is not
          // installed (yet).
          rv = undefined;
          if (this.#version + 1 < this.resources.length) {
            this.#version++;
            continue;
          }
          this.#version = 0;
          if (this.#objects.size > 0) this.#replace(new Map());
          this.#setState({ kind: 'absent', message: `the API server does not serve ${this.#what()}` });
          this.#failures = 0;
          await sleep(this.opts.absentRetryMs ?? 60_000, signal);
          continue;
        }
        if (e instanceof KubeStatusError && e.status === 410) rv = undefined;
        if (this.#state.kind !== 'synced') this.#setState({ kind: 'syncing', error: err });
        else this.opts.onState?.({ kind: 'syncing', error: err });
        this.#failures++;
        await sleep(this.#backoff(), signal);
      }
    }
  }

  /** Exponential backoff with full jitter: a delay drawn in [0, min(max, base·2^(failures-1))). */
  #backoff(): number {
    const cap = Math.min(
      this.opts.backoffMaxMs ?? 30_000,
      (this.opts.backoffBaseMs ?? 200) * 2 ** Math.min(Math.max(this.#failures - 1, 0), 20),
    );
    return Math.floor((this.opts.random ?? Math.random)() * cap);
  }

  #what(): string {
    const r = this.resource;
    return `${r.plural}${r.group ? `.${r.group}` : ''}/${r.version}`;
  }

  /** Lists every page; replaces the copy in one step; returns the list's resourceVersion. */
  async #list(signal: AbortSignal): Promise<string> {
    const next = new Map<string, KubeObject>();
    let token: string | undefined;
    let rv = '';
    do {
      const page = await this.#api.listPage(this.resource, {
        limit: this.opts.pageSize ?? 500,
        ...(token ? { continueToken: token } : {}),
        maxBytes: this.opts.listMaxBytes ?? 64 * 1024 * 1024,
        signal,
      });
      for (const o of page.items) next.set(objectKey(o), o);
      // The first page's resourceVersion is the snapshot every page belongs to.
      if (rv === '') rv = page.resourceVersion;
      token = page.continueToken;
    } while (token);
    this.#replace(next);
    this.#failures = 0;
    this.#setState({ kind: 'synced' });
    return rv;
  }

  /**
   * Watches from `rv` until the stream ends; returns the last resourceVersion seen.
   * @throws KubeStatusError 410 when the history is compacted (the caller lists again), and whatever
   *   broke the stream (the caller backs off and resumes from the last resourceVersion it returned)
   */
  async #watch(from: string, signal: AbortSignal): Promise<string> {
    const base = this.opts.watchTimeoutSeconds ?? 300;
    const timeoutSeconds = Math.floor(base * (1 + (this.opts.random ?? Math.random)()));
    const local = new AbortController();
    const stopLocal = (): void => local.abort();
    signal.addEventListener('abort', stopLocal, { once: true });
    let rv = from;
    try {
      const res = await this.#api.openWatch(this.resource, {
        resourceVersion: from,
        timeoutSeconds,
        signal: local.signal,
      });
      const splitter = new WatchEventSplitter(this.opts.eventMaxBytes ?? 16 * 1024 * 1024);
      const stallMs = this.opts.stallMs ?? (timeoutSeconds + 30) * 1000;
      await new Promise<void>((resolve, reject) => {
        let stall: NodeJS.Timeout | undefined;
        const arm = (): void => {
          if (stall) clearTimeout(stall);
          stall = setTimeout(() => {
            fail(new VouchError('TIMEOUT', `watch ${this.#what()}: no event or bookmark for ${stallMs} ms`));
          }, stallMs);
          stall.unref();
        };
        const finish = (): void => {
          if (stall) clearTimeout(stall);
        };
        const fail = (e: unknown): void => {
          finish();
          res.destroy();
          reject(e);
        };
        arm();
        res.on('data', (chunk: Buffer) => {
          arm();
          try {
            for (const ev of splitter.push(chunk)) rv = this.#apply(ev, rv);
          } catch (e) {
            fail(e);
          }
        });
        res.on('error', (e) => fail(e));
        res.on('close', () => {
          finish();
          resolve();
        });
        res.on('end', () => {
          finish();
          resolve();
        });
      });
      if (signal.aborted) return rv;
      return rv;
    } finally {
      signal.removeEventListener('abort', stopLocal);
      local.abort();
    }
  }

  #apply(ev: { type: string; object: KubeObject }, rv: string): string {
    switch (ev.type) {
      case 'ERROR': {
        const code = Number(ev.object.code);
        const message = typeof ev.object.message === 'string' ? ev.object.message : 'watch error';
        throw new KubeStatusError(Number.isFinite(code) ? code : 500, `watch ${this.#what()}`, message);
      }
      case 'BOOKMARK':
        this.#failures = 0;
        return resourceVersionOf(ev.object) || rv;
      case 'ADDED':
      case 'MODIFIED':
      case 'DELETED': {
        const next = new Map(this.#objects);
        const key = objectKey(ev.object);
        if (ev.type === 'DELETED') next.delete(key);
        else next.set(key, ev.object);
        this.#failures = 0;
        this.#replace(next, [key]);
        return resourceVersionOf(ev.object) || rv;
      }
      default:
        return rv;
    }
  }
}
