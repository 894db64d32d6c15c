/**
 * A loopback HTTPS server that speaks the Kubernetes API for the resources vouch reads: discovery
 * (/api, /apis, /apis/{group}/{version}, /version), list with resourceVersion and limit/continue, watch
 * as a chunked stream of JSON events with bookmarks, 410 Gone for a compacted resourceVersion, get,
 * create, update, JSON merge patch and JSON patch, delete, and the status subresource. It is faithful
 * enough that the real `kubectl` (v1.32) can apply, get and delete objects against it. It checks no
 * schema (objects are kept as sent, as a CRD with x-kubernetes-preserve-unknown-fields would) and
 * no authentication.
 *
 * Fault switches let tests break it the ways a real API server breaks: down (connections refused),
 * stalled watches, garbage on the stream, compaction (410), 404 for a whole group.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { generateSelfSignedCertificate } from '../../src/admission/index.js';

export type Json = Record<string, unknown>;

export interface ResourceDef {
  readonly group: string; // '' for the core group
  readonly versions: readonly string[];
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  readonly status: boolean;
}

/** The resources of policy-controller, Kyverno and core ConfigMaps/Events/Namespaces. */
export const VOUCH_RESOURCES: readonly ResourceDef[] = [
  {
    group: 'policy.sigstore.dev',
    versions: ['v1beta1', 'v1alpha1'],
    kind: 'ClusterImagePolicy',
    plural: 'clusterimagepolicies',
    namespaced: false,
    status: true,
  },
  {
    group: 'policy.sigstore.dev',
    versions: ['v1alpha1'],
    kind: 'TrustRoot',
    plural: 'trustroots',
    namespaced: false,
    status: true,
  },
  {
    group: 'kyverno.io',
    versions: ['v1', 'v2beta1'],
    kind: 'ClusterPolicy',
    plural: 'clusterpolicies',
    namespaced: false,
    status: true,
  },
  {
    group: 'kyverno.io',
    versions: ['v1', 'v2beta1'],
    kind: 'Policy',
    plural: 'policies',
    namespaced: true,
    status: true,
  },
  { group: '', versions: ['v1'], kind: 'ConfigMap', plural: 'configmaps', namespaced: true, status: false },
  { group: '', versions: ['v1'], kind: 'Event', plural: 'events', namespaced: true, status: false },
  { group: '', versions: ['v1'], kind: 'Namespace', plural: 'namespaces', namespaced: false, status: true },
  {
    group: 'wgpolicyk8s.io',
    versions: ['v1alpha2'],
    kind: 'PolicyReport',
    plural: 'policyreports',
    namespaced: true,
    status: false,
  },
  {
    group: 'wgpolicyk8s.io',
    versions: ['v1alpha2'],
    kind: 'ClusterPolicyReport',
    plural: 'clusterpolicyreports',
    namespaced: false,
    status: false,
  },
];

interface WatchEvent {
  readonly rv: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly resource: ResourceDef;
  readonly object: Json;
}

