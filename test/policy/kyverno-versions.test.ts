import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VouchError } from '../../src/errors.js';
import { evaluate, loadPolicies, type PolicySet, resourceContext } from '../../src/policy/index.js';
import {
  certSigner,
  D1,
  evidence,
  evidenceMap,
  GITHUB,
  KEY_PEM,
  keySigner,
  NOW,
  OTHER_KEY_FP,
  sig,
} from './evidence-factory.js';

const IMAGE = 'ghcr.io/team/app:1.0';

const indent = (pem: string, by: string) =>
  pem
    .trim()
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');

function refusal(load: () => unknown): { fields: string[]; message: string } {
  try {
    load();
  } catch (e) {
    assert.ok(e instanceof VouchError);
    assert.equal(e.code, 'POLICY_INVALID');
    return { fields: [...e.fields], message: e.message };
  }
  assert.fail('policy was accepted');
}

/** Judges IMAGE (digest D1) with the given signatures on a Pod in namespace shop. */
function judge(
  policies: PolicySet,
  signatures: ReturnType<typeof sig>[],
  labels: Record<string, string> = {},
) {
  return evaluate(
    {
      policies,
      images: [{ ref: IMAGE, digest: D1 }],
      evidence: evidenceMap(evidence(D1, { signatures })),
      resource: resourceContext(
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop', labels } },
        {},
      ),
    },
    { now: NOW },
  );
}

const signedByKey = [sig(D1, keySigner(), 'ghcr.io/team/app')];
const signedByOther = [sig(D1, keySigner(OTHER_KEY_FP), 'ghcr.io/team/app')];

// --- kyverno.io/v2beta1 ---

function v2beta1(rule: string): string {
  return `apiVersion: kyverno.io/v2beta1
kind: ClusterPolicy
metadata: { name: kp2 }
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
${rule}`;
}

const V2_RULE = `      match:
        any: [{ resources: { kinds: [Pod] } }]
      exclude:
        any: [{ resources: { selector: { matchLabels: { skip: "true" } } } }]
      preconditions:
        all:
          - key: "{{ request.operation }}"
            operator: AnyIn
            value: [CREATE, UPDATE]
      verifyImages:
        - imageReferences: ["ghcr.io/*"]
          mutateDigest: false
          verifyDigest: false
          attestors:
            - entries:
                - keys:
                    rekor: { ignoreTlog: true }
                    publicKeys: |
${indent(KEY_PEM, '                      ')}
`;

test('a kyverno.io/v2beta1 ClusterPolicy loads and is evaluated like v1', () => {
  const p = loadPolicies(v2beta1(V2_RULE), 'kp2.yaml');
  assert.equal(p.kyverno[0]?.apiVersion, 'kyverno.io/v2beta1');
  assert.equal(judge(p, signedByKey).allowed, true);
  assert.equal(judge(p, signedByOther).allowed, false);
  assert.equal(judge(p, signedByOther, { skip: 'true' }).allowed, true);
});

test('kyverno.io/v2beta1 match takes only any/all: the legacy resources form is an unknown field', () => {
  const text = v2beta1(V2_RULE).replace(
    '      match:\n        any: [{ resources: { kinds: [Pod] } }]',
    '      match:\n        resources: { kinds: [Pod] }',
  );
  assert.deepEqual(refusal(() => loadPolicies(text, 'kp2.yaml')).fields, [
    'kp2.yaml: spec.rules[0].match.resources',
  ]);
});

test('kyverno.io/v2beta1 verifyImages has no v1 deprecated fields: they are unknown fields', () => {
  const text = v2beta1(V2_RULE).replace(
    '        - imageReferences: ["ghcr.io/*"]',
    '        - imageReferences: ["ghcr.io/*"]\n          image: "ghcr.io/other/*"',
  );
  assert.deepEqual(refusal(() => loadPolicies(text, 'kp2.yaml')).fields, [
    'kp2.yaml: spec.rules[0].verifyImages[0].image',
  ]);
});

test('kyverno.io/v2beta1 preconditions refuse the In operator, as its enum lacks it', () => {
  const text = v2beta1(V2_RULE).replace('operator: AnyIn', 'operator: In');
  const r = refusal(() => loadPolicies(text, 'kp2.yaml'));
  assert.deepEqual(r.fields, ['kp2.yaml: spec.rules[0].preconditions.all[0].operator']);
  assert.match(r.message, /operator In is not allowed in kyverno\.io\/v2beta1/);
});

test('kyverno.io/v2beta1 preconditions are an any/all object, not a bare list', () => {
  const text = v2beta1(V2_RULE).replace(
    '      preconditions:\n        all:\n          - key',
    '      preconditions:\n          - key',
  );
  assert.deepEqual(refusal(() => loadPolicies(text, 'kp2.yaml')).fields, [
    'kp2.yaml: spec.rules[0].preconditions',
  ]);
});

test('other kyverno.io versions stay refused', () => {
  const text = v2beta1(V2_RULE).replace('kyverno.io/v2beta1', 'kyverno.io/v2alpha1');
  assert.match(
    refusal(() => loadPolicies(text, 'kp2.yaml')).message,
    /kyverno\.io\/v2alpha1 ClusterPolicy is not supported/,
  );
});

