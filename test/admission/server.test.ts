import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type AdmissionServerOptions,
  generateSelfSignedCertificate,
  type ImageDecider,
  KubeClient,
  startAdmissionServer,
} from '../../src/admission/index.js';
import { VouchError } from '../../src/errors.js';
import type { Digest } from '../../src/oci/digest.js';
import {
  admissionReviewFor,
  applyReplacePatch,
  httpsRequest,
  type Json,
  loadWorkload,
  postReview,
  testCertificate,
  withImages,
} from '../support/admission.js';
import { NeverDecider, TableDecider, ThrowingDecider } from '../support/table-decider.js';

const SIGNED = 'registry.example.com/team/app:1.0.0';
const UNSIGNED = 'registry.example.com/team/unsigned:1.0.0';
const SIGNED_DIGEST = `sha256:${'a1'.repeat(32)}` as Digest;
const UNSIGNED_DIGEST = `sha256:${'b2'.repeat(32)}` as Digest;
const SBOM_TIME = new Date('2026-11-23T00:00:00Z');
const NOW_MS = Date.parse('2026-11-23T12:00:00Z');
const table = new Map([
  [SIGNED, { digest: SIGNED_DIGEST, signed: true, sbomCreatedAt: SBOM_TIME }],
  [UNSIGNED, { digest: UNSIGNED_DIGEST, signed: false }],
]);

async function webhook(
  t: { after: (fn: () => Promise<void>) => void },
  mode: 'enforce' | 'audit',
  over: Partial<AdmissionServerOptions> & { decider?: ImageDecider } = {},
) {
  const pair = await testCertificate();
  const server = await startAdmissionServer({
    tls: { kind: 'pem', certPem: pair.certPem, keyPem: pair.keyPem },
    decider: new TableDecider(table, { mode, mutateDigest: true }),
    mode,
    clock: () => NOW_MS,
    ...over,
  });
  t.after(() => server.close());
  return { server, ca: pair.certPem };
}

function res(json: Json): Json {
  return json.response as Json;
}

test('over TLS, enforce denies an unsigned Deployment and admits a signed one', async (t) => {
  const { server, ca } = await webhook(t, 'enforce');
  const denied = await postReview(
    server.url,
    ca,
    '/validate',
    admissionReviewFor(withImages(loadWorkload('deployment.json'), [UNSIGNED]), { uid: 'd-1' }),
  );
  assert.equal(denied.status, 200);
  assert.equal(res(denied.json).uid, 'd-1');
  assert.equal(res(denied.json).allowed, false);
  assert.match((res(denied.json).status as { message: string }).message, /no signature/);
  const allowed = await postReview(
    server.url,
    ca,
    '/validate',
    admissionReviewFor(loadWorkload('deployment.json')),
  );
  assert.equal(res(allowed.json).allowed, true);
});

test('over TLS, /mutate returns a JSONPatch that pins the verified image', async (t) => {
  const { server, ca } = await webhook(t, 'enforce');
  const review = admissionReviewFor(loadWorkload('cronjob.json'));
  const r = await postReview(server.url, ca, '/mutate', review);
  assert.equal(res(r.json).patchType, 'JSONPatch');
  const patch = JSON.parse(Buffer.from(String(res(r.json).patch), 'base64').toString('utf8'));
  const patched = applyReplacePatch((review.request as Json).object as Json, patch) as {
    spec: { jobTemplate: { spec: { template: { spec: { containers: Array<{ image: string }> } } } } };
  };
  assert.equal(
    patched.spec.jobTemplate.spec.template.spec.containers[0]?.image,
    `registry.example.com/team/app@${SIGNED_DIGEST}`,
  );
});

test('audit admits with warnings, serves the PolicyReport at /reports and writes evidence files', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-webhook-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { server, ca } = await webhook(t, 'audit', {
    reportDir: join(dir, 'reports'),
    decisionLogPath: join(dir, 'decisions.jsonl'),
  });
  const r = await postReview(
    server.url,
    ca,
    '/validate',
    admissionReviewFor(withImages(loadWorkload('pod.json'), [UNSIGNED]), { namespace: 'shop' }),
  );
  assert.equal(res(r.json).allowed, true);
  assert.equal((res(r.json).warnings as string[]).length, 1);
  await server.evidence.flush();
  const reports = JSON.parse((await httpsRequest(server.url, ca, { path: '/reports' })).body) as {
    items: Array<{ results: Array<{ result: string }> }>;
  };
  assert.equal(reports.items.length, 1);
  assert.equal(reports.items[0]?.results[0]?.result, 'fail');
  assert.deepEqual(await readdir(join(dir, 'reports')), ['shop.vouch-pod-web.json']);
  assert.equal((await readFile(join(dir, 'decisions.jsonl'), 'utf8')).trim().split('\n').length, 1);
});

