import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parse as parseYaml } from 'yaml';
import { VouchError, describeCause } from '../errors.js';
import type { PolicyReport } from './policy-report.js';
import type { KubeEvent } from './policy-event.js';

/** How to reach the Kubernetes API: data, loaded at the edge from in-cluster files or a kubeconfig. */
export interface KubeConnection {
  /** `https://host:port` (or `http://` for a loopback test server). */
  readonly server: string;
  readonly token?: string;
  readonly caPem?: string;
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
  readonly insecureSkipTlsVerify?: boolean;
  readonly timeoutMs?: number;
}

const RESPONSE_MAX_BYTES = 4 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 5_000;
const FIELD_MANAGER = 'vouch';

/**
 * The in-cluster connection from the service account files and the service env, as client-go's
 * rest.InClusterConfig builds it. The caller reads the files and the env (this module touches neither).
 * @throws USAGE when KUBERNETES_SERVICE_HOST/PORT are missing
 */
export function inClusterConnection(input: {
  host: string | undefined;
  port: string | undefined;
  token: string;
  caPem: string;
}): KubeConnection {
  if (!input.host || !input.port) {
    throw new VouchError('USAGE', 'not running in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set', {
      hint: 'pass --kubeconfig, or --namespaces FILE to run without the Kubernetes API',
    });
  }
  const host = input.host.includes(':') ? `[${input.host}]` : input.host;
  return { server: `https://${host}:${input.port}`, token: input.token.trim(), caPem: input.caPem };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function named(list: unknown, name: string, what: string): Record<string, unknown> {
  const found = Array.isArray(list) ? list.find((e) => isRecord(e) && e.name === name) : undefined;
  if (!isRecord(found) || !isRecord(found[what])) {
    throw new VouchError('INPUT_MALFORMED', `kubeconfig: no ${what} named "${name}"`);
  }
  return found[what] as Record<string, unknown>;
}

function b64(v: unknown): string | undefined {
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
}

/**
 * The connection of one kubeconfig context (the current one by default). Only inline data is taken
 * (`certificate-authority-data`, `client-*-data`, `token`); file paths in a kubeconfig are the caller's
 * to read, so this stays pure.
 * @throws INPUT_MALFORMED for a kubeconfig that is not YAML or lacks the context, cluster or user
 */
export function connectionFromKubeconfig(text: string, context?: string): KubeConnection {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `kubeconfig: not YAML: ${describeCause(e)}`, { cause: e });
  }
  if (!isRecord(doc)) throw new VouchError('INPUT_MALFORMED', 'kubeconfig: not a mapping');
  const ctxName = context ?? doc['current-context'];
  if (typeof ctxName !== 'string') throw new VouchError('INPUT_MALFORMED', 'kubeconfig: no current-context');
  const ctx = named(doc.contexts, ctxName, 'context');
  const cluster = named(doc.clusters, String(ctx.cluster), 'cluster');
  const user = typeof ctx.user === 'string' ? named(doc.users, ctx.user, 'user') : {};
  if (typeof cluster.server !== 'string')
    throw new VouchError('INPUT_MALFORMED', 'kubeconfig: cluster has no server');
  const caPem = b64(cluster['certificate-authority-data']);
  const clientCertPem = b64(user['client-certificate-data']);
  const clientKeyPem = b64(user['client-key-data']);
  return {
    server: cluster.server.replace(/\/+$/, ''),
    ...(typeof user.token === 'string' ? { token: user.token } : {}),
    ...(caPem ? { caPem } : {}),
    ...(clientCertPem ? { clientCertPem } : {}),
    ...(clientKeyPem ? { clientKeyPem } : {}),
    ...(cluster['insecure-skip-tls-verify'] === true ? { insecureSkipTlsVerify: true } : {}),
  };
}

/** The few Kubernetes API calls the webhook makes, typed. */
export class KubeClient {
  constructor(private readonly conn: KubeConnection) {}

  /**
   * Labels of a namespace.
   * @throws AUTH_FAILED, NOT_FOUND, KUBE_API_ERROR, TIMEOUT
   */
  async namespaceLabels(name: string): Promise<Record<string, string>> {
    const body = await this.#call('GET', `/api/v1/namespaces/${seg(name)}`);
    const meta = isRecord(body) && isRecord(body.metadata) ? body.metadata : {};
    const labels: Record<string, string> = {};
    if (isRecord(meta.labels)) {
      for (const [k, v] of Object.entries(meta.labels)) if (typeof v === 'string') labels[k] = v;
    }
    return labels;
  }

