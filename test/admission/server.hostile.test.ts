import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAdmissionServer } from '../../src/admission/index.js';
import {
  admissionReviewFor,
  httpsRequest,
  loadWorkload,
  postReview,
  testCertificate,
} from '../support/admission.js';
import { TableDecider } from '../support/table-decider.js';

async function webhook(
  t: { after: (fn: () => Promise<void>) => void },
  mode: 'enforce' | 'audit' = 'enforce',
) {
  const pair = await testCertificate();
  const decider = new TableDecider(new Map(), { mode });
  const server = await startAdmissionServer({
    tls: { kind: 'pem', certPem: pair.certPem, keyPem: pair.keyPem },
    decider,
    mode,
  });
  t.after(async () => {
    // Whatever was thrown at it, the server is still healthy afterwards.
    const health = await httpsRequest(server.url, pair.certPem, { path: '/healthz' });
    assert.equal(health.status, 200);
    await server.close();
  });
  return { server, ca: pair.certPem, decider };
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const TEN_MB = Buffer.alloc(10 * 1024 * 1024, 0x20);

test('a 10 MB body with Content-Length is refused with 413 before it is read', async (t) => {
  const { server, ca, decider } = await webhook(t);
  const r = await httpsRequest(server.url, ca, {
    method: 'POST',
    path: '/validate',
    body: TEN_MB,
    headers: JSON_HEADERS,
  });
  assert.equal(r.status, 413);
  assert.equal(JSON.parse(r.body).error.code, 'INPUT_TOO_LARGE');
  assert.equal(decider.calls, 0);
});

test('a 10 MB chunked body is counted as it streams and refused with 413', async (t) => {
  const { server, ca } = await webhook(t);
  const r = await httpsRequest(server.url, ca, {
    method: 'POST',
    path: '/validate',
    body: TEN_MB,
    headers: JSON_HEADERS,
    chunked: true,
  });
  assert.equal(r.status, 413);
});

test('invalid JSON is a 400 with INPUT_MALFORMED', async (t) => {
  const { server, ca } = await webhook(t);
  const r = await httpsRequest(server.url, ca, {
    method: 'POST',
    path: '/validate',
    body: '{"apiVersion": ',
    headers: JSON_HEADERS,
  });
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body).error.code, 'INPUT_MALFORMED');
});

test('an empty body is a 400', async (t) => {
  const { server, ca } = await webhook(t);
  const r = await httpsRequest(server.url, ca, {
    method: 'POST',
    path: '/validate',
    body: '',
    headers: JSON_HEADERS,
  });
  assert.equal(r.status, 400);
});

test('GET on /validate is 405 with Allow: POST', async (t) => {
  const { server, ca } = await webhook(t);
  const r = await httpsRequest(server.url, ca, { path: '/validate' });
  assert.equal(r.status, 405);
  assert.equal(r.headers.allow, 'POST');
});

test('POST on /metrics is 405', async (t) => {
  const { server, ca } = await webhook(t);
  const r = await httpsRequest(server.url, ca, {
    method: 'POST',
    path: '/metrics',
    body: '{}',
    headers: JSON_HEADERS,
  });
  assert.equal(r.status, 405);
});

test('a non-JSON content type is 415', async (t) => {
  const { server, ca } = await webhook(t);
  const r = await httpsRequest(server.url, ca, {
    method: 'POST',
    path: '/validate',
    body: '{}',
    headers: { 'content-type': 'text/plain' },
  });
  assert.equal(r.status, 415);
});

test('an unknown path is 404', async (t) => {
  const { server, ca } = await webhook(t);
  assert.equal((await httpsRequest(server.url, ca, { path: '/../../etc/passwd' })).status, 404);
});

test('a v1beta1 AdmissionReview is answered 200 with a deny naming apiVersion', async (t) => {
  const { server, ca } = await webhook(t);
  const body = {
    ...admissionReviewFor(loadWorkload('pod.json'), { uid: 'old-1' }),
    apiVersion: 'admission.k8s.io/v1beta1',
  };
  const r = await postReview(server.url, ca, '/validate', body);
  assert.equal(r.status, 200);
  const res = r.json.response as { uid: string; allowed: boolean; status: { message: string } };
  assert.deepEqual([res.uid, res.allowed], ['old-1', false]);
  assert.match(res.status.message, /apiVersion/);
});

test('a review with missing fields is denied in enforce and admitted with a warning in audit', async (t) => {
  const e = await webhook(t, 'enforce');
  const a = await webhook(t, 'audit');
  const body = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'm-1' } };
  const denied = (await postReview(e.server.url, e.ca, '/validate', body)).json.response as {
    allowed: boolean;
  };
  const warned = (await postReview(a.server.url, a.ca, '/validate', body)).json.response as {
    allowed: boolean;
    warnings: string[];
  };
  assert.equal(denied.allowed, false);
  assert.equal(warned.allowed, true);
  assert.equal(warned.warnings.length, 1);
});

test('a query string on the webhook path (?timeout=10s, as the API server sends) is accepted', async (t) => {
  const { server, ca } = await webhook(t, 'audit');
  const r = await postReview(
    server.url,
    ca,
    '/validate?timeout=10s',
    admissionReviewFor(loadWorkload('pod.json')),
  );
  assert.equal(r.status, 200);
});
