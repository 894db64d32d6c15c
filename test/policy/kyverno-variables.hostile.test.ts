import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VouchError } from '../../src/errors.js';
import { evaluate, loadPolicies, type PolicySet, resourceContext } from '../../src/policy/index.js';
import { D1, evidence, evidenceMap, NOW } from './evidence-factory.js';

/** An Enforce policy whose rule carries `ruleExtra` before a keyless verifyImages entry. */
const policy = (ruleExtra: string) => `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: k }
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match: { any: [{ resources: { kinds: [Pod] } }] }
${ruleExtra}      verifyImages:
        - imageReferences: ["ghcr.io/*"]
          attestors: [{ entries: [{ keyless: { issuer: "https://i", subject: "s" } }] }]
`;

function refused(text: string): { fields: string[]; message: string } {
  try {
    loadPolicies(text, 'k.yaml');
  } catch (e) {
    assert.ok(e instanceof VouchError);
    assert.equal(e.code, 'POLICY_INVALID');
    return { fields: [...e.fields], message: e.message };
  }
  assert.fail('policy was accepted');
}

const precondition = (key: string) =>
  `      preconditions:\n        all:\n          - key: ${JSON.stringify(key)}\n            operator: Equals\n            value: x\n`;

function judge(policies: PolicySet, object: unknown) {
  return evaluate(
    {
      policies,
      images: [{ ref: 'ghcr.io/team/app:1', digest: D1 }],
      evidence: evidenceMap(evidence(D1, {})),
      resource: resourceContext(object),
    },
    { now: NOW },
  );
}

test('a JMESPath syntax error in a precondition is refused at load with its path', () => {
  const r = refused(policy(precondition('{{ [[[ }}')));
  assert.deepEqual(r.fields, ['k.yaml: spec.rules[0].preconditions.all[0].key']);
  assert.match(r.message, /invalid JMESPath/);
});

test('an expression nested past the limit is refused before the parser recurses into it', () => {
  const deep = `{{ ${'('.repeat(5000)}request.name${')'.repeat(5000)} }}`;
  assert.match(refused(policy(precondition(deep))).message, /longer than|nests more than/);
  const nested = `{{ ${'('.repeat(40)}request.name${')'.repeat(40)} }}`;
  assert.match(refused(policy(precondition(nested))).message, /nests more than 32 levels/);
});

test('an overlong expression is refused', () => {
  const long = `{{ request.object.${'a.'.repeat(600)}b }}`;
  assert.match(refused(policy(precondition(long))).message, /longer than 1024 characters/);
});

test('a condition value nested past the limit is refused at its path', () => {
  let value = '"x"';
  for (let i = 0; i < 40; i++) value = `[${value}]`;
  const text = policy(
    `      preconditions:\n        all:\n          - key: "{{ request.name }}"\n            operator: AnyIn\n            value: ${value}\n`,
  );
  const r = refused(text);
  assert.deepEqual(r.fields, ['k.yaml: spec.rules[0].preconditions.all[0].value']);
  assert.match(r.message, /nests more than 32 levels/);
});

test('malformed preconditions and context are refused field by field', () => {
  assert.deepEqual(refused(policy('      preconditions: "all"\n')).fields, [
    'k.yaml: spec.rules[0].preconditions',
  ]);
  assert.deepEqual(refused(policy('      context: { name: x }\n')).fields, ['k.yaml: spec.rules[0].context']);
  assert.deepEqual(
    refused(
      policy(
        '      context:\n        - name: "a.b"\n          variable: { value: 1 }\n        - name: c\n          variable: { value: 1, jmespath: x }\n        - name: d\n',
      ),
    ).fields.sort(),
    [
      'k.yaml: spec.rules[0].context[0].name',
      'k.yaml: spec.rules[0].context[1].variable.jmespath',
      'k.yaml: spec.rules[0].context[2]',
    ],
  );
  assert.deepEqual(
    refused(
      policy(
        '      preconditions:\n        all:\n          - key: a\n            operator: Equals\n            valeu: b\n',
      ),
    ).fields,
    ['k.yaml: spec.rules[0].preconditions.all[0].valeu'],
  );
});

test('a context variable may not shadow request or images', () => {
  const r = refused(policy('      context:\n        - name: request\n          variable: { value: {} }\n'));
  assert.deepEqual(r.fields, ['k.yaml: spec.rules[0].context[0].name']);
});

test('ten thousand preconditions load and evaluate without exhausting the stack', () => {
  const conds = Array.from(
    { length: 10_000 },
    (_, i) =>
      `          - key: "{{ request.object.metadata.labels.l${i % 7} }}"\n            operator: NotEquals\n            value: "v${i}"\n`,
  ).join('');
  const p = loadPolicies(policy(`      preconditions:\n        all:\n${conds}`), 'k.yaml');
  const d = judge(p, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'w', labels: { l0: 'v0' } } });
  // l0=v0 makes the first condition false: the rule is skipped and the unsigned image admitted.
  assert.equal(d.allowed, true);
  const d2 = judge(p, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'w', labels: {} } });
  assert.equal(d2.allowed, false);
});

test('a deeply nested admitted object fails the rule closed instead of crashing', () => {
  let deep: unknown = 'bottom';
  for (let i = 0; i < 20_000; i++) deep = { a: deep };
  const p = loadPolicies(policy(precondition('{{ request.object.spec.a.a.a }}')), 'k.yaml');
  const d = judge(p, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'w' }, spec: deep });
  assert.equal(d.allowed, false);
  assert.match(d.reasons[0] ?? '', /preconditions could not be evaluated: .*nested too deeply/);
});

test('a JMESPath runtime error in a context variable denies instead of throwing or skipping', () => {
  const p = loadPolicies(
    policy(
      `      context:\n        - name: n\n          variable: { jmesPath: "abs(request.name)" }\n${precondition('{{ n }}')}`,
    ),
    'k.yaml',
  );
  const d = judge(p, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'w' } });
  assert.equal(d.allowed, false);
  assert.match(d.reasons[0] ?? '', /context variable "n"/);
});