interface Watcher {
  readonly resource: ResourceDef;
  readonly version: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly res: ServerResponse;
  readonly bookmarks: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

export interface KubeApiServer {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Objects of one resource (all namespaces), as stored. */
  objects(plural: string): Json[];
  get(plural: string, name: string, namespace?: string): Json | undefined;
  /** Creates or replaces an object as `kubectl apply` would end up storing it; returns it stored. */
  put(plural: string, object: Json): Json;
  remove(plural: string, name: string, namespace?: string): void;
  /** Drops the event history before now: a watch from an older resourceVersion gets 410 Gone. */
  compact(): void;
  /** Watches stop receiving events and bookmarks (the connection stays open). */
  stallWatches(stalled: boolean): void;
  /** Writes bytes that are not a JSON event into every open watch stream. */
  sendGarbage(text: string): void;
  /** Ends every open watch stream (as the API server does at its timeout). */
  closeWatches(): void;
  /** The whole group answers 404, as when its CRDs are not installed. */
  removeGroup(group: string): void;
  /** Refuses connections (listening socket closed) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Open watch streams per plural. */
  openWatches(plural: string): number;
  /** Sends bookmarks to every watch that asked for them, now. */
  bookmark(): void;
  readonly resourceVersion: number;
  close(): Promise<void>;
}

const KEEP_EVENTS = 10_000;

export async function startKubeApiServer(
  opts: { resources?: readonly ResourceDef[]; port?: number; bookmarkIntervalMs?: number } = {},
): Promise<KubeApiServer> {
  const resources = [...(opts.resources ?? VOUCH_RESOURCES)];
  const absentGroups = new Set<string>();
  // plural → key → object
  const store = new Map<string, Map<string, Json>>();
  for (const r of resources) store.set(r.plural, new Map());
  let rv = 1;
  let oldestRv = 1;
  let events: WatchEvent[] = [];
  const watchers = new Set<Watcher>();
  let stalled = false;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const keyOf = (ns: string | undefined, name: string): string => `${ns ?? ''}/${name}`;
  const apiVersionOf = (r: ResourceDef, v: string): string => (r.group ? `${r.group}/${v}` : v);

  const emit = (type: WatchEvent['type'], r: ResourceDef, object: Json): void => {
    const ev: WatchEvent = { rv, type, resource: r, object };
    events.push(ev);
    if (events.length > KEEP_EVENTS) {
      events = events.slice(-KEEP_EVENTS);
      oldestRv = events[0]?.rv ?? rv;
    }
    if (stalled) return;
    for (const w of watchers) if (w.resource === r) sendEvent(w, ev);
  };

  const matches = (w: Watcher, o: Json): boolean => {
    const m = o.metadata as Json;
    if (w.namespace !== undefined && m.namespace !== w.namespace) return false;
    if (w.name !== undefined && m.name !== w.name) return false;
    return true;
  };

  const sendEvent = (w: Watcher, ev: WatchEvent): void => {
    if (!matches(w, ev.object)) return;
    const object = { ...ev.object, apiVersion: apiVersionOf(w.resource, w.version) };
    w.res.write(`${JSON.stringify({ type: ev.type, object })}\n`);
  };

  const sendBookmark = (w: Watcher): void => {
    if (!w.bookmarks || stalled) return;
    w.res.write(
      `${JSON.stringify({
        type: 'BOOKMARK',
        object: {
          kind: w.resource.kind,
          apiVersion: apiVersionOf(w.resource, w.version),
          metadata: { resourceVersion: String(rv), annotations: { 'k8s.io/initial-events-end': 'true' } },
        },
      })}\n`,
    );
  };

  const bookmarkTimer = setInterval(() => {
    for (const w of watchers) sendBookmark(w);
  }, opts.bookmarkIntervalMs ?? 1_000);
  bookmarkTimer.unref();

  const stamp = (r: ResourceDef, object: Json, previous: Json | undefined): Json => {
    rv += 1;
    const meta = { ...((object.metadata as Json | undefined) ?? {}) };
    const prevMeta = (previous?.metadata as Json | undefined) ?? {};
    meta.resourceVersion = String(rv);
    meta.uid = prevMeta.uid ?? randomUUID();
    meta.creationTimestamp = prevMeta.creationTimestamp ?? new Date().toISOString();
    const specChanged = JSON.stringify(previous?.spec) !== JSON.stringify(object.spec);
    meta.generation = previous ? Number(prevMeta.generation ?? 1) + (specChanged ? 1 : 0) : 1;
    if (!r.namespaced) delete meta.namespace;
    return { ...object, kind: r.kind, metadata: meta };
  };

  const write = (r: ResourceDef, object: Json): Json => {
    const meta = object.metadata as Json;
    const ns = r.namespaced ? String(meta.namespace ?? 'default') : undefined;
    const key = keyOf(ns, String(meta.name));
    const objects = store.get(r.plural) as Map<string, Json>;
    const previous = objects.get(key);
    const stored = stamp(
      r,
      r.namespaced ? { ...object, metadata: { ...meta, namespace: ns } } : object,
      previous,
    );
    objects.set(key, stored);
    emit(previous ? 'MODIFIED' : 'ADDED', r, stored);
    return stored;
  };

  const removeObject = (r: ResourceDef, key: string): Json | undefined => {
    const objects = store.get(r.plural) as Map<string, Json>;
    const previous = objects.get(key);
    if (!previous) return undefined;
    objects.delete(key);
    rv += 1;
    const gone = { ...previous, metadata: { ...(previous.metadata as Json), resourceVersion: String(rv) } };
    emit('DELETED', r, gone);
    return gone;
  };

  const status = (res: ServerResponse, code: number, reason: string, message: string, details?: Json) =>
    send(res, code, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    });

