import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { type Stats, unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { VouchError, describeCause, isVouchError } from '../errors.js';
import { type Limits, withLimits } from '../limits.js';
import { CachingDecider } from './caching-decider.js';
import type {
  DecideContext,
  EnforcementMode,
  ImageCheckRequest,
  ImageDecider,
  ImageDecision,
} from './decider.js';
import { EvidenceRecorder } from './evidence-recorder.js';
import type { KubeClient } from './kube-client.js';
import { AdmissionMetrics } from './metrics.js';
import { readRequestBody } from './request-body.js';
import { type ReviewEndpoint, review } from './review.js';

export type TlsSource =
  | { readonly kind: 'pem'; readonly certPem: string; readonly keyPem: string }
  /** Files re-read when they change: cert-manager rotates the Secret, the kubelet swaps the files. */
  | {
      readonly kind: 'files';
      readonly certFile: string;
      readonly keyFile: string;
      readonly pollIntervalMs?: number;
    };

export interface Readiness {
  readonly ready: boolean;
  /** Why not ready, e.g. "no policies loaded", "trusted root expired". */
  readonly reasons: readonly string[];
}

export interface AdmissionServerOptions {
  readonly tls: TlsSource;
  readonly decider: ImageDecider;
  /** Mode for failures no policy owns (malformed request, deadline, decider error). */
  readonly mode: EnforcementMode;
  readonly host?: string;
  readonly port?: number;
  /** Below the webhook's timeoutSeconds (10 in the chart): 9 s by default. */
  readonly deadlineMs?: number;
  readonly limits?: Partial<Limits>;
  /** /readyz: policies loaded and trust material valid. Ready when absent. */
  readonly readiness?: () => Promise<Readiness>;
  readonly namespaceLabels?: (namespace: string) => Promise<Readonly<Record<string, string>>>;
  readonly reportDir?: string;
  readonly decisionLogPath?: string;
  readonly kube?: KubeClient;
  /** Verdict cache; `false` turns it off. */
  readonly cache?: false | { maxEntries?: number; successTtlMs?: number; failureTtlMs?: number };
  /**
   * Which endpoint's decisions become metrics, reports, events and log lines: `validate` (default, the
   * chart always installs it) or `mutate` for a mutate-only installation.
   */
  readonly evidenceFrom?: ReviewEndpoint;
  /** Milliseconds since the epoch; the one clock of the server. */
  readonly clock?: () => number;
  readonly log?: (line: string) => void;
  readonly onTlsReload?: (outcome: { ok: true } | { ok: false; error: VouchError }) => void;
}

export interface AdmissionServer {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly metrics: AdmissionMetrics;
  readonly evidence: EvidenceRecorder;
  /** Re-reads the TLS files now (also done automatically when they change). */
  reloadTls(): Promise<void>;
  /** Forgets cached decisions (after a policy or trust-root reload). */
  invalidateCache(): void;
  close(): Promise<void>;
}

const DEFAULT_DEADLINE_MS = 9_000;
const JSON_TYPE = 'application/json';

/**
 * Starts the admission webhook over HTTPS (TLS 1.2+): POST /validate and /mutate take AdmissionReviews,
 * GET /healthz, /readyz, /metrics and /reports serve operations. Every review path answers with an
 * AdmissionReview or a 4xx; nothing is left to the API server's failurePolicy.
 * @throws FILE_NOT_FOUND / IO_ERROR when TLS files cannot be read, USAGE for bad options
 */
export async function startAdmissionServer(opts: AdmissionServerOptions): Promise<AdmissionServer> {
  const limits = withLimits(opts.limits);
  const clock = opts.clock ?? Date.now;
  const log = opts.log ?? (() => undefined);
  const metrics = new AdmissionMetrics();
  const instance = `vouch-${randomBytes(4).toString('hex')}`;
  const evidence = new EvidenceRecorder({
    ...(opts.reportDir !== undefined ? { reportDir: opts.reportDir } : {}),
    ...(opts.decisionLogPath !== undefined ? { decisionLogPath: opts.decisionLogPath } : {}),
    ...(opts.kube !== undefined ? { kube: opts.kube } : {}),
    instance,
    onError: (what, e) => {
      metrics.requests.inc({ endpoint: 'evidence', code: 'error' });
      log(`vouch admission: writing ${what} failed: ${describeCause(e)}`);
    },
  });

  // In-flight counts real verifications, so it sits under the cache.
  const counted: ImageDecider = {
    async decide(req: ImageCheckRequest, ctx: DecideContext): Promise<ImageDecision> {
      metrics.inFlight.inc();
      try {
        return await opts.decider.decide(req, ctx);
      } finally {
        metrics.inFlight.dec();
      }
    },
    // The cache keys on what the decider reads of a request, so the wrapper must pass that through.
    ...(opts.decider.inputs ? { inputs: opts.decider.inputs.bind(opts.decider) } : {}),
    // Which images an object has depends on the active policies (imageExtractors): pass that through too.
    ...(opts.decider.images ? { images: opts.decider.images.bind(opts.decider) } : {}),
    // A failure is owned by the policies that select the image, whatever the server's mode: pass it on.
    ...(opts.decider.owners ? { owners: opts.decider.owners.bind(opts.decider) } : {}),
  };
  const caching =
    opts.cache === false
      ? undefined
      : new CachingDecider(counted, {
          maxEntries: opts.cache?.maxEntries ?? 10_000,
          successTtlMs: opts.cache?.successTtlMs ?? 5 * 60_000,
          failureTtlMs: opts.cache?.failureTtlMs ?? 30_000,
          now: clock,
          onEvent: (e) => metrics.recordCacheEvent(e),
        });
  const decider = caching ?? counted;
  const deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const evidenceFrom: ReviewEndpoint = opts.evidenceFrom ?? 'validate';

  const initial = await loadTls(opts.tls);
  const server: Server = createServer({ ...initial, minVersion: 'TLSv1.2' });
  // The API server keeps connections to webhooks open (Go's idle timeout is 90 s): outlive it, so the
  // server never closes a connection the client is about to reuse.
  server.keepAliveTimeout = 95_000;
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  server.maxHeadersCount = 100;

  const handleReview = async (
    endpoint: ReviewEndpoint,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<number> => {
    if (req.method !== 'POST') {
      req.resume();
      return sendJson(
        res,
        405,
        { error: { code: 'USAGE', message: `${req.method} not allowed; POST an AdmissionReview` } },
        { allow: 'POST' },
      );
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== JSON_TYPE) {
      req.resume();
      return sendJson(res, 415, {
        error: { code: 'INPUT_MALFORMED', message: `content-type must be ${JSON_TYPE}` },
      });
    }
    let body: unknown;
    try {
      const bytes = await readRequestBody(req, limits.admissionBodyMaxBytes);
      body = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      if (isVouchError(e) && e.code === 'INPUT_TOO_LARGE') {
        // Stop reading and close: the rest of an oversized body is never buffered.
        return sendJson(res, 413, { error: e.toJSON() }, { connection: 'close' });
      }
      const err = isVouchError(e)
        ? e
        : new VouchError('INPUT_MALFORMED', `request body is not JSON: ${describeCause(e)}`);
      return sendJson(res, 400, { error: err.toJSON() });
    }
    const result = await review(body, {
      decider,
      mode: opts.mode,
      endpoint,
      now: new Date(clock()),
      deadlineMs,
      ...(opts.namespaceLabels ? { namespaceLabels: opts.namespaceLabels } : {}),
    });
    // With both webhooks installed every admission is decided twice (mutate, then validate): evidence
    // and admission metrics come from one of them only, so nothing is counted or reported twice.
    if (result.decision !== undefined && endpoint === evidenceFrom) {
      metrics.recordDecision(result.decision);
      evidence.record(result.decision);
    }
    return sendJson(res, 200, result.review);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let endpoint = 'other';
    let code: number;
    try {
      switch (path) {
        case '/validate':
        case '/mutate':
          endpoint = path.slice(1);
          code = await handleReview(endpoint as ReviewEndpoint, req, res);
          break;
        case '/healthz':
          code = getOnly(req, res) ?? sendText(res, 200, 'ok\n');
          break;
        case '/readyz': {
          code = getOnly(req, res) ?? (await readyz(res));
          break;
        }
        case '/metrics':
          code =
            getOnly(req, res) ??
            sendText(res, 200, await metrics.registry.metrics(), metrics.registry.contentType);
          break;
        case '/reports':
          code =
            getOnly(req, res) ??
            sendJson(res, 200, { apiVersion: 'v1', kind: 'List', items: evidence.reports() });
          break;
        default:
          req.resume();
          code = sendJson(res, 404, {
            error: { code: 'NOT_FOUND', message: `no route ${path.slice(0, 100)}` },
          });
      }
    } catch (e) {
      // Last resort for a bug in the handler itself; a review never gets here (review() is total).
      log(`vouch admission: internal error on ${path}: ${describeCause(e)}`);
      code = res.headersSent
        ? 500
        : sendJson(res, 500, { error: { code: 'INTERNAL', message: 'internal error, please report' } });
    }
    metrics.requests.inc({ endpoint, code: String(code) });
    if (endpoint === 'validate' || endpoint === 'mutate') {
      metrics.requestDuration.observe({ endpoint }, (performance.now() - started) / 1000);
    }
  };

  const readyz = async (res: ServerResponse): Promise<number> => {
    let r: Readiness = { ready: true, reasons: [] };
    if (opts.readiness) {
      try {
        r = await opts.readiness();
      } catch (e) {
        r = { ready: false, reasons: [`readiness check failed: ${describeCause(e)}`] };
      }
    }
    return sendText(res, r.ready ? 200 : 503, r.ready ? 'ok\n' : `not ready: ${r.reasons.join('; ')}\n`);
  };

  server.on('request', (req, res) => {
    void handle(req, res);
  });
  server.on('tlsClientError', () => undefined);

  let watching: (() => void) | undefined;
  // Reloads run one after another, so a slow read of old files never lands after a newer one.
  let reloadChain: Promise<void> = Promise.resolve();
  const reloadTls = (): Promise<void> => {
    reloadChain = reloadChain.then(reloadOnce);
    return reloadChain;
  };
  const reloadOnce = async (): Promise<void> => {
    try {
      const next = await loadTls(opts.tls);
      server.setSecureContext({ ...next, minVersion: 'TLSv1.2' });
      opts.onTlsReload?.({ ok: true });
    } catch (e) {
      // A half-rotated pair (new cert, old key) must not take the webhook down: keep serving the old one.
      const error = isVouchError(e)
        ? e
        : new VouchError('IO_ERROR', `TLS reload: ${describeCause(e)}`, { cause: e });
      log(`vouch admission: TLS reload failed, keeping the previous certificate: ${error.message}`);
      opts.onTlsReload?.({ ok: false, error });
    }
  };
  if (opts.tls.kind === 'files') {
    const { certFile, keyFile } = opts.tls;
    const interval = opts.tls.pollIntervalMs ?? 10_000;
    // mtime polling, not fs.watch: Secret volumes swap a `..data` symlink, which inotify on the file misses.
    const onChange = (cur: Stats, prev: Stats): void => {
      if (cur.mtimeMs !== prev.mtimeMs || cur.ino !== prev.ino) void reloadTls();
    };
    watchFile(certFile, { interval, persistent: false }, onChange);
    watchFile(keyFile, { interval, persistent: false }, onChange);
    watching = () => {
      unwatchFile(certFile, onChange);
      unwatchFile(keyFile, onChange);
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new VouchError('IO_ERROR', `admission server: ${describeCause(e)}`, { cause: e })),
    );
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    metrics,
    evidence,
    reloadTls,
    invalidateCache: () => caching?.invalidate(),
    async close() {
      watching?.();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await evidence.flush();
    },
  };
}

async function loadTls(src: TlsSource): Promise<{ cert: string; key: string }> {
  if (src.kind === 'pem') return { cert: src.certPem, key: src.keyPem };
  const read = async (file: string, what: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'IO_ERROR';
      throw new VouchError(code, `${what} ${file}: ${describeCause(e)}`, {
        cause: e,
        hint: 'check --tls-cert / --tls-key',
      });
    }
  };
  const cert = await read(src.certFile, 'TLS certificate');
  const key = await read(src.keyFile, 'TLS key');
  // Validate the pair before it replaces the live one: a half-written file or a key of another
  // certificate would otherwise leave the server unable to complete any handshake.
  try {
    if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key)))
      throw new Error('the key does not belong to the certificate');
  } catch (e) {
    throw new VouchError(
      'INPUT_MALFORMED',
      `TLS certificate and key do not form a usable pair: ${describeCause(e)}`,
      { cause: e },
    );
  }
  return { cert, key };
}

function getOnly(req: IncomingMessage, res: ServerResponse): number | undefined {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  req.resume();
  return sendJson(
    res,
    405,
    { error: { code: 'USAGE', message: `${req.method} not allowed` } },
    { allow: 'GET' },
  );
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): number {
  return sendText(res, status, JSON.stringify(body), JSON_TYPE, headers);
}

function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  type = 'text/plain; charset=utf-8',
  headers: Record<string, string> = {},
): number {
  const buf = Buffer.from(text);
  res.writeHead(status, { 'content-type': type, 'content-length': String(buf.byteLength), ...headers });
  res.end(buf);
  return status;
}
