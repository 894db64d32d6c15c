import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAdmissionReview, type ReviewDeps, review } from '../../src/admission/index.js';
import type { VouchError } from '../../src/errors.js';
import { admissionReviewFor, type Json, loadWorkload } from '../support/admission.js';
import { TableDecider } from '../support/table-decider.js';

const NOW = new Date('2026-11-23T12:00:00.000Z');

function deps(mode: 'enforce' | 'audit'): ReviewDeps & { decider: TableDecider } {
  return {
    decider: new TableDecider(new Map(), { mode }),
    mode,
    endpoint: 'validate',
    now: NOW,
    deadlineMs: 9_000,
  };
}

function good(): Json {
  return admissionReviewFor(loadWorkload('pod.json'), { uid: 'hostile-1' });
}

function mutateRequest(f: (req: Json) => void): Json {
  const r = good();
  f(r.request as Json);
  return r;
}

const HOSTILE: Array<[string, unknown, string]> = [
  ['a v1beta1 AdmissionReview', { ...good(), apiVersion: 'admission.k8s.io/v1beta1' }, 'apiVersion'],
  ['a body that is not an AdmissionReview', { ...good(), kind: 'Pod' }, 'kind'],
  ['a review without request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, 'request'],
  ['a request without uid', mutateRequest((r) => delete r.uid), 'request.uid'],
  ['a request with a numeric uid', mutateRequest((r) => (r.uid = 7)), 'request.uid'],
  ['a request with a 10 kB uid', mutateRequest((r) => (r.uid = 'u'.repeat(10_000))), 'request.uid'],
  ['a CREATE without object', mutateRequest((r) => delete r.object), 'request.object'],
  ['a CREATE whose object is an array', mutateRequest((r) => (r.object = [])), 'request.object'],
  ['an unknown operation', mutateRequest((r) => (r.operation = 'PATCH')), 'request.operation'],
  ['a request without kind', mutateRequest((r) => delete r.kind), 'request.kind'],
  ['a string dryRun', mutateRequest((r) => (r.dryRun = 'false')), 'request.dryRun'],
  ['a numeric namespace', mutateRequest((r) => (r.namespace = 1)), 'request.namespace'],
];

for (const [what, body, field] of HOSTILE) {
  test(`${what} is denied in enforce, naming ${field}, without asking the decider`, async () => {
    const d = deps('enforce');
    const r = await review(body, d);
    assert.equal(r.review.apiVersion, 'admission.k8s.io/v1');
    assert.equal(r.review.response.allowed, false);
    assert.equal(r.review.response.status?.code, 400);
    assert.match(r.review.response.status?.message ?? '', new RegExp(field.replace('.', '\\.')));
    assert.equal(r.decision, undefined);
    assert.equal(d.decider.calls, 0);
    assert.throws(
      () => parseAdmissionReview(body),
      (e: VouchError) => e.code === 'INPUT_MALFORMED' && e.fields.includes(field),
    );
  });
}

test('a malformed request in audit is admitted with a warning', async () => {
  const r = await review({ ...good(), apiVersion: 'admission.k8s.io/v1beta1' }, deps('audit'));
  assert.equal(r.review.response.allowed, true);
  assert.match(r.review.response.warnings?.[0] ?? '', /request not reviewed/);
});

test('the uid of a malformed request is still echoed', async () => {
  const r = await review(
    mutateRequest((r) => delete r.object),
    deps('enforce'),
  );
  assert.equal(r.review.response.uid, 'hostile-1');
});

test('an oversized uid is not echoed back', async () => {
  const r = await review(
    mutateRequest((r) => (r.uid = 'u'.repeat(10_000))),
    deps('enforce'),
  );
  assert.equal(r.review.response.uid, '');
});

for (const body of [null, 42, 'x', [], true]) {
  test(`a JSON ${JSON.stringify(body)} body is denied as not an object`, async () => {
    const r = await review(body, deps('enforce'));
    assert.equal(r.review.response.allowed, false);
    assert.match(r.review.response.status?.message ?? '', /not a JSON object/);
  });
}

test('unknown fields are ignored and the request is still reviewed', async () => {
  const body = good();
  (body as Json).extra = { nested: true };
  ((body as Json).request as Json).futureField = 'x';
  const d = deps('enforce');
  const r = await review(body, d);
  assert.equal(d.decider.calls, 1);
  assert.equal(r.review.response.uid, 'hostile-1');
});

test('a __proto__ key in the object does not pollute and does not crash', async () => {
  const text = JSON.stringify(good()).replace('"spec":{', '"spec":{"__proto__":{"polluted":true},');
  const r = await review(JSON.parse(text), deps('enforce'));
  assert.equal(r.review.response.uid, 'hostile-1');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('a container with no image is denied in enforce', async () => {
  const pod = {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c' }] },
  };
  const r = await review(admissionReviewFor(pod), deps('enforce'));
  assert.equal(r.review.response.allowed, false);
  assert.match(r.review.response.status?.message ?? '', /container has no image/);
});

test('a pod with 5,000 containers is answered and the message stays bounded', async () => {
  const containers = Array.from({ length: 5000 }, (_, i) => ({
    name: `c${i}`,
    image: `registry.example.com/x/i${i}:1`,
  }));
  const pod = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'big' }, spec: { containers } };
  const r = await review(admissionReviewFor(pod), deps('enforce'));
  assert.equal(r.review.response.allowed, false);
  assert.ok((r.review.response.status?.message.length ?? 0) <= 4096);
});
