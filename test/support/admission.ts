import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { type CertificatePair, generateSelfSignedCertificate } from '../../src/admission/index.js';

const FIXTURES = new URL('../fixtures/admission/', import.meta.url).pathname;

/** Group/version/resource of each workload kind, as the API server puts them in a request. */
const GVR: Record<string, { group: string; version: string; resource: string }> = {
  Pod: { group: '', version: 'v1', resource: 'pods' },
  ReplicationController: { group: '', version: 'v1', resource: 'replicationcontrollers' },
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  ReplicaSet: { group: 'apps', version: 'v1', resource: 'replicasets' },
  Job: { group: 'batch', version: 'v1', resource: 'jobs' },
  CronJob: { group: 'batch', version: 'v1', resource: 'cronjobs' },
  ConfigMap: { group: '', version: 'v1', resource: 'configmaps' },
};

export type Json = Record<string, unknown>;

/** A workload object from test/fixtures/admission/workloads (kubectl --dry-run=client -o json shape). */
export function loadWorkload(file: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES, 'workloads', file), 'utf8')) as Json;
}

export function loadFixture(file: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Json;
}

let uidCounter = 0;

/** Wraps an object into an AdmissionReview request as the API server sends it. */
export function admissionReviewFor(
  object: Json,
  opts: { namespace?: string; operation?: string; dryRun?: boolean; uid?: string } = {},
): Json {
  const kind = String(object.kind);
  const gvr = GVR[kind] ?? { group: '', version: 'v1', resource: `${kind.toLowerCase()}s` };
  const meta = (object.metadata ?? {}) as Json;
  const namespace = opts.namespace ?? 'default';
  uidCounter += 1;
  const uid = opts.uid ?? `00000000-0000-4000-8000-${String(uidCounter).padStart(12, '0')}`;
  return {
    kind: 'AdmissionReview',
    apiVersion: 'admission.k8s.io/v1',
    request: {
      uid,
      kind: { group: gvr.group, version: gvr.version, kind },
      resource: gvr,
      requestKind: { group: gvr.group, version: gvr.version, kind },
      requestResource: gvr,
      name: meta.name,
      namespace,
      operation: opts.operation ?? 'CREATE',
      userInfo: { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] },
      object: { ...object, metadata: { ...meta, namespace } },
      oldObject: null,
      dryRun: opts.dryRun ?? false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl-create' },
    },
  };
}

/** Replaces every container image of a workload object (all three container lists). */
export function withImages(object: Json, images: string[]): Json {
  const copy = structuredClone(object);
  const lists: unknown[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if ((k === 'containers' || k === 'initContainers' || k === 'ephemeralContainers') && Array.isArray(v))
          lists.push(...v);
        else visit(v);
      }
    }
  };
  visit(copy);
  lists.forEach((c, i) => {
    (c as Json).image = images[i % images.length];
  });
  return copy;
}

let certPromise: Promise<CertificatePair> | undefined;

/** One openssl-made self-signed certificate per test process (fails with the install hint if missing). */
export function testCertificate(): Promise<CertificatePair> {
  certPromise ??= generateSelfSignedCertificate(['localhost', '127.0.0.1']);
  return certPromise;
}

export interface HttpsResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  peerFingerprint: string;
}

/** One HTTPS request to the webhook, trusting only `caPem` (the server's self-signed certificate). */
export function httpsRequest(
  url: string,
  caPem: string,
  opts: {
    method?: string;
    path: string;
    body?: string | Buffer;
    headers?: Record<string, string>;
    chunked?: boolean;
  },
): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = request(
      new URL(opts.path, url),
      { method: opts.method ?? 'GET', ca: caPem, headers: opts.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        const fp = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256 ?? '';
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          settled = true;
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            peerFingerprint: fp,
          });
        });
        res.on('error', (e) => {
          if (!settled) reject(e);
        });
      },
    );
    // A server that refuses an oversized body closes the connection while we still write: ignore
    // write-side errors once a response has arrived.
    req.on('error', (e) => {
      if (!settled) setImmediate(() => !settled && reject(e));
    });
    if (opts.body !== undefined && opts.chunked) {
      const buf = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
      const step = 64 * 1024;
      for (let i = 0; i < buf.byteLength; i += step) req.write(buf.subarray(i, i + step));
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}

/** POSTs an AdmissionReview and returns the parsed response body. */
export async function postReview(
  url: string,
  caPem: string,
  path: string,
  review: unknown,
): Promise<{ status: number; json: Json }> {
  const r = await httpsRequest(url, caPem, {
    method: 'POST',
    path,
    body: JSON.stringify(review),
    headers: { 'content-type': 'application/json' },
  });
  return { status: r.status, json: JSON.parse(r.body) as Json };
}

/** Applies an RFC 6902 patch of `replace` ops (what vouch emits) to a copy of `doc`. */
export function applyReplacePatch(
  doc: Json,
  patch: Array<{ op: string; path: string; value: unknown }>,
): Json {
  const copy = structuredClone(doc);
  for (const op of patch) {
    if (op.op !== 'replace') throw new Error(`unexpected op ${op.op}`);
    const tokens = op.path
      .split('/')
      .slice(1)
      .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = tokens.pop();
    let node: unknown = copy;
    for (const t of tokens) node = (node as Record<string, unknown>)[t];
    if (last === undefined || node === undefined || !(last in (node as object)))
      throw new Error(`path ${op.path} does not exist`);
    (node as Record<string, unknown>)[last] = op.value;
  }
  return copy;
}
