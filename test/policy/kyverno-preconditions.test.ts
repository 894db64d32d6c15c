import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VouchError } from '../../src/errors.js';
import {
  evaluate,
  evidenceRequirements,
  loadPolicies,
  type PolicySet,
  type ResourceContext,
  resourceContext,
  resourceReads,
} from '../../src/policy/index.js';
import { att, D1, evidence, evidenceMap, KEY_PEM, keySigner, NOW, sig } from './evidence-factory.js';

const IMAGE = 'ghcr.io/team/app:1.0';
const SLSA = 'https://slsa.dev/provenance/v1';

const key = KEY_PEM.trim()
  .split('\n')
  .map((l) => `                      ${l}`)
  .join('\n');

/** An Enforce ClusterPolicy whose one rule carries `ruleExtra` (context, preconditions) before verifyImages. */
function policy(ruleExtra: string, attestations = ''): PolicySet {
  return loadPolicies(
    `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: kp }
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match: { any: [{ resources: { kinds: [Pod] } }] }
${ruleExtra}      verifyImages:
        - imageReferences: ["ghcr.io/*"]
          mutateDigest: false
          verifyDigest: false
          attestors:
            - entries:
                - keys:
                    rekor: { ignoreTlog: true }
                    publicKeys: |
${key}
${attestations}`,
    'kp.yaml',
  );
}

function pod(labels: Record<string, string> = {}, opts: { name?: string; namespace?: string } = {}): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: opts.name ?? 'web', namespace: opts.namespace ?? 'shop', labels },
    spec: {
      serviceAccountName: 'builder',
      containers: [{ name: 'web', image: IMAGE }],
      initContainers: [{ name: 'init', image: 'ghcr.io/team/init@sha256:'.concat('4'.repeat(64)) }],
    },
  };
}

function ctx(object: unknown, operation: ResourceContext['operation'] = 'CREATE'): ResourceContext {
  return resourceContext(object, { operation });
}

/** Judges the unsigned image under `resource`: deny when the rule applies, allow when it is skipped. */
function unsigned(policies: PolicySet, resource: ResourceContext | undefined) {
  return evaluate(
    {
      policies,
      images: [{ ref: IMAGE, digest: D1 }],
      evidence: evidenceMap(evidence(D1, {})),
      ...(resource ? { resource } : {}),
    },
    { now: NOW },
  );
}

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

const TIER_PROD = `      preconditions:
        all:
          - key: "{{ request.object.metadata.labels.tier }}"
            operator: Equals
            value: prod
`;

test('a rule whose preconditions hold applies: the unsigned image is denied', () => {
  const d = unsigned(policy(TIER_PROD), ctx(pod({ tier: 'prod' })));
  assert.equal(d.allowed, false);
  assert.equal(d.images[0]?.policies[0]?.rule, 'r');
});

test('a rule whose preconditions do not hold is skipped, as Kyverno does not apply it', () => {
  const d = unsigned(policy(TIER_PROD), ctx(pod({ tier: 'dev' })));
  assert.equal(d.allowed, true);
  assert.deepEqual(d.images[0]?.policies, []);
});

test('a precondition variable missing from the object is an empty string, as in Kyverno', () => {
  const p = policy(`      preconditions:
        all:
          - key: "{{ request.object.metadata.labels.tier }}"
            operator: Equals
            value: ""
`);
  assert.equal(unsigned(p, ctx(pod({}))).allowed, false);
  assert.equal(unsigned(p, ctx(pod({ tier: 'dev' }))).allowed, true);
});

test('a bare precondition list means all of them', () => {
  const p = policy(`      preconditions:
        - key: "{{ request.operation }}"
          operator: Equals
          value: CREATE
        - key: "{{ request.namespace }}"
          operator: AnyIn
          value: [shop, pay]
`);
  assert.equal(unsigned(p, ctx(pod(), 'CREATE')).allowed, false);
  assert.equal(unsigned(p, ctx(pod(), 'UPDATE')).allowed, true);
  assert.equal(unsigned(p, resourceContext(pod(), { namespace: 'other' })).allowed, true);
});

