import assert from 'node:assert/strict';
import { test } from 'node:test';
import { review } from '../../src/admission/index.js';
import { PolicyDecider } from '../../src/admission/policy-decider.js';
import { loadPolicies, type PolicySet } from '../../src/policy/index.js';
import { KEY_PEM } from '../policy/evidence-factory.js';
import { DIGESTS, SIGNED, TableRegistry, UNSIGNED } from '../support/table-registry.js';
import { admissionReviewFor, type Json, loadWorkload } from '../support/admission.js';

// A Kyverno rule with imageExtractors, behind the webhook's review core and the real PolicyDecider: a
// kind without a pod spec reaches the engine, and its extracted images are judged and pinned.
const { resolver, collector } = new TableRegistry();

const indentedKey = KEY_PEM.trim()
  .split('\n')
  .map((l) => `                      ${l}`)
  .join('\n');

function kyverno(extractors: string, kinds = 'Task', mutateDigest = false): PolicySet {
  return loadPolicies(
    `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: tekton-signed }
spec:
  validationFailureAction: Enforce
  rules:
    - name: steps
      match: { any: [{ resources: { kinds: [${kinds}] } }] }
${extractors}      verifyImages:
        - imageReferences: ["registry.example.com/*"]
          mutateDigest: ${mutateDigest}
          verifyDigest: false
          attestors:
            - entries:
                - keys:
                    rekor: { ignoreTlog: true }
                    publicKeys: |
${indentedKey}
`,
    'k.yaml',
  );
}

const TASK_STEPS = `      imageExtractors:
        Task:
          - path: /spec/steps/*
            value: image
            key: name
`;

function task(images: string[]): Json {
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'Task',
    metadata: { name: 'build' },
    spec: { steps: images.map((image, i) => ({ name: `step-${i}`, image })) },
  };
}

async function post(set: PolicySet, object: Json, endpoint: 'validate' | 'mutate' = 'validate') {
  const r = await review(admissionReviewFor(object), {
    decider: new PolicyDecider({ policies: () => set, collector, resolver }),
    mode: 'enforce',
    endpoint,
    now: new Date('2026-11-23T12:00:00Z'),
    deadlineMs: 5_000,
  });
  return r;
}

test('a custom kind named by imageExtractors reaches the engine: signed steps are admitted', async () => {
  const r = await post(kyverno(TASK_STEPS), task([SIGNED]));
  assert.equal(r.review.response.allowed, true);
  assert.deepEqual(
    r.decision?.images.map((i) => [i.image, i.pointers, i.containers]),
    [[SIGNED, ['/spec/steps/0/image'], ['step-0']]],
  );
});

test('an unsigned step of a custom kind is denied and named', async () => {
  const r = await post(kyverno(TASK_STEPS), task([SIGNED, UNSIGNED]));
  assert.equal(r.review.response.allowed, false);
  assert.match(
    r.review.response.status?.message ?? '',
    /image "registry\.example\.com\/team\/app:1\.0\.0" \(container step-1\)/,
  );
});

test('without imageExtractors for its kind, a custom object has no images and is admitted unchecked', async () => {
  const r = await post(kyverno(''), task([UNSIGNED]));
  assert.equal(r.review.response.allowed, true);
  assert.equal(r.decision, undefined);
});

test('the mutate endpoint pins an extracted image at its field', async () => {
  const r = await post(kyverno(TASK_STEPS, 'Task', true), task([SIGNED]), 'mutate');
  assert.equal(r.review.response.allowed, true);
  const patch = JSON.parse(Buffer.from(r.review.response.patch ?? '', 'base64').toString('utf8')) as unknown;
  assert.deepEqual(patch, [
    {
      op: 'replace',
      path: '/spec/steps/0/image',
      value: `registry.example.com/team/signed@${DIGESTS[SIGNED]}`,
    },
  ]);
});

test('an object whose shape contradicts the extractor path is denied, not admitted unchecked', async () => {
  const r = await post(kyverno(TASK_STEPS), {
    ...task([]),
    spec: { steps: 'registry.example.com/team/app:1.0.0' },
  });
  assert.equal(r.review.response.allowed, false);
  assert.match(r.review.response.status?.message ?? '', /imageExtractors.*wildcard over a scalar/);
});

test('pods are still reviewed from their pod spec when the policy set has imageExtractors for other kinds', async () => {
  const r = await post(kyverno(TASK_STEPS, 'Task, Pod'), loadWorkload('pod.json'));
  assert.equal(r.review.response.allowed, false);
  assert.deepEqual(
    r.decision?.images.map((i) => i.image),
    [UNSIGNED],
  );
});
