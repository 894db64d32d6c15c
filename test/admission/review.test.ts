import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ReviewDeps, review } from '../../src/admission/index.js';
import { VouchError } from '../../src/errors.js';
import type { Digest } from '../../src/oci/digest.js';
import {
  admissionReviewFor,
  applyReplacePatch,
  type Json,
  loadFixture,
  loadWorkload,
  withImages,
} from '../support/admission.js';
import { NeverDecider, TableDecider, ThrowingDecider } from '../support/table-decider.js';

const SIGNED = 'registry.example.com/team/app:1.0.0';
const UNSIGNED = 'registry.example.com/team/unsigned:1.0.0';
const SIGNED_DIGEST = `sha256:${'a1'.repeat(32)}` as Digest;
const UNSIGNED_DIGEST = `sha256:${'b2'.repeat(32)}` as Digest;
const NOW = new Date('2026-11-23T12:00:00.000Z');

const table = new Map([
  [SIGNED, { digest: SIGNED_DIGEST, signed: true }],
  [UNSIGNED, { digest: UNSIGNED_DIGEST, signed: false }],
]);

function deps(over: Partial<ReviewDeps> & Pick<ReviewDeps, 'mode'>): ReviewDeps {
  return {
    decider: new TableDecider(table, { mode: over.mode, mutateDigest: true }),
    endpoint: 'validate',
    now: NOW,
    deadlineMs: 9_000,
    ...over,
  };
}

function response(r: { review: { response: unknown } }): Json {
  return r.review.response as Json;
}

const KINDS = [
  'pod.json',
  'deployment.json',
  'statefulset.json',
  'daemonset.json',
  'replicaset.json',
  'replicationcontroller.json',
  'job.json',
  'cronjob.json',
];

for (const file of KINDS) {
  test(`enforce denies an unsigned image in a ${file.replace('.json', '')}`, async () => {
    const obj = withImages(loadWorkload(file), [UNSIGNED]);
    const r = await review(admissionReviewFor(obj, { uid: 'u-1' }), deps({ mode: 'enforce' }));
    const res = response(r);
    assert.equal(res.uid, 'u-1');
    assert.equal(res.allowed, false);
    const status = res.status as { code: number; message: string };
    assert.equal(status.code, 403);
    for (const part of [
      'require-signed-images',
      'key-signature',
      UNSIGNED,
      'expected a signature by key cosign.pub',
      'found no signatures',
      'fix: vouch sign',
    ]) {
      assert.ok(status.message.includes(part), `message lacks "${part}": ${status.message}`);
    }
  });

  test(`enforce admits a signed image in a ${file.replace('.json', '')}`, async () => {
    const r = await review(admissionReviewFor(loadWorkload(file)), deps({ mode: 'enforce' }));
    assert.equal(response(r).allowed, true);
    assert.equal(response(r).warnings, undefined);
  });

  test(`audit admits an unsigned image in a ${file.replace('.json', '')} with a warning and a fail result`, async () => {
    const obj = withImages(loadWorkload(file), [UNSIGNED]);
    const r = await review(admissionReviewFor(obj), deps({ mode: 'audit' }));
    const res = response(r);
    assert.equal(res.allowed, true);
    const warnings = res.warnings as string[];
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /require-signed-images\/key-signature/);
    assert.equal(r.decision?.images[0]?.outcomes[0]?.result, 'fail');
  });

  test(`mutate pins the signed image of a ${file.replace('.json', '')} to its digest`, async () => {
    const request = admissionReviewFor(loadWorkload(file));
    const r = await review(request, deps({ mode: 'enforce', endpoint: 'mutate' }));
    const res = response(r);
    assert.equal(res.patchType, 'JSONPatch');
    const patch = JSON.parse(Buffer.from(String(res.patch), 'base64').toString('utf8'));
    const object = (request.request as Json).object as Json;
    const patched = applyReplacePatch(object, patch);
    assert.match(JSON.stringify(patched), new RegExp(`registry.example.com/team/app@${SIGNED_DIGEST}`));
    assert.doesNotMatch(JSON.stringify(patched), /app:1\.0\.0/);
  });
}

