// When a transparency-log entry is required, per engine, as the upstream controllers decide it:
// - policy-controller, pkg/webhook/validator.go checkOptsFromAuthority: the Rekor client and keys come only
//   from `ctlog.url` or `ctlog.trustRootRef` (rekorClientAndKeysFromAuthority returns nil for a nil or
//   empty ctlog); "Skip the TLog verification if we have no client or keys to validate against".
// - Kyverno, pkg/cosign: a keys attestor verifies the Rekor entry unless `rekor.ignoreTlog: true`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  evaluate,
  evidenceRequirements,
  lintPolicies,
  loadPolicies,
  type PolicySet,
} from '../../src/policy/index.js';
import { D1, evidence, evidenceMap, KEY_PEM, keySigner, NOW, sig } from './evidence-factory.js';

const IMAGE = 'registry.example.com/team/app:2.3';
const indent = (n: number) =>
  KEY_PEM.trim()
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`)
    .join('\n');

function keyCip(ctlog: string): string {
  return `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: key-policy }
spec:
  images: [{ glob: "registry.example.com/**" }]
  authorities:
    - name: release-key
      key:
        data: |
${indent(10)}
${ctlog}`;
}

function kyvernoKeys(rekor: string): string {
  return `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: kp }
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match: { any: [{ resources: { kinds: [Pod] } }] }
      verifyImages:
        - imageReferences: ["registry.example.com/*"]
          mutateDigest: false
          verifyDigest: false
          attestors:
            - entries:
                - keys:
${rekor}                    publicKeys: |
${indent(22)}
`;
}

function tlogRequired(policies: PolicySet): boolean[] {
  return evidenceRequirements(policies, { ref: IMAGE, digest: D1 }, undefined).map((r) => r.tlog.required);
}

/** The verdict for a key signature of the image that has (or lacks) a Rekor entry. */
function allowed(policies: PolicySet, logged: boolean): boolean {
  const ev = evidence(D1, {
    signatures: [sig(D1, keySigner(), 'registry.example.com/team/app', { tlog: logged })],
  });
  return evaluate({ policies, images: [{ ref: IMAGE, digest: D1 }], evidence: evidenceMap(ev) }, { now: NOW })
    .allowed;
}

test('policy-controller: a key authority without ctlog is checked signature-only (SkipTlogVerify)', () => {
  const p = loadPolicies(keyCip(''), 'k.yaml');
  assert.deepEqual(tlogRequired(p), [false]);
  assert.equal(allowed(p, false), true);
  assert.equal(allowed(p, true), true);
});

test('policy-controller: `ctlog: {}` on a key authority builds no Rekor client either', () => {
  const p = loadPolicies(keyCip('      ctlog: {}\n'), 'k.yaml');
  assert.deepEqual(tlogRequired(p), [false]);
  assert.equal(allowed(p, false), true);
});

test('policy-controller: ctlog.url requires the Rekor entry of a key signature', () => {
  const p = loadPolicies(keyCip('      ctlog:\n        url: https://rekor.sigstore.dev\n'), 'k.yaml');
  assert.deepEqual(tlogRequired(p), [true]);
  assert.equal(allowed(p, true), true);
  const d = evaluate(
    {
      policies: p,
      images: [{ ref: IMAGE, digest: D1 }],
      evidence: evidenceMap(
        evidence(D1, {
          signatures: [sig(D1, keySigner(), 'registry.example.com/team/app', { tlog: false })],
        }),
      ),
    },
    { now: NOW },
  );
  assert.equal(d.allowed, false);
  assert.match(d.reasons[0] ?? '', /without transparency-log entry/);
});

test('policy-controller: ctlog.trustRootRef requires the Rekor entry too', () => {
  const p = loadPolicies(keyCip('      ctlog:\n        trustRootRef: private\n'), 'k.yaml');
  assert.deepEqual(tlogRequired(p), [true]);
  assert.equal(allowed(p, false), false);
});

test('Kyverno: a keys attestor requires the Rekor entry unless rekor.ignoreTlog is true', () => {
  const strict = loadPolicies(kyvernoKeys(''), 'kp.yaml');
  assert.deepEqual(tlogRequired(strict), [true]);
  assert.equal(allowed(strict, false), false);
  assert.equal(allowed(strict, true), true);
  const waived = loadPolicies(kyvernoKeys('                    rekor: { ignoreTlog: true }\n'), 'kp.yaml');
  assert.deepEqual(tlogRequired(waived), [false]);
  assert.equal(allowed(waived, false), true);
});

test('lint warns when a key authority checks no transparency log, and not when ctlog.url is set', () => {
  const plain = lintPolicies(keyCip(''), 'k.yaml');
  assert.equal(plain.ok, true);
  assert.ok(
    plain.issues.some(
      (i) =>
        i.severity === 'warning' &&
        i.path === 'spec.authorities[0].key' &&
        /no transparency log/.test(i.message),
    ),
    JSON.stringify(plain.issues),
  );
  const empty = lintPolicies(keyCip('      ctlog: {}\n'), 'k.yaml');
  assert.ok(empty.issues.some((i) => i.severity === 'warning' && i.path === 'spec.authorities[0].ctlog'));
  const logged = lintPolicies(keyCip('      ctlog:\n        url: https://rekor.sigstore.dev\n'), 'k.yaml');
  assert.deepEqual(
    logged.issues.filter((i) => i.severity === 'warning'),
    [],
  );
});