test('preconditions any needs one condition, all needs every one', () => {
  const p = policy(`      preconditions:
        any:
          - key: "{{ request.name }}"
            operator: Equals
            value: "api-*"
          - key: "{{ request.object.metadata.labels.tier }}"
            operator: Equals
            value: prod
        all:
          - key: "{{ request.object.spec.containers[0].name }}"
            operator: NotEquals
            value: debug
`);
  assert.equal(unsigned(p, ctx(pod({}, { name: 'api-1' }))).allowed, false);
  assert.equal(unsigned(p, ctx(pod({ tier: 'prod' }))).allowed, false);
  assert.equal(unsigned(p, ctx(pod({ tier: 'dev' }))).allowed, true);
});

test('preconditions can read the images variable', () => {
  const p = policy(`      preconditions:
        all:
          - key: "{{ images.containers.web.registry }}"
            operator: Equals
            value: ghcr.io
          - key: "{{ images.initContainers.init.digest }}"
            operator: Equals
            value: "sha256:*"
`);
  assert.equal(unsigned(p, ctx(pod())).allowed, false);
  const other = pod() as { spec: { containers: { image: string }[] } };
  other.spec.containers[0] = { ...other.spec.containers[0], image: 'docker.io/team/app:1' } as never;
  assert.equal(unsigned(p, ctx(other)).allowed, true);
});

test('a precondition that cannot be evaluated fails closed: the rule fails instead of being skipped', () => {
  const p = policy(`      preconditions:
        all:
          - key: "{{ request.object.metadata.name }}"
            operator: GreaterThan
            value: 3
`);
  const d = unsigned(p, ctx(pod()));
  assert.equal(d.allowed, false);
  assert.match(d.reasons[0] ?? '', /preconditions could not be evaluated: .*cannot compare/);
});

test('a precondition reading what vouch cannot know is refused at load, naming the field', () => {
  for (const [expr, what] of [
    ['request.userInfo.username', /reads request\.userInfo/],
    ['serviceAccountName', /reads "serviceAccountName"/],
    ['request.oldObject.metadata.name', /reads request\.oldObject/],
    ['@', /reads the whole context/],
    ['length(request)', /reads request: not supported by vouch/],
  ] as const) {
    const r = refusal(() =>
      policy(`      preconditions:
        all:
          - key: "{{ ${expr} }}"
            operator: Equals
            value: x
`),
    );
    assert.deepEqual(r.fields, ['kp.yaml: spec.rules[0].preconditions.all[0].key'], expr);
    assert.match(r.message, what);
  }
});

test('a Kyverno JMESPath extension function is refused at load rather than failing at admission', () => {
  const r = refusal(() =>
    policy(`      preconditions:
        all:
          - key: "{{ to_upper(request.object.metadata.name) }}"
            operator: Equals
            value: WEB
`),
  );
  assert.match(r.message, /calls to_upper\(\), a Kyverno JMESPath extension/);
});

test('standard JMESPath functions and filters over the object work in preconditions', () => {
  const p = policy(`      preconditions:
        all:
          - key: "{{ length(request.object.spec.containers[?starts_with(image, 'ghcr.io/')]) }}"
            operator: GreaterThanOrEquals
            value: 1
`);
  assert.equal(unsigned(p, ctx(pod())).allowed, false);
});

test('context variables: value, jmesPath over the request and default feed preconditions', () => {
  const p = policy(`      context:
        - name: tier
          variable:
            jmesPath: request.object.metadata.labels.tier
            default: none
        - name: gated
          variable:
            value: ["prod", "staging"]
        - name: first
          variable:
            value: "{{ gated }}"
            jmesPath: "[0]"
      preconditions:
        all:
          - key: "{{ tier }}"
            operator: AnyIn
            value: "{{ gated }}"
          - key: "{{ first }}"
            operator: Equals
            value: prod
`);
  assert.equal(unsigned(p, ctx(pod({ tier: 'staging' }))).allowed, false);
  assert.equal(unsigned(p, ctx(pod({}))).allowed, true);
});

