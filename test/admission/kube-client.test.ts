import assert from 'node:assert/strict';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { configMapsFromKube } from '../../src/admission/config-maps.js';
import {
  connectionFromKubeconfig,
  type DecisionRecord,
  eventsFor,
  inClusterConnection,
  KubeClient,
  policyReportFor,
  review,
} from '../../src/admission/index.js';
import { VouchError } from '../../src/errors.js';
import type { Digest } from '../../src/oci/digest.js';
import { admissionReviewFor, loadWorkload, testCertificate, withImages } from '../support/admission.js';
import { crdValidator } from '../support/crd-schema.js';
import { TableDecider } from '../support/table-decider.js';

const FIX = new URL('../fixtures/admission/', import.meta.url).pathname;
const validatePolicyReport = crdValidator(join(FIX, 'wgpolicyk8s.io_policyreports.v1alpha2.schema.json'));

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  type: string | undefined;
  body: unknown;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A loopback stand-in for the API server that records each request and answers from `handler`. */
async function fakeApiServer(
  t: { after: (fn: () => void) => void },
  handler: Handler,
  tls?: { cert: string; key: string },
) {
  const seen: Seen[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers.authorization,
        type: req.headers['content-type'],
        body: text ? JSON.parse(text) : undefined,
      });
      handler(req, res, text);
    });
  };
  const server: Server = tls ? createHttpsServer(tls, onRequest) : createHttpServer(onRequest);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  return { seen, url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}` };
}

const ok: Handler = (_req, res, body) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body || '{}');
};

async function decision(): Promise<DecisionRecord> {
  const digest = `sha256:${'e5'.repeat(32)}` as Digest;
  const img = 'registry.example.com/team/unsigned:1.0.0';
  const r = await review(
    admissionReviewFor(withImages(loadWorkload('deployment.json'), [img]), { namespace: 'shop' }),
    {
      decider: new TableDecider(new Map([[img, { digest, signed: false }]]), { mode: 'audit' }),
      mode: 'audit',
      endpoint: 'validate',
      now: new Date('2026-11-23T12:00:00Z'),
      deadlineMs: 9000,
    },
  );
  assert.ok(r.decision);
  return r.decision;
}

test('a PolicyReport is written with server-side apply to its namespaced path, with the bearer token', async (t) => {
  const api = await fakeApiServer(t, ok);
  const client = new KubeClient({ server: api.url, token: 'sa-token' });
  const report = policyReportFor(await decision());
  await client.applyPolicyReport(report);
  assert.equal(api.seen.length, 1);
  const [req] = api.seen;
  assert.equal(req?.method, 'PATCH');
  assert.equal(
    req?.url,
    '/apis/wgpolicyk8s.io/v1alpha2/namespaces/shop/policyreports/vouch-deployment-web?fieldManager=vouch&force=true',
  );
  assert.equal(req?.auth, 'Bearer sa-token');
  assert.equal(req?.type, 'application/apply-patch+yaml');
  assert.ok(validatePolicyReport(req?.body), JSON.stringify(validatePolicyReport.errors));
});

test('a ClusterPolicyReport goes to the cluster-scoped path', async (t) => {
  const api = await fakeApiServer(t, ok);
  const d = await decision();
  await new KubeClient({ server: api.url }).applyPolicyReport(
    policyReportFor({ ...d, resource: { ...d.resource, namespace: '' } }),
  );
  assert.equal(
    api.seen[0]?.url,
    '/apis/wgpolicyk8s.io/v1alpha2/clusterpolicyreports/vouch-deployment-web?fieldManager=vouch&force=true',
  );
});

test('an Event is POSTed to the events of the resource namespace', async (t) => {
  const api = await fakeApiServer(t, (_q, res) => {
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end('{}');
  });
  const [event] = eventsFor(await decision(), 'vouch-0');
  assert.ok(event);
  await new KubeClient({ server: api.url, token: 't' }).createEvent(event);
  const [req] = api.seen;
  assert.equal(req?.method, 'POST');
  assert.equal(req?.url, '/api/v1/namespaces/shop/events');
  assert.equal(req?.type, 'application/json');
  const body = req?.body as Record<string, unknown>;
  assert.equal(body.kind, 'Event');
  assert.equal(body.reason, 'PolicyViolation');
  assert.deepEqual(Object.keys(body.involvedObject as object).sort(), [
    'apiVersion',
    'kind',
    'name',
    'namespace',
  ]);
});

test('namespace labels are read with GET /api/v1/namespaces/{name}', async (t) => {
  const api = await fakeApiServer(t, (_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Namespace',
        metadata: { name: 'shop', labels: { 'policy.sigstore.dev/include': 'true', n: 1 } },
      }),
    );
  });
  const labels = await new KubeClient({ server: api.url }).namespaceLabels('shop');
  assert.deepEqual(labels, { 'policy.sigstore.dev/include': 'true' });
  assert.deepEqual([api.seen[0]?.method, api.seen[0]?.url], ['GET', '/api/v1/namespaces/shop']);
});

test('a 403 from the API server is AUTH_FAILED with the RBAC hint', async (t) => {
  const api = await fakeApiServer(t, (_q, res) => {
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', message: 'events is forbidden' }));
  });
  const [event] = eventsFor(await decision(), 'vouch-0');
  assert.ok(event);
  await assert.rejects(new KubeClient({ server: api.url }).createEvent(event), {
    code: 'AUTH_FAILED',
    message: /events is forbidden/,
  });
});

test('a 404 namespace is NOT_FOUND and a 500 is KUBE_API_ERROR', async (t) => {
  let status = 404;
  const api = await fakeApiServer(t, (_q, res) => {
    res.writeHead(status);
    res.end('{"message":"nope"}');
  });
  const client = new KubeClient({ server: api.url });
  await assert.rejects(client.namespaceLabels('gone'), { code: 'NOT_FOUND' });
  status = 500;
  await assert.rejects(client.namespaceLabels('x'), { code: 'KUBE_API_ERROR' });
});

test('an API server that does not answer is a TIMEOUT', async (t) => {
  const api = await fakeApiServer(t, () => undefined);
  await assert.rejects(new KubeClient({ server: api.url, timeoutMs: 50 }).namespaceLabels('x'), {
    code: 'TIMEOUT',
  });
});

test('a refused connection is KUBE_API_ERROR', async () => {
  // Bind a loopback port, then close it, so nothing listens there.
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  await assert.rejects(new KubeClient({ server: `http://127.0.0.1:${port}` }).namespaceLabels('x'), {
    code: 'KUBE_API_ERROR',
  });
});

