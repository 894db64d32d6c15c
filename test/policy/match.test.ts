import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cipResourceMatches } from '../../src/policy/cip/evaluate.js';
import { IssueList } from '../../src/policy/issues.js';
import { ruleApplies } from '../../src/policy/kyverno/match.js';
import { parseLabelSelector, selectorMatches } from '../../src/policy/label-selector.js';
import { loadPolicies, type ResourceContext } from '../../src/policy/index.js';

function ctx(over: Partial<ResourceContext> = {}): ResourceContext {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'web-1',
    namespace: 'prod',
    labels: { app: 'web', tier: 'frontend' },
    annotations: {},
    namespaceLabels: { env: 'prod' },
    operation: 'CREATE',
    ...over,
  };
}

function kyverno(
  match: string,
  exclude = '',
  annotations = '',
): ReturnType<typeof loadPolicies>['kyverno'][number] {
  const text = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
${annotations}
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match:
${match}
${exclude}
      verifyImages:
        - imageReferences: ["*"]
          attestors:
            - entries:
                - keyless: { issuer: "https://i", subject: "s" }
`;
  const p = loadPolicies(text, 'test.yaml').kyverno[0];
  assert.ok(p);
  return p;
}

const applies = (p: ReturnType<typeof kyverno>, r: ResourceContext) => {
  const rule = p.rules[0];
  assert.ok(rule);
  return ruleApplies(p, rule.match, rule.exclude, r);
};

const podAny = `        any:
          - resources:
              kinds: [Pod]`;

test('a Pod rule matches a Pod', () => assert.equal(applies(kyverno(podAny), ctx()), true));

test('a Pod rule also matches pod controllers, as Kyverno autogen does', () => {
  for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicaSet']) {
    assert.equal(applies(kyverno(podAny), ctx({ kind, apiVersion: 'apps/v1' })), true, kind);
  }
});

test('autogen-controllers: none keeps a Pod rule to Pods', () => {
  const p = kyverno(podAny, '', '  annotations:\n    pod-policies.kyverno.io/autogen-controllers: none');
  assert.equal(applies(p, ctx({ kind: 'Deployment' })), false);
});

test('a rule for other kinds does not match a Pod', () => {
  assert.equal(
    applies(kyverno('        any:\n          - resources:\n              kinds: [Service]'), ctx()),
    false,
  );
});

test('namespaces match with wildcards', () => {
  const p = kyverno(
    '        any:\n          - resources:\n              kinds: [Pod]\n              namespaces: ["pro*"]',
  );
  assert.equal(applies(p, ctx()), true);
  assert.equal(applies(p, ctx({ namespace: 'dev' })), false);
});

test('exclude removes what match selected', () => {
  const p = kyverno(
    podAny,
    '      exclude:\n        any:\n          - resources:\n              namespaces: [kube-system]',
  );
  assert.equal(applies(p, ctx()), true);
  assert.equal(applies(p, ctx({ namespace: 'kube-system' })), false);
});

test('all requires every filter; any requires one', () => {
  const all = kyverno(
    '        all:\n          - resources:\n              kinds: [Pod]\n          - resources:\n              namespaces: [dev]',
  );
  assert.equal(applies(all, ctx()), false);
  assert.equal(applies(all, ctx({ namespace: 'dev' })), true);
  const any = kyverno(
    '        any:\n          - resources:\n              kinds: [Service]\n          - resources:\n              namespaces: [prod]',
  );
  assert.equal(applies(any, ctx()), true);
});

test('object and namespace selectors with matchExpressions', () => {
  const p = kyverno(`        any:
          - resources:
              kinds: [Pod]
              selector:
                matchExpressions:
                  - { key: tier, operator: In, values: [frontend, backend] }
              namespaceSelector:
                matchLabels: { env: prod }`);
  assert.equal(applies(p, ctx()), true);
  assert.equal(applies(p, ctx({ labels: { tier: 'db' } })), false);
  assert.equal(applies(p, ctx({ namespaceLabels: { env: 'dev' } })), false);
});

test('the legacy match.resources form works as a single filter', () => {
  assert.equal(applies(kyverno('        resources:\n          kinds: [Pod]'), ctx()), true);
});

test('a filter on subjects never matches without the requesting user (fails toward not matching)', () => {
  const p = kyverno(
    '        any:\n          - resources:\n              kinds: [Pod]\n            subjects:\n              - { kind: User, name: alice }',
  );
  assert.equal(applies(p, ctx()), false);
});

test('label selector operators follow Kubernetes semantics', () => {
  const list = new IssueList('t');
  const sel = parseLabelSelector(
    list,
    {
      matchExpressions: [
        { key: 'a', operator: 'Exists' },
        { key: 'b', operator: 'DoesNotExist' },
        { key: 'c', operator: 'NotIn', values: ['x'] },
      ],
    },
    'sel',
  );
  assert.ok(sel);
  assert.equal(selectorMatches(sel, { a: '1' }), true);
  assert.equal(selectorMatches(sel, { a: '1', b: '2' }), false);
  assert.equal(selectorMatches(sel, { a: '1', c: 'x' }), false);
  assert.equal(selectorMatches(sel, {}), false);
});

test('an In selector without values is refused with its path', () => {
  const list = new IssueList('t');
  parseLabelSelector(list, { matchExpressions: [{ key: 'a', operator: 'In' }] }, 'sel');
  assert.deepEqual(
    list.items.map((i) => i.path),
    ['sel.matchExpressions[0].values'],
  );
});

test('CIP match[] selects by resource, version and labels', () => {
  const text = `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: m }
spec:
  images: [{ glob: "**" }]
  authorities: [{ static: { action: pass } }]
  match:
    - resource: deployments
      version: v1
      group: apps
      selector:
        matchLabels: { app: web }
`;
  const cip = loadPolicies(text, 'm.yaml').cips[0];
  assert.ok(cip);
  assert.equal(cipResourceMatches(cip, ctx({ kind: 'Deployment', apiVersion: 'apps/v1' })), true);
  assert.equal(
    cipResourceMatches(cip, ctx({ kind: 'Deployment', apiVersion: 'apps/v1', labels: {} })),
    false,
  );
  assert.equal(cipResourceMatches(cip, ctx()), false);
});