test('a request seen by both webhooks is counted and reported once (from /validate)', async (t) => {
  const { server, ca } = await webhook(t, 'audit');
  const review = admissionReviewFor(withImages(loadWorkload('pod.json'), [UNSIGNED]), { namespace: 'shop' });
  await postReview(server.url, ca, '/mutate', review);
  await postReview(server.url, ca, '/validate', review);
  const m = (await httpsRequest(server.url, ca, { path: '/metrics' })).body;
  assert.match(m, /^unsigned_image_deployments_total\{namespace="shop"\} 1$/m);
  assert.match(
    m,
    /^policy_controller_admissions_total\{policy="require-signed-images",result="warned",mode="audit"\} 1$/m,
  );
});

test('a dry-run request is answered but leaves no report and counts nothing', async (t) => {
  const { server, ca } = await webhook(t, 'audit');
  await postReview(
    server.url,
    ca,
    '/validate',
    admissionReviewFor(withImages(loadWorkload('pod.json'), [UNSIGNED]), { dryRun: true }),
  );
  await server.evidence.flush();
  assert.deepEqual(server.evidence.reports(), []);
  const metrics = (await httpsRequest(server.url, ca, { path: '/metrics' })).body;
  assert.doesNotMatch(metrics, /^unsigned_image_deployments_total\{/m);
});

test('/metrics exposes the seed metrics with the values the decisions produced', async (t) => {
  const { server, ca } = await webhook(t, 'audit');
  await postReview(
    server.url,
    ca,
    '/validate',
    admissionReviewFor(withImages(loadWorkload('pod.json'), [UNSIGNED]), { namespace: 'shop' }),
  );
  await postReview(
    server.url,
    ca,
    '/validate',
    admissionReviewFor(loadWorkload('pod.json'), { namespace: 'shop' }),
  );
  await postReview(
    server.url,
    ca,
    '/validate',
    admissionReviewFor(loadWorkload('pod.json'), { namespace: 'shop' }),
  );
  const r = await httpsRequest(server.url, ca, { path: '/metrics' });
  assert.equal(r.status, 200);
  const m = r.body;
  assert.match(
    m,
    /^cosign_verification_failures_total\{policy="require-signed-images",reason="no-signatures"\} 1$/m,
  );
  assert.match(
    m,
    /^policy_controller_admissions_total\{policy="require-signed-images",result="warned",mode="audit"\} 1$/m,
  );
  assert.match(
    m,
    /^policy_controller_admissions_total\{policy="require-signed-images",result="allowed",mode="audit"\} 2$/m,
  );
  assert.match(m, /^unsigned_image_deployments_total\{namespace="shop"\} 1$/m);
  assert.match(
    m,
    /^sbom_age_hours\{image="registry\.example\.com\/team\/app:1\.0\.0@sha256:a1a1[0-9a-f]+"\} 12$/m,
  );
  assert.match(m, /^vouch_verdict_cache_events_total\{event="hit"\} 1$/m);
  assert.match(m, /^vouch_verdict_cache_hit_ratio 0\.3333/m);
  assert.match(m, /^vouch_admission_request_duration_seconds_count\{endpoint="validate"\} 3$/m);
  assert.match(m, /^vouch_verifications_in_flight 0$/m);
});

test('enforce denials are counted as denied admissions', async (t) => {
  const { server, ca } = await webhook(t, 'enforce');
  await postReview(
    server.url,
    ca,
    '/validate',
    admissionReviewFor(withImages(loadWorkload('pod.json'), [UNSIGNED])),
  );
  const m = (await httpsRequest(server.url, ca, { path: '/metrics' })).body;
  assert.match(
    m,
    /^policy_controller_admissions_total\{policy="require-signed-images",result="denied",mode="enforce"\} 1$/m,
  );
});

test('past the deadline the webhook denies in enforce over HTTP, with the deadline message', async (t) => {
  const { server, ca } = await webhook(t, 'enforce', { decider: new NeverDecider(), deadlineMs: 30 });
  const r = await postReview(server.url, ca, '/validate', admissionReviewFor(loadWorkload('pod.json')));
  assert.equal(r.status, 200);
  assert.equal(res(r.json).allowed, false);
  assert.match((res(r.json).status as { message: string }).message, /verification did not finish in 30ms/);
});

test('a decider error is an explicit deny over HTTP, never a 500', async (t) => {
  const err = new VouchError('REGISTRY_UNREACHABLE', 'registry.example.com: connection refused', {
    hint: 'is the registry up?',
  });
  const { server, ca } = await webhook(t, 'enforce', { decider: new ThrowingDecider(err) });
  const r = await postReview(server.url, ca, '/validate', admissionReviewFor(loadWorkload('pod.json')));
  assert.equal(r.status, 200);
  assert.equal(res(r.json).allowed, false);
  assert.match(
    (res(r.json).status as { message: string }).message,
    /REGISTRY_UNREACHABLE.*fix: is the registry up\?/,
  );
});

test('/healthz is ok and /readyz follows the readiness callback', async (t) => {
  let ready = false;
  const { server, ca } = await webhook(t, 'enforce', {
    readiness: async () =>
      ready ? { ready: true, reasons: [] } : { ready: false, reasons: ['no policies loaded'] },
  });
  assert.equal((await httpsRequest(server.url, ca, { path: '/healthz' })).status, 200);
  const notReady = await httpsRequest(server.url, ca, { path: '/readyz' });
  assert.equal(notReady.status, 503);
  assert.match(notReady.body, /no policies loaded/);
  ready = true;
  assert.equal((await httpsRequest(server.url, ca, { path: '/readyz' })).status, 200);
});

test('a readiness callback that throws is not ready, not a crash', async (t) => {
  const { server, ca } = await webhook(t, 'enforce', {
    readiness: async () => {
      throw new VouchError('DB_MISSING', 'trusted root missing');
    },
  });
  const r = await httpsRequest(server.url, ca, { path: '/readyz' });
  assert.equal(r.status, 503);
  assert.match(r.body, /trusted root missing/);
});

test('new TLS files are picked up without a restart, and a broken pair keeps the old one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-tls-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const first = await testCertificate();
  const second = await generateSelfSignedCertificate(['localhost', '127.0.0.1']);
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  await writeFile(certFile, first.certPem);
  await writeFile(keyFile, first.keyPem);
  const reloads: Array<{ ok: boolean }> = [];
  let notify: () => void = () => undefined;
  const { server } = await webhook(t, 'enforce', {
    tls: { kind: 'files', certFile, keyFile, pollIntervalMs: 20 },
    onTlsReload: (o) => {
      reloads.push(o);
      notify();
    },
  });
  const before = await httpsRequest(server.url, first.certPem, { path: '/healthz' });
  const reloaded = new Promise<void>((r) => {
    notify = r;
  });
  await writeFile(keyFile, second.keyPem);
  await writeFile(certFile, second.certPem);
  await reloaded;
  // Both files changed; run one explicit reload so the check does not depend on poll timing.
  await server.reloadTls();
  const after = await httpsRequest(server.url, second.certPem, { path: '/healthz' });
  assert.notEqual(before.peerFingerprint, after.peerFingerprint);
  await writeFile(keyFile, first.keyPem); // now cert and key do not match
  await server.reloadTls();
  assert.equal(reloads.at(-1)?.ok, false);
  const still = await httpsRequest(server.url, second.certPem, { path: '/healthz' });
  assert.equal(still.peerFingerprint, after.peerFingerprint);
});