test('a context variable that evaluates to null without a default fails the rule closed', () => {
  const p = policy(`      context:
        - name: tier
          variable:
            jmesPath: request.object.metadata.labels.tier
`);
  const d = unsigned(p, ctx(pod({})));
  assert.equal(d.allowed, false);
  assert.match(d.reasons[0] ?? '', /context variable "tier" evaluated to null/);
  // A rule that fails on its variables needs no evidence from the registry.
  assert.deepEqual(evidenceRequirements(p, { ref: IMAGE, digest: D1 }, ctx(pod({}))), []);
});

test('a context variable reads only variables declared before it', () => {
  const r = refusal(() =>
    policy(`      context:
        - name: a
          variable: { value: "{{ b }}" }
        - name: b
          variable: { value: x }
`),
  );
  assert.deepEqual(r.fields, ['kp.yaml: spec.rules[0].context[0].variable.value']);
});

test('context entries that need a cluster stay refused, each naming its field', () => {
  const r = refusal(() =>
    policy(`      context:
        - name: api
          apiCall: { urlPath: "/api/v1/namespaces" }
        - name: reg
          imageRegistry: { reference: "ghcr.io/x" }
        - name: g
          globalReference: { name: x }
`),
  );
  assert.deepEqual(r.fields.sort(), [
    'kp.yaml: spec.rules[0].context[0].apiCall',
    'kp.yaml: spec.rules[0].context[1].imageRegistry',
    'kp.yaml: spec.rules[0].context[2].globalReference',
  ]);
  assert.match(r.message, /need a cluster/);
});

test('attestation conditions can read context variables and the request next to the predicate', () => {
  const p = policy(
    `      context:
        - name: trustedRepo
          variable: { value: "https://github.com/team/*" }
`,
    `          attestations:
            - type: ${SLSA}
              conditions:
                - all:
                    - key: "{{ repo }}"
                      operator: Equals
                      value: "{{ trustedRepo }}"
                    - key: "{{ request.namespace }}"
                      operator: Equals
                      value: shop
`,
  );
  const judge = (repo: string, namespace: string) =>
    evaluate(
      {
        policies: p,
        images: [{ ref: IMAGE, digest: D1 }],
        evidence: evidenceMap(
          evidence(D1, {
            signatures: [sig(D1, keySigner(), 'ghcr.io/team/app')],
            attestations: [att(D1, keySigner(), 'ghcr.io/team/app', SLSA, { repo })],
          }),
        ),
        resource: resourceContext(pod(), { namespace }),
      },
      { now: NOW },
    ).allowed;
  assert.equal(judge('https://github.com/team/app', 'shop'), true);
  assert.equal(judge('https://github.com/evil/app', 'shop'), false);
  // The same evidence under another request gets its own answer, not a memoised one.
  assert.equal(judge('https://github.com/team/app', 'other'), false);
});

test('without a resource (a bare image), preconditions are not judged, as match/exclude are not', () => {
  assert.equal(unsigned(policy(TIER_PROD), undefined).allowed, false);
});

test('what a policy set reads of a resource: labels for selectors, everything for preconditions', () => {
  const none = policy('');
  assert.deepEqual(resourceReads(none), {
    labels: false,
    annotations: false,
    name: false,
    operation: false,
    object: false,
  });
  assert.equal(resourceReads(none), resourceReads(none));
  const excluded = policy(`      exclude:
        any: [{ resources: { selector: { matchLabels: { skip: "true" } }, operations: [UPDATE] } }]
`);
  assert.deepEqual(resourceReads(excluded), {
    labels: true,
    annotations: false,
    name: false,
    operation: true,
    object: false,
  });
  assert.equal(resourceReads(policy(TIER_PROD)).object, true);
});
