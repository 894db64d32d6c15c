// The hot path keeps answers per (policy part, image reference, evidence object) and plans per
// PolicySet; these tests prove that a kept answer is never served where an input differs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Evidence, evaluate, loadPolicies, type ResourceContext } from '../../src/policy/index.js';
import {
  att,
  D1,
  evidence,
  evidenceMap,
  KEY_PEM,
  keySigner,
  NOW,
  OTHER_KEY_FP,
  sig,
} from './evidence-factory.js';

const key = KEY_PEM.trim()
  .split('\n')
  .map((l) => `          ${l}`)
  .join('\n');

function cip(cue?: string): string {
  const attestations = cue
    ? `
      attestations:
        - name: sbom
          predicateType: cyclonedx
          policy:
            type: cue
            data: |
${cue
  .split('\n')
  .map((l) => `              ${l}`)
  .join('\n')}`
    : '';
  return `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: memo }
spec:
  images: [{ glob: "registry.example.com/**" }]
  authorities:
    - name: release-key
      key:
        data: |
${key}${attestations}
`;
}

const kyverno = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: memo-k }
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match: { any: [{ resources: { kinds: [Pod], namespaces: ["prod"] } }] }
      verifyImages:
        - imageReferences: ["registry.example.com/*"]
          attestors:
            - entries:
                - keys:
                    publicKeys: |-
${KEY_PEM.trim()
  .split('\n')
  .map((l) => `                      ${l}`)
  .join('\n')}
`;

const REF = 'registry.example.com/team/app:1.0';
const REPO = 'registry.example.com/team/app';

function judge(
  text: string,
  ev: Evidence,
  opts: { ref?: string; now?: Date; resource?: ResourceContext } = {},
) {
  return evaluate(
    {
      policies: loadedOnce(text),
      images: [{ ref: opts.ref ?? REF, digest: D1 }],
      evidence: evidenceMap(ev),
      ...(opts.resource ? { resource: opts.resource } : {}),
    },
    { now: opts.now ?? NOW, cipNamespaceOptIn: false },
  );
}

// One PolicySet object per text, as the admission policy store holds one: plans and answers are kept.
const sets = new Map<string, ReturnType<typeof loadPolicies>>();
function loadedOnce(text: string) {
  let s = sets.get(text);
  if (s === undefined) {
    s = loadPolicies(text, 'memo.yaml');
    sets.set(text, s);
  }
  return s;
}

test('an answer kept for one evidence object is not served for other evidence of the same digest', () => {
  const policy = cip();
  const signed = evidence(D1, { signatures: [sig(D1, keySigner(), REPO)] });
  const otherSigner = evidence(D1, { signatures: [sig(D1, keySigner(OTHER_KEY_FP), REPO)] });
  assert.equal(judge(policy, signed).allowed, true);
  assert.equal(judge(policy, signed).allowed, true);
  assert.equal(judge(policy, otherSigner).allowed, false);
  assert.equal(judge(policy, signed).allowed, true);
});

test('an answer kept for one reference is not served for the same digest under another repository', () => {
  const policy = cip();
  const signed = evidence(D1, { signatures: [sig(D1, keySigner(), REPO)] });
  assert.equal(judge(policy, signed).allowed, true);
  // Same evidence object and digest, but the signature is stored in team/app, not mirror/app.
  const moved = judge(policy, signed, { ref: 'registry.example.com/mirror/app:1.0' });
  assert.equal(moved.allowed, false);
  assert.match(moved.reasons.join('\n'), /stored in registry\.example\.com\/team\/app/);
});

test('a CUE policy that reads time.Now() is judged at each admission time, not from a kept answer', () => {
  const policy = cip('import "time"\npredicate: metadata: timestamp: >time.Now().Add(-24*time.Hour)');
  const sbom = att(D1, keySigner(), REPO, 'https://cyclonedx.org/bom', {
    metadata: { timestamp: '2026-11-23T09:00:00Z' },
  });
  const ev = evidence(D1, { attestations: [sbom] });
  assert.equal(judge(policy, ev, { now: NOW }).allowed, true);
  const later = new Date(NOW.getTime() + 3 * 24 * 3600 * 1000);
  assert.equal(judge(policy, ev, { now: later }).allowed, false);
  assert.equal(judge(policy, ev, { now: NOW }).allowed, true);
});

test('a kept plan still applies each request’s match: another namespace is not selected', () => {
  const signed = evidence(D1, { signatures: [sig(D1, keySigner(), REPO)] });
  const pod = (namespace: string): ResourceContext => ({
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'web',
    namespace,
    labels: {},
    annotations: {},
    namespaceLabels: {},
    operation: 'CREATE',
  });
  const prod = judge(kyverno, signed, { resource: pod('prod') });
  assert.equal(prod.images[0]?.policies.length, 1);
  const dev = judge(kyverno, signed, { resource: pod('dev') });
  assert.equal(dev.images[0]?.policies.length, 0, 'the rule matches namespace prod only');
  assert.match(dev.images[0]?.reasons[0] ?? '', /no policy matches/);
});

test('a kept Kyverno answer does not carry a pin across failure actions', () => {
  const signed = evidence(D1, { signatures: [sig(D1, keySigner(), REPO)] });
  const pod: ResourceContext = {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'web',
    namespace: 'prod',
    labels: {},
    annotations: {},
    namespaceLabels: {},
    operation: 'CREATE',
  };
  const enforce = evaluate(
    {
      policies: loadedOnce(kyverno),
      images: [{ ref: REF, digest: D1, pointer: '/spec/containers/0/image' }],
      evidence: evidenceMap(signed),
      resource: pod,
    },
    { now: NOW },
  );
  assert.equal(enforce.patches[0]?.value, `${REPO}@${D1}`);
  const audit = evaluate(
    {
      policies: loadedOnce(kyverno.replace('Enforce', 'Audit')),
      images: [{ ref: REF, digest: D1, pointer: '/spec/containers/0/image' }],
      evidence: evidenceMap(signed),
      resource: pod,
    },
    { now: NOW },
  );
  assert.deepEqual(audit.patches, [], 'Kyverno mutates only in Enforce');
});