// --- v1 deprecated single-key fields, mapped as ImageVerification.Convert() does ---

function v1(entry: string): string {
  return `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: kp }
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match: { any: [{ resources: { kinds: [Pod] } }] }
      verifyImages:
        - mutateDigest: false
          verifyDigest: false
${entry}`;
}

test('deprecated image and key become imageReferences and one key attestor requiring Rekor', () => {
  const p = loadPolicies(
    v1(`          image: "ghcr.io/team/*"
          key: |
${indent(KEY_PEM, '            ')}
`),
    'kp.yaml',
  );
  const iv = p.kyverno[0]?.rules[0]?.verifyImages[0];
  assert.deepEqual(iv?.imageReferences, ['ghcr.io/team/*']);
  assert.equal(iv?.attestors.length, 1);
  assert.equal(judge(p, signedByKey).allowed, true);
  // Convert() sets no Rekor options, and Kyverno's default requires a transparency-log entry.
  assert.equal(judge(p, [sig(D1, keySigner(), 'ghcr.io/team/app', { tlog: false })]).allowed, false);
});

test('deprecated key verifies like attestors: the right key passes, another key fails', () => {
  const p = loadPolicies(
    v1(`          imageReferences: ["ghcr.io/*"]
          key: |
${indent(KEY_PEM, '            ')}
`),
    'kp.yaml',
  );
  const iv = p.kyverno[0]?.rules[0]?.verifyImages[0];
  const entry = iv?.attestors[0]?.entries[0];
  assert.equal(entry?.kind, 'keys');
  assert.equal(entry?.path, 'spec.rules[0].verifyImages[0].key');
  assert.equal(judge(p, signedByOther).allowed, false);
});

test('deprecated issuer, subject and roots become one keyless attestor', () => {
  const p = loadPolicies(
    v1(`          imageReferences: ["ghcr.io/*"]
          issuer: ${GITHUB}
          subject: "https://github.com/team/*"
`),
    'kp.yaml',
  );
  const entry = p.kyverno[0]?.rules[0]?.verifyImages[0]?.attestors[0]?.entries[0];
  assert.equal(entry?.kind, 'keyless');
  const good = [
    sig(
      D1,
      certSigner('https://github.com/team/app/.github/workflows/r.yaml@refs/heads/main'),
      'ghcr.io/team/app',
    ),
  ];
  const bad = [
    sig(
      D1,
      certSigner('https://github.com/evil/app/.github/workflows/r.yaml@refs/heads/main'),
      'ghcr.io/team/app',
    ),
  ];
  assert.equal(judge(p, good).allowed, true, JSON.stringify(judge(p, good).reasons));
  assert.equal(judge(p, bad).allowed, false);
});

test('deprecated fields Kyverno would silently drop are refused, each naming its field', () => {
  for (const [entry, field, why] of [
    [
      '          imageReferences: ["ghcr.io/*"]\n          subject: "x"\n',
      'subject',
      /without issuer is ignored/,
    ],
    [
      `          imageReferences: ["ghcr.io/*"]\n          issuer: ${GITHUB}\n          additionalExtensions: { githubWorkflowTrigger: push }\n`,
      'additionalExtensions',
      /dropped by Kyverno's conversion/,
    ],
    [
      `          imageReferences: ["ghcr.io/*"]\n          issuer: ${GITHUB}\n          key: |\n${indent(KEY_PEM, '            ')}\n`,
      'issuer',
      /keeps only the key/,
    ],
    [
      `          imageReferences: ["ghcr.io/*"]\n          key: |\n${indent(KEY_PEM, '            ')}\n          attestations: [{ type: "https://slsa.dev/provenance/v1" }]\n`,
      'key',
      /attaches it to neither/,
    ],
  ] as const) {
    const r = refusal(() => loadPolicies(v1(entry), 'kp.yaml'));
    assert.deepEqual(r.fields, [`kp.yaml: spec.rules[0].verifyImages[0].${field}`], field);
    assert.match(r.message, why);
  }
});

test('deprecated validate and annotations stay refused as unsupported', () => {
  const r = refusal(() =>
    loadPolicies(
      v1(`          imageReferences: ["ghcr.io/*"]
          attestors: [{ entries: [{ keyless: { issuer: "${GITHUB}", subject: "s" } }] }]
          annotations: { env: prod }
          validate: { deny: {} }
`),
      'kp.yaml',
    ),
  );
  assert.deepEqual(r.fields.sort(), [
    'kp.yaml: spec.rules[0].verifyImages[0].annotations',
    'kp.yaml: spec.rules[0].verifyImages[0].validate',
  ]);
});

test('a deprecated key that is not PEM is refused at the key field', () => {
  const r = refusal(() =>
    loadPolicies(v1('          image: "ghcr.io/*"\n          key: "not a key"\n'), 'kp.yaml'),
  );
  assert.deepEqual(r.fields, ['kp.yaml: spec.rules[0].verifyImages[0].key']);
});
