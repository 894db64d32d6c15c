import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPolicies } from '../../src/policy/index.js';

// Written for vouch: Kyverno's policy validation refuses kind "*" in a verifyImages rule ("wildcard policy
// does not support rule type"), in match or exclude, any/all or the legacy single filter.
const policy = (match: string, extraRule = '') => `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: k }
spec:
  validationFailureAction: Enforce
  background: false
  rules:
    - name: r
      match: ${match}
${extraRule}      verifyImages:
        - imageReferences: ["registry.example/*"]
          attestors: [{ entries: [{ keyless: { issuer: "https://i", subject: "s" } }] }]
`;

const errorPaths = (text: string): string[] =>
  readPolicies(text, 'k.yaml')
    .issues.filter((i) => i.severity === 'error')
    .map((i) => i.path);

test('kind "*" in a verifyImages rule is refused, naming the kinds field', () => {
  assert.deepEqual(
    errorPaths(policy('{ any: [{ resources: { kinds: [Pod] } }, { resources: { kinds: ["*"] } }] }')),
    ['spec.rules[0].match.any[1].resources.kinds'],
  );
  assert.deepEqual(errorPaths(policy('{ resources: { kinds: ["*"] } }')), [
    'spec.rules[0].match.resources.kinds',
  ]);
  assert.deepEqual(
    errorPaths(
      policy(
        '{ any: [{ resources: { kinds: [Pod] } }] }',
        '      exclude: { all: [{ resources: { kinds: ["*"] } }] }\n',
      ),
    ),
    ['spec.rules[0].exclude.all[0].resources.kinds'],
  );
});

test('named kinds in a verifyImages rule load', () => {
  assert.deepEqual(errorPaths(policy('{ any: [{ resources: { kinds: [Pod, Deployment] } }] }')), []);
});

// Kyverno's policy validation also refuses `admission: false` on a policy with verifyImages rules, and
// turning off both admission and background processing.
const withSpec = (extra: string) =>
  `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: k }
spec:
  validationFailureAction: Enforce
${extra}  rules:
    - name: r
      match: { any: [{ resources: { kinds: [Pod] } }] }
      verifyImages:
        - imageReferences: ["registry.example/*"]
          attestors: [{ entries: [{ keyless: { issuer: "https://i", subject: "s" } }] }]
`;

test('admission: false on a verifyImages policy is refused naming spec.admission', () => {
  assert.deepEqual(errorPaths(withSpec('  admission: false\n')), ['spec.admission']);
  assert.deepEqual(errorPaths(withSpec('  admission: false\n  background: false\n')), ['spec.admission']);
  assert.deepEqual(errorPaths(withSpec('  admission: true\n  background: false\n')), []);
});
