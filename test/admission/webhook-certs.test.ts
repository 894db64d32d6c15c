// vouch's own webhook certificates, without cert-manager, against a loopback HTTPS stand-in for the
// Kubernetes API (Secrets: GET/POST/PUT with resourceVersion conflicts; webhook configurations: GET and
// JSON patch with a resourceVersion test), as Kyverno and policy-controller manage theirs: a CA and a
// serving certificate in one Secret, the CA in the webhooks' caBundle, re-issued before expiry, and
// replicas that race agree on one pair.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KubeClient } from '../../src/admission/kube-client.js';
import { reconcileWebhookCertificates, type WebhookCertOptions } from '../../src/admission/webhook-certs.js';
import { testCertificate } from '../support/admission.js';
import { startCli } from '../support/cli.js';

type Obj = Record<string, unknown> & { metadata: { name: string; resourceVersion?: string } };

/** The API objects this test needs, with resourceVersion semantics, served over TLS on loopback. */
async function apiServer(t: { after: (fn: () => void) => void }) {
  const pair = await testCertificate();
  let rv = 100;
  const objects = new Map<string, Obj>();
  const writes: string[] = [];
  const put = (path: string, o: Obj) => {
    rv += 1;
    objects.set(path, { ...o, metadata: { ...o.metadata, resourceVersion: String(rv) } });
  };
  for (const kind of ['validating', 'mutating']) {
    put(
      `/apis/admissionregistration.k8s.io/v1/${kind}webhookconfigurations/vouch-${kind === 'validating' ? 'validate' : 'mutate'}`,
      {
        metadata: { name: `vouch-${kind}` },
        webhooks: [
          {
            name: `${kind}.vouch.svc`,
            clientConfig: { service: { name: 'vouch', namespace: 'vouch-system' } },
          },
        ],
      },
    );
  }
  const status = (code: number, reason: string, message: string) =>
    JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
  const server = createHttpsServer({ cert: pair.certPem, key: pair.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString()) as unknown) : undefined;
      const reply = (code: number, payload: string) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(payload);
      };
      const existing = objects.get(path);
      if (req.method === 'GET') {
        if (!existing) return reply(404, status(404, 'NotFound', `${path} not found`));
        return reply(200, JSON.stringify(existing));
      }
      if (req.method === 'POST') {
        const o = body as Obj;
        const target = `${path}/${o.metadata.name}`;
        if (objects.has(target))
          return reply(409, status(409, 'AlreadyExists', `${o.metadata.name} already exists`));
        writes.push(`POST ${target}`);
        put(target, o);
        return reply(201, JSON.stringify(objects.get(target)));
      }
      if (req.method === 'PUT') {
        const o = body as Obj;
        if (!existing) return reply(404, status(404, 'NotFound', 'not found'));
        if (o.metadata.resourceVersion !== existing.metadata.resourceVersion)
          return reply(409, status(409, 'Conflict', 'the object has been modified'));
        writes.push(`PUT ${path}`);
        put(path, o);
        return reply(200, JSON.stringify(objects.get(path)));
      }
      if (req.method === 'PATCH' && req.headers['content-type'] === 'application/json-patch+json') {
        if (!existing) return reply(404, status(404, 'NotFound', 'not found'));
        const next = structuredClone(existing) as Record<string, unknown>;
        for (const op of body as Array<{ op: string; path: string; value: unknown }>) {
          const keys = op.path.split('/').slice(1);
          const last = keys.pop() ?? '';
          let node: unknown = next;
          for (const k of keys) node = (node as Record<string, unknown>)[k];
          if (op.op === 'test') {
            if ((node as Record<string, unknown>)[last] !== op.value)
              return reply(409, status(409, 'Conflict', `test of ${op.path} failed`));
          } else (node as Record<string, unknown>)[last] = op.value;
        }
        writes.push(`PATCH ${path}`);
        put(path, next as Obj);
        return reply(200, JSON.stringify(objects.get(path)));
      }
      reply(405, status(405, 'MethodNotAllowed', `${req.method} not served here`));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kube = new KubeClient({ server: url, caPem: pair.certPem, token: 'test-token' });
  const secret = () =>
    objects.get('/api/v1/namespaces/vouch-system/secrets/vouch-tls') as
      | (Obj & { type: string; data: Record<string, string> })
      | undefined;
  const caBundle = (kind: 'validating' | 'mutating') => {
    const o = objects.get(
      `/apis/admissionregistration.k8s.io/v1/${kind}webhookconfigurations/vouch-${kind === 'validating' ? 'validate' : 'mutate'}`,
    ) as unknown as { webhooks: Array<{ clientConfig: { caBundle?: string } }> };
    const b = o.webhooks[0]?.clientConfig.caBundle;
    return b === undefined ? undefined : Buffer.from(b, 'base64').toString();
  };
  return { kube, writes, secret, caBundle, url, caPem: pair.certPem };
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vouch-webhook-certs-'));
  dirs.push(d);
  return d;
}

