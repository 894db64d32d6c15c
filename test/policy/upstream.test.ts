import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, loadPolicies } from '../../src/policy/index.js';
import { D1, evidence, evidenceMap, fixture, NOW, sig } from './evidence-factory.js';

const UPSTREAM = 'upstream/policy-controller-v1beta1-valid-policy.yaml';

test("policy-controller's own v1beta1 valid policy loads, with all eight authorities", () => {
  const p = loadPolicies(fixture(UPSTREAM), UPSTREAM);
  const cip = p.cips[0];
  assert.ok(cip);
  assert.deepEqual(
    cip.authorities.map((a) => a.verifier.kind),
    ['keyless', 'keyless', 'keyless', 'keyless', 'keyless', 'key', 'key', 'key'],
  );
  assert.deepEqual(cip.authorities.map((a) => a.name).slice(0, 3), [
    'authority-0',
    'keyless signatures',
    'keyless attestations',
  ]);
});

test('its glob image* selects "image" on Docker Hub via the as-written fallback', () => {
  const p = loadPolicies(fixture(UPSTREAM), UPSTREAM);
  const signer = {
    kind: 'certificate' as const,
    certificateSha256: 'c'.repeat(64),
    chainTrust: 'fulcio:https://fulcio.sigstore.dev',
    issuer: 'issue-details',
    subject: 'subject-details',
    extensions: {},
  };
  const d = evaluate(
    {
      policies: p,
      images: [{ ref: 'image', digest: D1 }],
      evidence: evidenceMap(evidence(D1, { signatures: [sig(D1, signer, 'index.docker.io/library/image')] })),
    },
    { now: NOW },
  );
  assert.equal(d.allowed, true, JSON.stringify(d.reasons));
  assert.equal(
    d.images[0]?.policies[0]?.summary,
    'ClusterImagePolicy image-policy: satisfied by authority keyless signatures',
  );
});

test('an issuerRegExp of "****" is refused on that field, as policy-controller\'s invalid testdata states', () => {
  const text =
    'apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata:\n  name: image-policy\nspec:\n  images:\n  - glob: image*\n  authorities:\n  - keyless:\n      identities:\n      - issuerRegExp: "****"\n';
  assert.throws(
    () => loadPolicies(text, 'x.yaml'),
    (e: unknown) =>
      e instanceof Error &&
      'fields' in e &&
      Array.isArray(e.fields) &&
      e.fields.includes('x.yaml: spec.authorities[0].keyless.identities[0].issuerRegExp'),
  );
});