test('HTTPS with the cluster CA from a kubeconfig is trusted, and a wrong CA is refused', async (t) => {
  const pair = await testCertificate();
  const api = await fakeApiServer(t, ok, { cert: pair.certPem, key: pair.keyPem });
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'current-context: test',
    'contexts: [{name: test, context: {cluster: c, user: u}}]',
    `clusters: [{name: c, cluster: {server: "${api.url}", certificate-authority-data: ${Buffer.from(pair.certPem).toString('base64')}}}]`,
    'users: [{name: u, user: {token: kc-token}}]',
  ].join('\n');
  const conn = connectionFromKubeconfig(kubeconfig);
  assert.equal(conn.token, 'kc-token');
  await new KubeClient(conn).namespaceLabels('x');
  assert.equal(api.seen[0]?.auth, 'Bearer kc-token');
  await assert.rejects(new KubeClient({ server: api.url }).namespaceLabels('x'), { code: 'KUBE_API_ERROR' });
});

test('the in-cluster connection is built from the service env and account files', () => {
  const conn = inClusterConnection({ host: '10.96.0.1', port: '443', token: 'tok\n', caPem: 'CA' });
  assert.deepEqual(conn, { server: 'https://10.96.0.1:443', token: 'tok', caPem: 'CA' });
  assert.equal(
    inClusterConnection({ host: 'fd00::1', port: '443', token: 't', caPem: 'c' }).server,
    'https://[fd00::1]:443',
  );
  assert.throws(() => inClusterConnection({ host: undefined, port: '443', token: 't', caPem: 'c' }), {
    code: 'USAGE',
  });
});

test('a kubeconfig without the named context is INPUT_MALFORMED', () => {
  assert.throws(() => connectionFromKubeconfig('current-context: nope\ncontexts: []\n'), {
    code: 'INPUT_MALFORMED',
  });
  assert.throws(() => connectionFromKubeconfig(': : :'), { code: 'INPUT_MALFORMED' });
  assert.throws(() => connectionFromKubeconfig('- a'), { code: 'INPUT_MALFORMED' });
});

test('ConfigMap data is read with GET /api/v1/namespaces/{ns}/configmaps/{name}, strings only', async (t) => {
  const api = await fakeApiServer(t, (_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'ConfigMap',
        metadata: { name: 'keys', namespace: 'kyverno' },
        data: { org: '-----BEGIN PUBLIC KEY-----\n…', n: 1 },
        binaryData: { blob: 'AAAA' },
      }),
    );
  });
  const data = await new KubeClient({ server: api.url, token: 't0k' }).configMapData('kyverno', 'keys');
  assert.deepEqual(data, { org: '-----BEGIN PUBLIC KEY-----\n…' });
  assert.deepEqual(
    [api.seen[0]?.method, api.seen[0]?.url, api.seen[0]?.auth],
    ['GET', '/api/v1/namespaces/kyverno/configmaps/keys', 'Bearer t0k'],
  );
});

test('ConfigMaps from the API are read once within the TTL, and a 404 ConfigMap is absent', async (t) => {
  const api = await fakeApiServer(t, (q, res) => {
    if (q.url === '/api/v1/namespaces/default/configmaps/keys') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'ConfigMap', data: { org: 'pem' } }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', message: 'configmaps "gone" not found' }));
    }
  });
  let now = 0;
  const source = configMapsFromKube(new KubeClient({ server: api.url }), { ttlMs: 1000, now: () => now });
  const all = await Promise.all(Array.from({ length: 10 }, () => source('default', 'keys')));
  assert.ok(all.every((d) => d?.['org'] === 'pem'));
  assert.equal(api.seen.length, 1);
  now = 1000;
  await source('default', 'keys');
  assert.equal(api.seen.length, 2);
  assert.equal(await source('default', 'gone'), undefined);
});

test('a ConfigMap the service account may not read is AUTH_FAILED naming configmaps in the hint', async (t) => {
  const api = await fakeApiServer(t, (_q, res) => {
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', message: 'configmaps "keys" is forbidden' }));
  });
  const source = configMapsFromKube(new KubeClient({ server: api.url }), { ttlMs: 1000, now: () => 0 });
  await assert.rejects(source('default', 'keys'), (e: unknown) => {
    assert.ok(e instanceof VouchError);
    assert.equal(e.code, 'AUTH_FAILED');
    assert.match(e.hint ?? '', /configmaps get/);
    return true;
  });
});