  const served = (): ResourceDef[] => resources.filter((r) => !absentGroups.has(r.group));

  const discovery = (path: string, res: ServerResponse): boolean => {
    if (path === '/version') {
      send(res, 200, {
        major: '1',
        minor: '32',
        gitVersion: 'v1.32.0-vouch-loopback',
        platform: 'linux/amd64',
      });
      return true;
    }
    if (path === '/api') {
      send(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }],
      });
      return true;
    }
    if (path === '/apis') {
      const groups = new Map<string, string[]>();
      for (const r of served()) {
        if (!r.group) continue;
        const have = groups.get(r.group) ?? [];
        for (const v of r.versions) if (!have.includes(v)) have.push(v);
        groups.set(r.group, have);
      }
      send(res, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...groups].map(([name, versions]) => ({
          name,
          versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
          preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
        })),
      });
      return true;
    }
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/?$/.exec(path);
    if (!m) return false;
    const group = m[2] ?? '';
    const version = m[1] ?? m[3] ?? '';
    const list = served().filter((r) => r.group === group && r.versions.includes(version));
    if (list.length === 0) {
      status(res, 404, 'NotFound', 'the server could not find the requested resource');
      return true;
    }
    const resourcesOut: Json[] = [];
    for (const r of list) {
      resourcesOut.push({
        name: r.plural,
        singularName: r.kind.toLowerCase(),
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      });
      if (r.status)
        resourcesOut.push({
          name: `${r.plural}/status`,
          singularName: '',
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ['get', 'patch', 'update'],
        });
    }
    send(res, 200, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: resourcesOut,
    });
    return true;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    let parsed: unknown;
    const contentType = req.headers['content-type']?.split(';')[0]?.trim();
    if (body) {
      try {
        parsed = JSON.parse(body);
      } catch {
        requests.push({ method, path, query: url.searchParams, contentType, body: undefined });
        status(res, 400, 'BadRequest', 'the request body is not JSON');
        return;
      }
    }
    requests.push({ method, path, query: url.searchParams, contentType, body: parsed });
    if (method === 'GET' && discovery(path, res)) return;
    // /api/v1[/namespaces/{ns}]/{plural}[/{name}[/status]] and /apis/{g}/{v}/...
    const m =
      /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/(status))?$/.exec(
        path,
      );
    if (!m) {
      status(res, 404, 'NotFound', 'the server could not find the requested resource');
      return;
    }
    const group = m[2] ?? '';
    const version = m[1] ?? m[3] ?? '';
    const namespace = m[4] === undefined ? undefined : decodeURIComponent(m[4]);
    const plural = m[5] ?? '';
    const name = m[6] === undefined ? undefined : decodeURIComponent(m[6]);
    const sub = m[7];
    const r = served().find((d) => d.group === group && d.versions.includes(version) && d.plural === plural);
    if (!r) {
      status(res, 404, 'NotFound', 'the server could not find the requested resource');
      return;
    }
    if (sub === 'status' && !r.status) {
      status(res, 404, 'NotFound', 'the server could not find the requested resource');
      return;
    }
    const ns = r.namespaced ? namespace : undefined;
    const gr = r.group ? `${r.plural}.${r.group}` : r.plural;
    const objects = store.get(r.plural) as Map<string, Json>;
    const view = (o: Json): Json => ({ ...o, apiVersion: apiVersionOf(r, version) });
    const notFound = (n: string) =>
      status(res, 404, 'NotFound', `${gr} "${n}" not found`, { name: n, group: r.group, kind: r.plural });

    if (name === undefined) {
      if (method === 'GET') {
        if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
          startWatch(r, version, ns, url.searchParams, res);
          return;
        }
        listObjects(r, version, ns, url.searchParams, res, view);
        return;
      }
      if (method === 'POST') {
        const o = parsed as Json | undefined;
        const meta = (o?.metadata as Json | undefined) ?? {};
        const n = typeof meta.name === 'string' ? meta.name : undefined;
        if (!o || !n) {
          status(res, 422, 'Invalid', `${r.kind} is invalid: metadata.name: Required value`);
          return;
        }
        const objNs = r.namespaced ? String(meta.namespace ?? ns ?? 'default') : undefined;
        if (objects.has(keyOf(objNs, n))) {
          status(res, 409, 'AlreadyExists', `${gr} "${n}" already exists`, {
            name: n,
            group: r.group,
            kind: r.plural,
          });
          return;
        }
        if (url.searchParams.get('dryRun') === 'All') {
          send(res, 201, view(o));
          return;
        }
        send(
          res,
          201,
          view(write(r, { ...o, metadata: { ...meta, ...(objNs ? { namespace: objNs } : {}) } })),
        );
        return;
      }
      status(res, 405, 'MethodNotAllowed', `${method} is not supported on a collection here`);
      return;
    }

    const key = keyOf(r.namespaced ? (ns ?? 'default') : undefined, name);
    const current = objects.get(key);
    if (method === 'GET') {
      if (!current) {
        notFound(name);
        return;
      }
      send(res, 200, view(current));
      return;
    }
    if (method === 'DELETE') {
      const gone = removeObject(r, key);
      if (!gone) {
        notFound(name);
        return;
      }
      send(res, 200, view(gone));
      return;
    }
    if (method === 'PATCH' && contentType === 'application/apply-patch+yaml' && sub === undefined) {
      // Server-side apply, approximated: create when absent, else merge (no field ownership).
      const o = parsed as Json | undefined;
      if (!o || typeof o !== 'object') {
        status(res, 400, 'BadRequest', 'body required');
        return;
      }
      const meta = {
        ...((o.metadata as Json | undefined) ?? {}),
        name,
        ...(r.namespaced ? { namespace: ns ?? 'default' } : {}),
      };
      const next = current
        ? (mergePatch(current, { ...o, metadata: meta }) as Json)
        : { ...o, metadata: meta };
      send(res, current ? 200 : 201, view(write(r, next)));
      return;
    }
    if (!current) {
      notFound(name);
      return;
    }
    let next: Json;
    if (method === 'PUT') {
      const o = parsed as Json | undefined;
      if (!o || typeof o !== 'object') {
        status(res, 400, 'BadRequest', 'body required');
        return;
      }
      next = o;
    } else if (method === 'PATCH') {
      try {
        if (contentType === 'application/merge-patch+json') next = mergePatch(current, parsed) as Json;
        else if (contentType === 'application/json-patch+json') next = jsonPatch(current, parsed);
        else {
          // The API server answers 415 for strategic merge patch on custom resources.
          status(
            res,
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json`,
          );
          return;
        }
      } catch (e) {
        status(res, 422, 'Invalid', `patch failed: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
    } else {
      status(res, 405, 'MethodNotAllowed', `${method} not allowed`);
      return;
    }
    const curMeta = current.metadata as Json;
    const nextMeta = (next.metadata as Json | undefined) ?? {};
    // Optimistic concurrency: a resourceVersion in the body must be the stored one.
    if (nextMeta.resourceVersion !== undefined && nextMeta.resourceVersion !== curMeta.resourceVersion) {
      status(
        res,
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${gr} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, group: r.group, kind: r.plural },
      );
      return;
    }
    // The status subresource changes only status; the main resource never changes status.
    const merged: Json =
      sub === 'status'
        ? { ...current, status: next.status }
        : {
            ...next,
            metadata: { ...nextMeta, name, ...(r.namespaced ? { namespace: curMeta.namespace } : {}) },
            ...(r.status ? { status: current.status } : {}),
          };
    if (merged.status === undefined) delete merged.status;
    send(res, 200, view(write(r, merged)));
  };

  const listObjects = (
    r: ResourceDef,
    version: string,
    ns: string | undefined,
    q: URLSearchParams,
    res: ServerResponse,
    view: (o: Json) => Json,
  ): void => {
    const fieldName = /(?:^|,)metadata\.name=([^,]+)/.exec(q.get('fieldSelector') ?? '')?.[1];
    const all = [...(store.get(r.plural) as Map<string, Json>).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o)
      .filter((o) => ns === undefined || (o.metadata as Json).namespace === ns)
      .filter((o) => fieldName === undefined || (o.metadata as Json).name === fieldName);
    const limit = Number(q.get('limit') ?? '0');
    const cont = q.get('continue');
    let start = 0;
    let listRv = String(rv);
    if (cont) {
      const c = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { start: number; rv: string };
      // A continue token is only good while its snapshot is retained.
      if (Number(c.rv) < oldestRv) {
        status(
          res,
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result.',
        );
        return;
      }
      start = c.start;
      listRv = c.rv;
    }
    const end = limit > 0 ? Math.min(all.length, start + limit) : all.length;
    const page = all.slice(start, end);
    const metadata: Json = { resourceVersion: listRv };
    if (end < all.length) {
      metadata.continue = Buffer.from(JSON.stringify({ start: end, rv: listRv })).toString('base64url');
      metadata.remainingItemCount = all.length - end;
    }
    send(res, 200, {
      kind: `${r.kind}List`,
      apiVersion: apiVersionOf(r, version),
      metadata,
      items: page.map(view),
    });
  };

  const startWatch = (
    r: ResourceDef,
    version: string,
    ns: string | undefined,
    q: URLSearchParams,
    res: ServerResponse,
  ): void => {
    const fieldName = /(?:^|,)metadata\.name=([^,]+)/.exec(q.get('fieldSelector') ?? '')?.[1];
    const from = q.get('resourceVersion');
    const w: Watcher = {
      resource: r,
      version,
      namespace: ns,
      name: fieldName,
      res,
      bookmarks: q.get('allowWatchBookmarks') === 'true',
    };
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    if (from !== null && from !== '' && from !== '0' && Number(from) < oldestRv - 1) {
      // What the API server sends for a compacted resourceVersion: one ERROR event, then the end.
      res.end(
        `${JSON.stringify({
          type: 'ERROR',
          object: {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: `too old resource version: ${from} (${oldestRv})`,
            reason: 'Expired',
            code: 410,
          },
        })}\n`,
      );
      return;
    }
    if (from === null || from === '' || from === '0') {
      // No resourceVersion: synthetic ADDED events for the current state first.
      for (const o of (store.get(r.plural) as Map<string, Json>).values())
        sendEvent(w, { rv, type: 'ADDED', resource: r, object: o });
    } else {
      for (const ev of events) if (ev.resource === r && ev.rv > Number(from)) sendEvent(w, ev);
    }
    watchers.add(w);
    const timeout = Number(q.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    const done = (): void => {
      watchers.delete(w);
      if (timer) clearTimeout(timer);
    };
    // Not req's 'close': that fires once the request is read, while the response streams on.
    res.on('close', done);
  };

  const cert = await generateSelfSignedCertificate(['localhost', '127.0.0.1']);
  const make = (): Server => {
    const s = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    s.on('connection', (sock: Socket) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
    s.on('tlsClientError', () => undefined);
    return s;
  };
  let server = make();
  const listen = (s: Server, p: number): Promise<number> =>
    new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(p, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
    });
  const port = await listen(server, opts.port ?? 0);
  const closeServer = async (): Promise<void> => {
    for (const w of watchers) w.res.destroy();
    watchers.clear();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  const resourceOf = (plural: string): ResourceDef => {
    const r = resources.find((d) => d.plural === plural);
    if (!r) throw new Error(`kube-api-server: no resource ${plural}`);
    return r;
  };

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    requests,
    objects: (plural) => [...(store.get(plural) ?? new Map<string, Json>()).values()],
    get: (plural, name, namespace) => {
      const r = resourceOf(plural);
      return store.get(plural)?.get(keyOf(r.namespaced ? (namespace ?? 'default') : undefined, name));
    },
    put: (plural, object) => write(resourceOf(plural), object),
    remove: (plural, name, namespace) => {
      const r = resourceOf(plural);
      removeObject(r, keyOf(r.namespaced ? (namespace ?? 'default') : undefined, name));
    },
    compact: () => {
      events = [];
      oldestRv = rv + 1;
    },
    stallWatches: (s) => {
      stalled = s;
    },
    sendGarbage: (text) => {
      for (const w of watchers) w.res.write(text);
    },
    closeWatches: () => {
      for (const w of watchers) w.res.end();
      watchers.clear();
    },
    removeGroup: (group) => {
      absentGroups.add(group);
      for (const w of [...watchers]) if (w.resource.group === group) w.res.destroy();
    },
    down: closeServer,
    up: async () => {
      server = make();
      await listen(server, port);
    },
    openWatches: (plural) => [...watchers].filter((w) => w.resource.plural === plural).length,
    bookmark: () => {
      for (const w of watchers) sendBookmark(w);
    },
    get resourceVersion() {
      return rv;
    },
    close: async () => {
      clearInterval(bookmarkTimer);
      await closeServer();
    },
  };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const buf = Buffer.from(JSON.stringify(body));
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': String(buf.byteLength) });
  res.end(buf);
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Json =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [k, v] of Object.entries(patch as Json)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902 JSON patch: add, remove, replace, test (what kubectl and controllers send). */
export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new Error('a JSON patch is an array of operations');
  let doc: unknown = structuredClone(target);
  for (const op of ops as Json[]) {
    const path = String(op.path ?? '');
    const parts = path
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (parts.length === 0) {
      if (op.op === 'replace' || op.op === 'add') doc = op.value;
      continue;
    }
    let parent: unknown = doc;
    for (const p of parts.slice(0, -1)) {
      parent = Array.isArray(parent) ? parent[Number(p)] : (parent as Json | undefined)?.[p];
      if (typeof parent !== 'object' || parent === null) throw new Error(`path ${path} does not exist`);
    }
    const last = parts[parts.length - 1] as string;
    const container = parent as Json | unknown[];
    switch (op.op) {
      case 'add':
        if (Array.isArray(container)) {
          if (last === '-') container.push(op.value);
          else container.splice(Number(last), 0, op.value);
        } else container[last] = op.value;
        break;
      case 'replace':
        if (Array.isArray(container)) container[Number(last)] = op.value;
        else {
          if (!(last in container)) throw new Error(`path ${path} does not exist`);
          container[last] = op.value;
        }
        break;
      case 'remove':
        if (Array.isArray(container)) container.splice(Number(last), 1);
        else {
          if (!(last in container)) throw new Error(`path ${path} does not exist`);
          delete container[last];
        }
        break;
      case 'test': {
        const cur = Array.isArray(container) ? container[Number(last)] : container[last];
        if (JSON.stringify(cur) !== JSON.stringify(op.value)) throw new Error(`test failed at ${path}`);
        break;
      }
      default:
        throw new Error(`unsupported op ${String(op.op)}`);
    }
  }
  return doc as Json;
}