test('the real kubectl-shaped AdmissionReview fixture is reviewed and its uid echoed', async () => {
  const r = await review(loadFixture('admission-review.deployment.json'), deps({ mode: 'enforce' }));
  assert.deepEqual(r.review, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true },
  });
  assert.equal(r.decision?.resource.kind, 'Deployment');
  assert.equal(r.decision?.resource.name, 'web');
});

test('mutate never patches an unverified image, even next to a verified one', async () => {
  const pod = withImages(loadWorkload('pod-all-containers.json'), [SIGNED, UNSIGNED]);
  const r = await review(admissionReviewFor(pod), deps({ mode: 'audit', endpoint: 'mutate' }));
  const res = response(r);
  const patch = JSON.parse(Buffer.from(String(res.patch), 'base64').toString('utf8')) as Array<{
    path: string;
    value: string;
  }>;
  assert.ok(patch.length > 0);
  for (const op of patch) assert.equal(op.value, `registry.example.com/team/app@${SIGNED_DIGEST}`);
  assert.deepEqual(
    patch.map((p) => p.path),
    // withImages assigns in document order: initContainers first (signed), then containers (unsigned, signed).
    ['/spec/containers/1/image', '/spec/initContainers/0/image'],
  );
});

test('mutate does not patch when no policy asks for digest pinning', async () => {
  const decider = new TableDecider(table, { mode: 'enforce', mutateDigest: false });
  const r = await review(
    admissionReviewFor(loadWorkload('pod.json')),
    deps({ mode: 'enforce', endpoint: 'mutate', decider }),
  );
  assert.equal(response(r).patch, undefined);
});

test('a denied request carries no patch', async () => {
  const pod = withImages(loadWorkload('pod-all-containers.json'), [SIGNED, UNSIGNED]);
  const r = await review(admissionReviewFor(pod), deps({ mode: 'enforce', endpoint: 'mutate' }));
  assert.equal(response(r).allowed, false);
  assert.equal(response(r).patch, undefined);
});

test('an image repeated across containers is decided once', async () => {
  const decider = new TableDecider(table, { mode: 'enforce' });
  const pod = withImages(loadWorkload('pod-all-containers.json'), [SIGNED]);
  const r = await review(admissionReviewFor(pod), deps({ mode: 'enforce', decider }));
  assert.equal(decider.calls, 1);
  assert.equal(r.decision?.images[0]?.pointers.length, 4);
});

test('DELETE and CONNECT are allowed without a decision', async () => {
  for (const operation of ['DELETE', 'CONNECT']) {
    const decider = new TableDecider(table, { mode: 'enforce' });
    const req = admissionReviewFor(withImages(loadWorkload('pod.json'), [UNSIGNED]), { operation });
    const r = await review(req, deps({ mode: 'enforce', decider }));
    assert.equal(response(r).allowed, true);
    assert.equal(decider.calls, 0);
    assert.equal(r.decision, undefined);
  }
});

test('UPDATE is reviewed like CREATE', async () => {
  const req = admissionReviewFor(withImages(loadWorkload('deployment.json'), [UNSIGNED]), {
    operation: 'UPDATE',
  });
  const r = await review(req, deps({ mode: 'enforce' }));
  assert.equal(response(r).allowed, false);
});

test('a dry-run request is decided and marked dry-run for the evidence side', async () => {
  const req = admissionReviewFor(withImages(loadWorkload('pod.json'), [UNSIGNED]), { dryRun: true });
  const r = await review(req, deps({ mode: 'enforce' }));
  assert.equal(response(r).allowed, false);
  assert.equal(r.decision?.dryRun, true);
});

test('a kind without images is allowed without asking the decider', async () => {
  const decider = new TableDecider(table, { mode: 'enforce' });
  const cm = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c' }, data: { a: 'b' } };
  const r = await review(admissionReviewFor(cm), deps({ mode: 'enforce', decider }));
  assert.equal(response(r).allowed, true);
  assert.equal(decider.calls, 0);
});