const T0 = new Date('2026-12-01T00:00:00Z');

function options(kube: KubeClient, now: Date, dir = tempDir()): WebhookCertOptions {
  return {
    kube,
    namespace: 'vouch-system',
    secretName: 'vouch-tls',
    service: 'vouch',
    webhookConfigurations: [
      { kind: 'validating', name: 'vouch-validate' },
      { kind: 'mutating', name: 'vouch-mutate' },
    ],
    dir,
    now: () => now,
    log: () => {},
  };
}

/** A TLS handshake to a server presenting the pair, trusting only `caPem`, for the service's DNS name. */
async function handshake(
  certFile: string,
  keyFile: string,
  caPem: string,
  servername: string,
): Promise<void> {
  const server = createHttpsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (_q, r) =>
    r.end('ok'),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, servername, ca: caPem, path: '/' }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

test('on an empty cluster: a CA and serving certificate in the Secret, the CA in both caBundles, the pair on disk', async (t) => {
  const api = await apiServer(t);
  // Real time here: the handshake checks validity against the clock.
  const state = await reconcileWebhookCertificates(options(api.kube, new Date()));
  assert.equal(state.issued, true);
  const s = api.secret();
  assert.ok(s);
  assert.equal(s.type, 'kubernetes.io/tls');
  assert.deepEqual(Object.keys(s.data).sort(), ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
  const caPem = api.caBundle('validating');
  assert.ok(caPem);
  assert.equal(api.caBundle('mutating'), caPem);
  const leaf = new X509Certificate(readFileSync(state.certFile));
  assert.equal(leaf.verify(new X509Certificate(caPem).publicKey), true);
  assert.ok(leaf.checkHost('vouch.vouch-system.svc'));
  assert.ok(leaf.checkHost('vouch.vouch-system.svc.cluster.local'));
  await handshake(state.certFile, state.keyFile, caPem, 'vouch.vouch-system.svc');
});

test('a second replica adopts the stored pair: nothing is issued, written or patched', async (t) => {
  const api = await apiServer(t);
  const first = await reconcileWebhookCertificates(options(api.kube, T0));
  const writes = api.writes.length;
  const second = await reconcileWebhookCertificates(options(api.kube, T0));
  assert.equal(second.issued, false);
  assert.equal(api.writes.length, writes);
  assert.equal(readFileSync(second.certFile, 'utf8'), readFileSync(first.certFile, 'utf8'));
});

test('two replicas starting at once on an empty cluster end with one pair (the loser adopts the winner)', async (t) => {
  const api = await apiServer(t);
  const [a, b] = await Promise.all([
    reconcileWebhookCertificates(options(api.kube, T0)),
    reconcileWebhookCertificates(options(api.kube, T0)),
  ]);
  assert.equal(readFileSync(a.certFile, 'utf8'), readFileSync(b.certFile, 'utf8'));
  assert.equal(api.writes.filter((w) => w.includes('/secrets')).length, 1);
});

test('the serving certificate is re-issued before it expires, under the same CA (caBundle unchanged)', async (t) => {
  const api = await apiServer(t);
  const first = await reconcileWebhookCertificates(options(api.kube, T0));
  const bundle = api.caBundle('validating');
  const firstLeaf = readFileSync(first.certFile, 'utf8');
  // 20 days before expiry: inside the 30-day renewal window.
  const later = new Date(first.notAfter.getTime() - 20 * 86_400_000);
  const patchesBefore = api.writes.filter((w) => w.startsWith('PATCH')).length;
  const renewed = await reconcileWebhookCertificates(options(api.kube, later));
  assert.equal(renewed.issued, true);
  assert.notEqual(readFileSync(renewed.certFile, 'utf8'), firstLeaf);
  assert.ok(renewed.notAfter.getTime() > first.notAfter.getTime());
  assert.equal(api.caBundle('validating'), bundle);
  assert.equal(api.writes.filter((w) => w.startsWith('PATCH')).length, patchesBefore);
});

test('a CA that would not outlive a new serving certificate is replaced; the bundle keeps the old CA while valid', async (t) => {
  const api = await apiServer(t);
  await reconcileWebhookCertificates(options(api.kube, T0));
  const oldCa = new X509Certificate(api.caBundle('validating') ?? '');
  const late = new Date(Date.parse(oldCa.validTo) - 100 * 86_400_000);
  const state = await reconcileWebhookCertificates(options(api.kube, late));
  assert.equal(state.issued, true);
  const bundle = api.caBundle('validating') ?? '';
  const pems = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  assert.equal(pems.length, 2);
  assert.equal(new X509Certificate(pems[1] ?? '').fingerprint256, oldCa.fingerprint256);
  const newCa = new X509Certificate(pems[0] ?? '');
  assert.equal(new X509Certificate(readFileSync(state.certFile)).verify(newCa.publicKey), true);
});

test('a Secret holding garbage is replaced, never served', async (t) => {
  const api = await apiServer(t);
  const o = options(api.kube, T0);
  assert.equal(
    await api.kube.writeSecret('vouch-system', 'vouch-tls', {
      'tls.crt': 'junk',
      'tls.key': 'junk',
      'ca.crt': 'x',
      'ca.key': 'y',
    }),
    true,
  );
  const state = await reconcileWebhookCertificates(o);
  assert.equal(state.issued, true);
  assert.doesNotThrow(() => new X509Certificate(readFileSync(state.certFile)));
});

test('admission serve --tls-secret: the real server starts on the certificate it issued, trusted through the caBundle it set', async (t) => {
  const api = await apiServer(t);
  const dir = tempDir();
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
current-context: test
contexts: [{ name: test, context: { cluster: loopback, user: vouch } }]
clusters: [{ name: loopback, cluster: { server: "${api.url}", certificate-authority-data: ${Buffer.from(api.caPem).toString('base64')} } }]
users: [{ name: vouch, user: { token: test-token } }]
`,
  );
  const cli = startCli(
    [
      'admission',
      'serve',
      '--host=127.0.0.1',
      '--port=0',
      `--kubeconfig=${kubeconfig}`,
      '--tls-secret=vouch-system/vouch-tls',
      '--tls-service=vouch',
      '--webhook-configuration=validating/vouch-validate',
      '--webhook-configuration=mutating/vouch-mutate',
      `--tls-dir=${join(dir, 'tls')}`,
    ],
    { cwd: dir },
  );
  try {
    const m = await cli.waitFor(/"port":(\d+)/);
    const ca = api.caBundle('validating');
    assert.ok(ca, 'the caBundle was set before the server listened');
    // The API server dials the Service name; here the loopback port, with that name as SNI and check.
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: Number(m[1]), servername: 'vouch.vouch-system.svc', ca, path: '/readyz' },
        (res) => {
          assert.equal(res.statusCode, 200);
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end();
    });
  } finally {
    assert.equal(await cli.stop(), 0, cli.stderr.text());
  }
});
