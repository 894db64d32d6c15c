import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VouchError } from '../../src/errors.js';
import { loadPolicies } from '../../src/policy/index.js';

const policy = (verifyImages: string, extraSpec = '') => `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: k }
spec:
  validationFailureAction: Enforce
${extraSpec}  rules:
    - name: r
      match: { any: [{ resources: { kinds: [Pod] } }] }
      verifyImages:
${verifyImages}`;

function fieldsOf(text: string): string[] {
  try {
    loadPolicies(text, 'k.yaml');
  } catch (e) {
    assert.ok(e instanceof VouchError);
    assert.equal(e.code, 'POLICY_INVALID');
    return [...e.fields];
  }
  assert.fail('policy was accepted');
}

const ENTRY = '          attestors: [{ entries: [{ keyless: { issuer: "https://i", subject: "s" } }] }]\n';

test('type Notary is refused clearly as unsupported', () => {
  const text = policy(`        - type: Notary\n          imageReferences: ["*"]\n${ENTRY}`);
  assert.throws(
    () => loadPolicies(text, 'k.yaml'),
    (e: unknown) =>
      e instanceof VouchError &&
      e.code === 'POLICY_INVALID' &&
      /type Notary is not supported/.test(e.message),
  );
});

test('unknown fields at every level are reported with their path', () => {
  const text = policy(
    `        - imageReferences: ["*"]
          mutateDigests: false
          attestors:
            - entries:
                - keyless: { issuer: "https://i", subject: "s", subjectRegexp: "x" }
`,
    '  validationFailureActionn: Audit\n',
  );
  assert.deepEqual(fieldsOf(text).sort(), [
    'k.yaml: spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.subjectRegexp',
    'k.yaml: spec.rules[0].verifyImages[0].mutateDigests',
    'k.yaml: spec.validationFailureActionn',
  ]);
});

test('an invalid subjectRegExp is refused with its path', () => {
  const text = policy(
    '        - imageReferences: ["*"]\n          attestors: [{ entries: [{ keyless: { issuer: "https://i", subjectRegExp: "a(?=b)" } }] }]\n',
  );
  assert.deepEqual(fieldsOf(text), [
    'k.yaml: spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.subjectRegExp',
  ]);
});

test('an unknown condition operator is refused', () => {
  const text = policy(`        - imageReferences: ["*"]
          attestations:
            - type: https://slsa.dev/provenance/v1
              attestors: [{ entries: [{ keyless: { issuer: "https://i", subject: "s" } }] }]
              conditions:
                - all: [{ key: "{{ a }}", operator: Matches, value: x }]
`);
  assert.deepEqual(fieldsOf(text), [
    'k.yaml: spec.rules[0].verifyImages[0].attestations[0].conditions[0].all[0].operator',
  ]);
});

test('a count above the number of entries is refused', () => {
  const text = policy(
    '        - imageReferences: ["*"]\n          attestors: [{ count: 3, entries: [{ keyless: { issuer: "https://i", subject: "s" } }] }]\n',
  );
  assert.deepEqual(fieldsOf(text), ['k.yaml: spec.rules[0].verifyImages[0].attestors[0].count']);
});

test('a verifyImages entry with neither attestors nor attestations is refused', () => {
  assert.deepEqual(fieldsOf(policy('        - imageReferences: ["*"]\n')), [
    'k.yaml: spec.rules[0].verifyImages[0]',
  ]);
});

test("an invalid failure action is refused with Kubernetes' wording", () => {
  const text = policy(`        - imageReferences: ["*"]\n${ENTRY}`).replace(
    'validationFailureAction: Enforce',
    'validationFailureAction: Block',
  );
  assert.throws(() => loadPolicies(text, 'k.yaml'), /Unsupported value: "Block"/);
});

test('a public key that is not PEM is refused', () => {
  const text = policy(
    '        - imageReferences: ["*"]\n          attestors: [{ entries: [{ keys: { publicKeys: "not-a-key" } }] }]\n',
  );
  assert.deepEqual(fieldsOf(text), [
    'k.yaml: spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.publicKeys',
  ]);
});

test('deeply nested attestors are cut off', () => {
  let set = '{ entries: [{ keyless: { issuer: "https://i", subject: "s" } }] }';
  for (let i = 0; i < 6; i++) set = `{ entries: [{ attestor: ${set} }] }`;
  const text = policy(`        - imageReferences: ["*"]\n          attestors: [${set}]\n`);
  assert.throws(() => loadPolicies(text, 'k.yaml'), /nest more than 4 levels/);
});

test('an alias bomb inside a Kyverno policy is refused with INPUT_TOO_LARGE', () => {
  const aliases = Array.from({ length: 200 }, () => '*r').join(', ');
  const text = `x: &r [1]\ny: [${aliases}]\n`;
  assert.throws(() => loadPolicies(text, 'k.yaml'), { code: 'INPUT_TOO_LARGE' });
});

test('rules with context entries that need a cluster are refused rather than evaluated without them', () => {
  const text = policy(`        - imageReferences: ["*"]\n${ENTRY}`).replace(
    '      match:',
    '      context: [{ name: cm, apiCall: { urlPath: /api/v1/namespaces } }]\n      match:',
  );
  assert.deepEqual(fieldsOf(text), ['k.yaml: spec.rules[0].context[0].apiCall']);
});