test('missing TLS files fail startup with FILE_NOT_FOUND', async () => {
  await assert.rejects(
    startAdmissionServer({
      tls: { kind: 'files', certFile: '/nonexistent/tls.crt', keyFile: '/nonexistent/tls.key' },
      decider: new NeverDecider(),
      mode: 'enforce',
    }),
    { code: 'FILE_NOT_FOUND' },
  );
});

test('when connected, decisions become a PolicyReport apply and Events at the API server', async (t) => {
  const seen: Array<[string, string]> = [];
  const api = createServer((req: IncomingMessage, r: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      seen.push([req.method ?? '', (req.url ?? '').split('?')[0] ?? '']);
      r.writeHead(201, { 'content-type': 'application/json' });
      r.end('{}');
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  t.after(async () => {
    await new Promise<void>((r) => api.close(() => r()));
  });
  const kube = new KubeClient({ server: `http://127.0.0.1:${(api.address() as AddressInfo).port}` });
  const { server, ca } = await webhook(t, 'audit', { kube });
  await postReview(
    server.url,
    ca,
    '/validate',
    admissionReviewFor(withImages(loadWorkload('deployment.json'), [UNSIGNED]), { namespace: 'shop' }),
  );
  await server.evidence.flush();
  assert.deepEqual(seen.sort(), [
    ['PATCH', '/apis/wgpolicyk8s.io/v1alpha2/namespaces/shop/policyreports/vouch-deployment-web'],
    ['POST', '/api/v1/namespaces/shop/events'],
  ]);
});