  /**
   * The `data` of a ConfigMap (string values only; `binaryData` is not read), for Kyverno `configMap`
   * context entries.
   * @throws AUTH_FAILED, NOT_FOUND, KUBE_API_ERROR, TIMEOUT, INPUT_MALFORMED for a body that is not a ConfigMap
   */
  async configMapData(namespace: string, name: string): Promise<Record<string, string>> {
    const path = `/api/v1/namespaces/${seg(namespace)}/configmaps/${seg(name)}`;
    const body = await this.#call('GET', path);
    if (!isRecord(body) || (body.data !== undefined && body.data !== null && !isRecord(body.data))) {
      throw new VouchError('INPUT_MALFORMED', `kubernetes GET ${path}: not a ConfigMap`);
    }
    // fromEntries defines own properties: a key named "__proto__" stays a key, never a prototype.
    return Object.fromEntries(
      Object.entries(isRecord(body.data) ? body.data : {}).filter(
        (e): e is [string, string] => typeof e[1] === 'string',
      ),
    );
  }

  /**
   * Records an Event on a resource.
   * @throws AUTH_FAILED, KUBE_API_ERROR, TIMEOUT
   */
  async createEvent(event: KubeEvent): Promise<void> {
    await this.#call(
      'POST',
      `/api/v1/namespaces/${seg(event.metadata.namespace)}/events`,
      event,
      'application/json',
    );
  }

  /**
   * Creates or replaces a PolicyReport / ClusterPolicyReport with server-side apply, so concurrent
   * replicas need no read-modify-write (the API server merges, `force` makes vouch own its fields).
   * @throws AUTH_FAILED, KUBE_API_ERROR, TIMEOUT
   */
  async applyPolicyReport(report: PolicyReport): Promise<void> {
    const name = seg(report.metadata.name);
    const path =
      report.kind === 'PolicyReport'
        ? `/apis/wgpolicyk8s.io/v1alpha2/namespaces/${seg(report.metadata.namespace ?? 'default')}/policyreports/${name}`
        : `/apis/wgpolicyk8s.io/v1alpha2/clusterpolicyreports/${name}`;
    // JSON is YAML, so the apply-patch content type takes the JSON document as is.
    await this.#call(
      'PATCH',
      `${path}?fieldManager=${FIELD_MANAGER}&force=true`,
      report,
      'application/apply-patch+yaml',
    );
  }

  /**
   * A Secret's data (decoded) and resourceVersion; undefined when it does not exist.
   * @throws AUTH_FAILED, KUBE_API_ERROR, TIMEOUT
   */
  async getSecret(
    namespace: string,
    name: string,
  ): Promise<{ data: Record<string, string>; resourceVersion: string } | undefined> {
    let body: unknown;
    try {
      body = await this.#call('GET', `/api/v1/namespaces/${seg(namespace)}/secrets/${seg(name)}`);
    } catch (e) {
      if (e instanceof VouchError && e.code === 'NOT_FOUND') return undefined;
      throw e;
    }
    const meta = isRecord(body) && isRecord(body.metadata) ? body.metadata : {};
    const data: Record<string, string> = {};
    if (isRecord(body) && isRecord(body.data)) {
      for (const [k, v] of Object.entries(body.data))
        if (typeof v === 'string') data[k] = Buffer.from(v, 'base64').toString('utf8');
    }
    return { data, resourceVersion: typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '' };
  }

  /**
   * Creates the Secret, or replaces it when `resourceVersion` is given (optimistic concurrency: another
   * writer in between makes this fail with a conflict, reported as `false`).
   * @throws AUTH_FAILED, KUBE_API_ERROR, TIMEOUT
   */
  async writeSecret(
    namespace: string,
    name: string,
    data: Readonly<Record<string, string>>,
    opts: { type?: string; resourceVersion?: string; labels?: Readonly<Record<string, string>> } = {},
  ): Promise<boolean> {
    const base = `/api/v1/namespaces/${seg(namespace)}/secrets`;
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name,
        namespace,
        ...(opts.labels ? { labels: opts.labels } : {}),
        ...(opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}),
      },
      type: opts.type ?? 'Opaque',
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    };
    try {
      if (opts.resourceVersion) await this.#call('PUT', `${base}/${seg(name)}`, secret, 'application/json');
      else await this.#call('POST', base, secret, 'application/json');
      return true;
    } catch (e) {
      if (e instanceof VouchError && e.code === 'KUBE_API_ERROR' && / 409 /.test(e.message)) return false;
      throw e;
    }
  }

  /**
   * Sets `clientConfig.caBundle` of every webhook of a webhook configuration, when it differs; returns
   * whether it changed. A JSON patch with a resourceVersion test, so a concurrent edit is not lost.
   * @throws NOT_FOUND, AUTH_FAILED, KUBE_API_ERROR, TIMEOUT
   */
  async setWebhookCaBundle(
    kind: 'validating' | 'mutating',
    name: string,
    caBundlePem: string,
  ): Promise<boolean> {
    const path = `/apis/admissionregistration.k8s.io/v1/${kind}webhookconfigurations/${seg(name)}`;
    const body = await this.#call('GET', path);
    const meta = isRecord(body) && isRecord(body.metadata) ? body.metadata : {};
    const hooks = isRecord(body) && Array.isArray(body.webhooks) ? body.webhooks : [];
    const bundle = Buffer.from(caBundlePem).toString('base64');
    const ops: unknown[] = [{ op: 'test', path: '/metadata/resourceVersion', value: meta.resourceVersion }];
    hooks.forEach((h, i) => {
      const current = isRecord(h) && isRecord(h.clientConfig) ? h.clientConfig.caBundle : undefined;
      if (current !== bundle)
        ops.push({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: bundle });
    });
    if (ops.length === 1) return false;
    await this.#call('PATCH', path, ops, 'application/json-patch+json');
    return true;
  }

  async #call(method: string, path: string, body?: unknown, contentType?: string): Promise<unknown> {
    const { url, payload, headers, what, isHttps } = kubeRequest(this.conn, method, path, body, contentType);
    const requestFn = isHttps ? httpsRequest : httpRequest;
    return new Promise<unknown>((resolve, reject) => {
      const req = requestFn(
        url,
        {
          method,
          headers,
          signal: AbortSignal.timeout(this.conn.timeoutMs ?? DEFAULT_TIMEOUT_MS),
          ...(isHttps ? tlsOptions(this.conn) : {}),
        },
        (res) => {
          readKubeBody(res, RESPONSE_MAX_BYTES, what).then((text) => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              try {
                resolve(text.length > 0 ? JSON.parse(text) : undefined);
              } catch (e) {
                reject(new VouchError('KUBE_API_ERROR', `${what}: response is not JSON`, { cause: e }));
              }
              return;
            }
            const detail = statusMessage(text);
            if (status === 401 || status === 403) {
              reject(
                new VouchError('AUTH_FAILED', `${what}: ${status} ${detail}`, {
                  hint: 'check the service account token and the chart ClusterRole (namespaces, configmaps get/list/watch; the policy kinds get/list/watch and status patch; events create; policyreports patch)',
                }),
              );
            } else if (status === 404 && method === 'GET') {
              reject(new VouchError('NOT_FOUND', `${what}: 404 ${detail}`));
            } else {
              reject(new VouchError('KUBE_API_ERROR', `${what}: ${status} ${detail}`));
            }
          }, reject);
        },
      );
      req.on('error', (e) => reject(wrapError(what, e)));
      req.end(payload);
    });
  }
}

