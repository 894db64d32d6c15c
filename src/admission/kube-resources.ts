/**
 * The Kubernetes API for arbitrary resources, as the policy watch needs it: one page of a list, a watch
 * stream split into its JSON events, a status subresource patch, and an Event. Transport only: what the
 * objects mean is cluster-policies.ts's business, when to retry is kube-watch.ts's.
 */
import type { IncomingMessage } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { describeCause, VouchError } from '../errors.js';
import {
  type KubeConnection,
  kubeRequest,
  readKubeBody,
  statusMessage,
  tlsOptions,
  wrapError,
} from './kube-client.js';

/** A resource by group/version/plural, as its URL names it. */
export interface ApiResource {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

export type KubeObject = Readonly<Record<string, unknown>>;

export interface ListPage {
  readonly items: readonly KubeObject[];
  readonly resourceVersion: string;
  readonly continueToken?: string;
}

/** A watch event as the API server streams it. */
export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: KubeObject;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function resourcePath(r: ApiResource, opts: { namespace?: string; name?: string } = {}): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && opts.namespace ? `/namespaces/${encodeURIComponent(opts.namespace)}` : '';
  return `${base}${ns}/${r.plural}${opts.name ? `/${encodeURIComponent(opts.name)}` : ''}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Status code and message of an API server answer that was not 2xx. */
export class KubeStatusError extends VouchError {
  constructor(
    readonly status: number,
    what: string,
    detail: string,
  ) {
    super(
      status === 401 || status === 403 ? 'AUTH_FAILED' : status === 404 ? 'NOT_FOUND' : 'KUBE_API_ERROR',
      `${what}: ${status} ${detail}`,
      status === 401 || status === 403
        ? {
            hint: 'check the service account token and the chart ClusterRole (get/list/watch on policy resources)',
          }
        : {},
    );
  }
}

/** Requests against one API server. */
export class KubeResources {
  // Kept-alive connections: status writes for many objects must not pay a TLS handshake each.
  readonly #agent: HttpAgent;

  constructor(private readonly conn: KubeConnection) {
    const tls = conn.server.startsWith('https:');
    this.#agent = tls
      ? new HttpsAgent({ keepAlive: true, maxSockets: 16, maxFreeSockets: 4, noDelay: true })
      : new HttpAgent({ keepAlive: true, maxSockets: 16, maxFreeSockets: 4, noDelay: true });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  /**
   * One page of a list, all namespaces for a namespaced resource.
   * @throws KubeStatusError (404 when the resource is not served), TIMEOUT, KUBE_API_ERROR, INPUT_TOO_LARGE
   */
  async listPage(
    r: ApiResource,
    opts: { limit: number; continueToken?: string; maxBytes: number; signal?: AbortSignal },
  ): Promise<ListPage> {
    const q = new URLSearchParams({ limit: String(opts.limit) });
    if (opts.continueToken) q.set('continue', opts.continueToken);
    const path = `${resourcePath(r)}?${q}`;
    const body = await this.#json('GET', path, undefined, undefined, opts.maxBytes, opts.signal);
    if (!isRecord(body) || !Array.isArray(body.items) || !isRecord(body.metadata)) {
      throw new VouchError('KUBE_API_ERROR', `kubernetes GET ${resourcePath(r)}: not a list`);
    }
    const rv = body.metadata.resourceVersion;
    const cont = body.metadata.continue;
    return {
      items: body.items.filter(isRecord),
      resourceVersion: typeof rv === 'string' ? rv : '',
      ...(typeof cont === 'string' && cont !== '' ? { continueToken: cont } : {}),
    };
  }

  /**
   * Opens a watch from `resourceVersion` with bookmarks; the response streams events.
   * @throws KubeStatusError for a non-200 answer, KUBE_API_ERROR / TIMEOUT when the server is unreachable
   */
  async openWatch(
    r: ApiResource,
    opts: { resourceVersion: string; timeoutSeconds: number; signal: AbortSignal },
  ): Promise<IncomingMessage> {
    const q = new URLSearchParams({
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: opts.resourceVersion,
      timeoutSeconds: String(opts.timeoutSeconds),
    });
    const path = `${resourcePath(r)}?${q}`;
    const what = `kubernetes watch ${resourcePath(r)}`;
    const res = await this.#send('GET', path, undefined, undefined, opts.signal, false);
    if (res.statusCode !== 200) {
      const text = await readKubeBody(res, 64 * 1024, what).catch(() => '');
      throw new KubeStatusError(res.statusCode ?? 0, what, statusMessage(text));
    }
    return res;
  }

  /**
   * Merge-patches the status subresource, with the object's resourceVersion as a precondition so a
   * concurrent writer is never overwritten (409 then, and the next watch event brings the new object).
   * @throws KubeStatusError (409 on conflict, 404 when the object or its status subresource is gone)
   */
  async patchStatus(
    r: ApiResource,
    object: { namespace?: string; name: string; resourceVersion: string },
    status: Record<string, unknown>,
  ): Promise<void> {
    const path = `${resourcePath(r, { ...(object.namespace ? { namespace: object.namespace } : {}), name: object.name })}/status`;
    await this.#write(
      'PATCH',
      path,
      { metadata: { resourceVersion: object.resourceVersion }, status },
      'application/merge-patch+json',
    );
  }

  /**
   * Creates a core/v1 Event.
   * @throws KubeStatusError, TIMEOUT, KUBE_API_ERROR
   */
  async createEvent(namespace: string, event: Record<string, unknown>): Promise<void> {
    await this.#write(
      'POST',
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      event,
      'application/json',
    );
  }

  /** A write whose answer is not needed: the object the server echoes (maybe large) is read and dropped. */
  async #write(method: string, path: string, body: unknown, contentType: string): Promise<void> {
    const what = `kubernetes ${method} ${path.split('?')[0]}`;
    const res = await this.#send(method, path, body, contentType, undefined, true);
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) {
      await new Promise<void>((resolve, reject) => {
        res.on('data', () => undefined);
        res.on('error', (e) => reject(wrapError(what, e)));
        res.on('end', () => resolve());
      });
      return;
    }
    const text = await readKubeBody(res, 64 * 1024, what).catch(() => '');
    throw new KubeStatusError(status, what, statusMessage(text));
  }

  async #json(
    method: string,
    path: string,
    body: unknown,
    contentType: string | undefined,
    maxBytes: number,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const what = `kubernetes ${method} ${path.split('?')[0]}`;
    const res = await this.#send(method, path, body, contentType, signal, true);
    const text = await readKubeBody(res, maxBytes, what);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw new KubeStatusError(status, what, statusMessage(text));
    try {
      return text.length > 0 ? JSON.parse(text) : undefined;
    } catch (e) {
      throw new VouchError('KUBE_API_ERROR', `${what}: response is not JSON`, { cause: e });
    }
  }

  #send(
    method: string,
    path: string,
    body: unknown,
    contentType: string | undefined,
    signal: AbortSignal | undefined,
    timed: boolean,
  ): Promise<IncomingMessage> {
    const { url, payload, headers, what, isHttps } = kubeRequest(this.conn, method, path, body, contentType);
    const signals = [
      ...(signal ? [signal] : []),
      ...(timed ? [AbortSignal.timeout(this.conn.timeoutMs ?? DEFAULT_TIMEOUT_MS)] : []),
    ];
    const requestFn = isHttps ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = requestFn(
        url,
        {
          method,
          headers,
          // Watches hold their connection for minutes: they get their own, outside the pool.
          agent: timed ? this.#agent : false,
          ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
          ...(timed ? {} : { timeout: this.conn.timeoutMs ?? DEFAULT_TIMEOUT_MS }),
          ...(isHttps ? tlsOptions(this.conn) : {}),
        },
        (res) => {
          // A watch has no overall deadline: only connecting is timed.
          if (!timed) req.setTimeout(0);
          resolve(res);
        },
      );
      req.on('timeout', () => req.destroy(new VouchError('TIMEOUT', `${what}: no answer in time`)));
      req.on('error', (e) => reject(e instanceof VouchError ? e : wrapError(what, e)));
      req.end(payload);
    });
  }
}

/**
 * Splits a watch stream into its JSON events. The API server writes one JSON object per event (and a
 * newline); this splitter does not rely on the newline: it tracks object depth outside strings, so an
 * event cut across chunks, or several in one chunk, come out whole.
 */
export class WatchEventSplitter {
  #buf: Buffer[] = [];
  #size = 0;
  #depth = 0;
  #inString = false;
  #escape = false;

  constructor(private readonly maxEventBytes: number) {}

  /**
   * Feeds one chunk; returns the events it completed.
   * @throws KUBE_API_ERROR for bytes that are not a JSON event, INPUT_TOO_LARGE for an event over the cap
   */
  push(chunk: Buffer): WatchEvent[] {
    const out: WatchEvent[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (this.#depth === 0) {
        // Between events only whitespace may appear.
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
          start = i + 1;
          continue;
        }
        if (c !== 0x7b) {
          throw new VouchError(
            'KUBE_API_ERROR',
            `watch stream: expected a JSON event, got byte 0x${c.toString(16)}`,
          );
        }
        start = i;
        this.#depth = 1;
        continue;
      }
      if (this.#inString) {
        if (this.#escape) this.#escape = false;
        else if (c === 0x5c) this.#escape = true;
        else if (c === 0x22) this.#inString = false;
        continue;
      }
      if (c === 0x22) this.#inString = true;
      else if (c === 0x7b || c === 0x5b) this.#depth++;
      else if (c === 0x7d || c === 0x5d) {
        this.#depth--;
        if (this.#depth === 0) {
          this.#append(chunk.subarray(start, i + 1));
          out.push(this.#event(Buffer.concat(this.#buf, this.#size)));
          this.#buf = [];
          this.#size = 0;
          start = i + 1;
        }
      }
    }
    if (this.#depth > 0) this.#append(chunk.subarray(start));
    return out;
  }

  #append(b: Buffer): void {
    this.#size += b.byteLength;
    if (this.#size > this.maxEventBytes) {
      throw new VouchError('INPUT_TOO_LARGE', `watch stream: one event over ${this.maxEventBytes} bytes`);
    }
    this.#buf.push(b);
  }

  #event(bytes: Buffer): WatchEvent {
    let v: unknown;
    try {
      v = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      throw new VouchError('KUBE_API_ERROR', `watch stream: an event is not JSON: ${describeCause(e)}`, {
        cause: e,
      });
    }
    const types = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'];
    if (!isRecord(v) || typeof v.type !== 'string' || !types.includes(v.type) || !isRecord(v.object)) {
      throw new VouchError('KUBE_API_ERROR', 'watch stream: an event without a known type and an object');
    }
    return { type: v.type as WatchEvent['type'], object: v.object };
  }
}