test('namespace labels reach the decider and scope the policy', async () => {
  const decider = new TableDecider(table, {
    mode: 'enforce',
    includeLabel: ['policy.sigstore.dev/include', 'true'],
  });
  const labels = new Map([['prod', { 'policy.sigstore.dev/include': 'true' }]]);
  const d = deps({ mode: 'enforce', decider, namespaceLabels: async (ns) => labels.get(ns) ?? {} });
  const unsigned = withImages(loadWorkload('pod.json'), [UNSIGNED]);
  assert.equal(response(await review(admissionReviewFor(unsigned, { namespace: 'prod' }), d)).allowed, false);
  assert.equal(response(await review(admissionReviewFor(unsigned, { namespace: 'dev' }), d)).allowed, true);
});

test('past the deadline enforce denies with the deadline message', async () => {
  const r = await review(
    admissionReviewFor(loadWorkload('pod.json')),
    deps({ mode: 'enforce', decider: new NeverDecider(), deadlineMs: 20 }),
  );
  const res = response(r);
  assert.equal(res.allowed, false);
  assert.match((res.status as { message: string }).message, /verification did not finish in 20ms/);
  assert.equal(r.decision?.images[0]?.outcomes[0]?.rule, 'verification-deadline');
  assert.equal(r.decision?.images[0]?.outcomes[0]?.result, 'error');
});

test('past the deadline audit admits and records an error result', async () => {
  const r = await review(
    admissionReviewFor(loadWorkload('pod.json')),
    deps({ mode: 'audit', decider: new NeverDecider(), deadlineMs: 20 }),
  );
  assert.equal(response(r).allowed, true);
  assert.match((response(r).warnings as string[])[0] ?? '', /verification did not finish/);
  assert.equal(r.decision?.images[0]?.outcomes[0]?.result, 'error');
});

test('a decider error denies in enforce with the error code, message and hint', async () => {
  const err = new VouchError('REGISTRY_UNREACHABLE', 'registry.example.com: connection refused', {
    hint: 'check the registry',
  });
  const r = await review(
    admissionReviewFor(loadWorkload('pod.json')),
    deps({ mode: 'enforce', decider: new ThrowingDecider(err) }),
  );
  const message = (response(r).status as { message: string }).message;
  assert.equal(response(r).allowed, false);
  assert.match(message, /REGISTRY_UNREACHABLE: registry\.example\.com: connection refused/);
  assert.match(message, /fix: check the registry/);
  assert.equal(r.decision?.images[0]?.outcomes[0]?.reason, 'registry-unreachable');
});

test('a decider error is a warning in audit', async () => {
  const err = new VouchError('REGISTRY_UNREACHABLE', 'connection refused');
  const r = await review(
    admissionReviewFor(loadWorkload('pod.json')),
    deps({ mode: 'audit', decider: new ThrowingDecider(err) }),
  );
  assert.equal(response(r).allowed, true);
  assert.match((response(r).warnings as string[])[0] ?? '', /REGISTRY_UNREACHABLE/);
});

test('a non-vouch error from the decider becomes an INTERNAL deny, not a crash', async () => {
  const r = await review(
    admissionReviewFor(loadWorkload('pod.json')),
    deps({ mode: 'enforce', decider: new ThrowingDecider(new TypeError('x is undefined')) }),
  );
  assert.equal(response(r).allowed, false);
  assert.match(
    (response(r).status as { message: string }).message,
    /INTERNAL: internal error, please report/,
  );
});

test('each warning stays within 256 characters and all of them within 4096', async () => {
  const long = `registry.example.com/team/${'x'.repeat(200)}:1`;
  const images = Array.from({ length: 40 }, (_, i) => `${long}${i}`);
  const pod = {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: 'p' },
    spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
  };
  const r = await review(admissionReviewFor(pod), deps({ mode: 'audit' }));
  const warnings = response(r).warnings as string[];
  assert.ok(warnings.length > 0);
  for (const w of warnings) assert.ok(w.length <= 256, `warning of ${w.length} chars`);
  assert.ok(warnings.join('').length <= 4096);
  assert.ok(!warnings.some((w) => w.startsWith('Warning:')));
});