/** One API server request as both clients send it: URL, JSON body, bearer token, and its name for errors. */
export function kubeRequest(
  conn: KubeConnection,
  method: string,
  path: string,
  body: unknown,
  contentType: string | undefined,
): {
  url: URL;
  payload: Buffer | undefined;
  headers: Record<string, string>;
  what: string;
  isHttps: boolean;
} {
  const url = new URL(path, `${conn.server}/`);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (conn.token) headers.authorization = `Bearer ${conn.token}`;
  if (payload && contentType) {
    headers['content-type'] = contentType;
    headers['content-length'] = String(payload.byteLength);
  }
  return {
    url,
    payload,
    headers,
    what: `kubernetes ${method} ${url.pathname}`,
    isHttps: url.protocol === 'https:',
  };
}

/**
 * Reads an API server response body up to `maxBytes`, for every client of the API server (calls,
 * lists, watches' error bodies). @throws INPUT_TOO_LARGE, KUBE_API_ERROR
 */
export function readKubeBody(res: IncomingMessage, maxBytes: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let seen = 0;
    res.on('data', (c: Buffer) => {
      seen += c.byteLength;
      if (seen > maxBytes) {
        res.destroy();
        reject(new VouchError('INPUT_TOO_LARGE', `${what}: response over ${maxBytes} bytes`));
        return;
      }
      chunks.push(c);
    });
    res.on('error', (e) => reject(wrapError(what, e)));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function seg(s: string): string {
  return encodeURIComponent(s);
}

/** The TLS options of a connection, for node:https requests. */
export function tlsOptions(conn: KubeConnection) {
  return {
    ...(conn.caPem ? { ca: conn.caPem } : {}),
    ...(conn.clientCertPem ? { cert: conn.clientCertPem } : {}),
    ...(conn.clientKeyPem ? { key: conn.clientKeyPem } : {}),
    rejectUnauthorized: conn.insecureSkipTlsVerify !== true,
    minVersion: 'TLSv1.2' as const,
  };
}

/** The message of a Kubernetes Status body, or the start of the raw text. */
export function statusMessage(text: string): string {
  try {
    const s: unknown = JSON.parse(text);
    if (isRecord(s) && typeof s.message === 'string') return s.message.slice(0, 300);
  } catch {
    // Not a Status object: fall through to the raw text, which is what a person needs to see.
  }
  return text.slice(0, 300);
}

/** A transport failure as TIMEOUT or KUBE_API_ERROR. */
export function wrapError(what: string, e: unknown): VouchError {
  if (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError')) {
    return new VouchError('TIMEOUT', `${what}: no answer in time`, { cause: e });
  }
  return new VouchError('KUBE_API_ERROR', `${what}: ${describeCause(e)}`, {
    cause: e,
    hint: 'is the API server reachable from the webhook pod?',
  });
}
