import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VouchError } from '../../src/errors.js';
import {
  evaluate,
  evidenceRequirements,
  loadPolicies,
  mergePolicySets,
  objectImages,
  type PolicySet,
  resourceContext,
  resourceReads,
} from '../../src/policy/index.js';
import { D1, D2, evidence, evidenceMap, KEY_PEM, keySigner, NOW, sig } from './evidence-factory.js';

const SIGNED = 'ghcr.io/team/signed:1.0';
const UNSIGNED = 'ghcr.io/team/unsigned:1.0';

const key = KEY_PEM.trim()
  .split('\n')
  .map((l) => `                      ${l}`)
  .join('\n');

/** An Enforce ClusterPolicy with one verifyImages rule matching `kinds`, with `extractors` (YAML) if given. */
function policy(kinds: string, extractors = '', verify = 'mutateDigest: false'): PolicySet {
  return loadPolicies(
    `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: kp }
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match: { any: [{ resources: { kinds: [${kinds}] } }] }
${extractors}      verifyImages:
        - imageReferences: ["ghcr.io/*"]
          ${verify}
          verifyDigest: false
          attestors:
            - entries:
                - keys:
                    rekor: { ignoreTlog: true }
                    publicKeys: |
${key}
`,
    'kp.yaml',
  );
}

const CUSTOM_EXTRACTORS = `      imageExtractors:
        CustomWorkload:
          - path: /spec/tasks/*
            value: image
            key: name
`;

function custom(images: string[]): Record<string, unknown> {
  return {
    apiVersion: 'example.com/v1',
    kind: 'CustomWorkload',
    metadata: { name: 'w', namespace: 'shop' },
    spec: { tasks: images.map((image, i) => ({ name: `t${i}`, image })) },
  };
}

const EVIDENCE = evidenceMap(
  evidence(D1, { signatures: [sig(D1, keySigner(), 'ghcr.io/team/signed')] }),
  evidence(D2, {}),
);
const DIGEST: Record<string, typeof D1> = { [SIGNED]: D1, [UNSIGNED]: D2 };

/** Extracts the object's images as the CLI does, then judges them with the pure engine. */
function judge(set: PolicySet, object: Record<string, unknown>) {
  const images = objectImages(set, String(object['kind']), object, { strict: true }).map((i) => ({
    ref: i.image,
    pointer: i.pointer,
    container: i.container,
    ...(DIGEST[i.image] ? { digest: DIGEST[i.image] } : {}),
  }));
  return evaluate(
    { policies: set, images, resource: resourceContext(object), evidence: EVIDENCE },
    { now: NOW },
  );
}

function refusal(load: () => unknown): { fields: string[]; message: string } {
  try {
    load();
  } catch (e) {
    assert.ok(e instanceof VouchError);
    assert.equal(e.code, 'POLICY_INVALID');
    return { fields: e.fields.map((f) => f.replace(/^kp\.yaml: /, '')), message: e.message };
  }
  assert.fail('policy was accepted');
}

// --- parse

test('imageExtractors loads: kind → extractors with path, value, name, key and jmesPath', () => {
  const set = policy(
    'CustomWorkload',
    `      imageExtractors:
        CustomWorkload:
          - path: /spec/tasks/*
            value: image
            key: name
            name: tasks
            jmesPath: "to_string(@)"
`,
  );
  assert.deepEqual(set.kyverno[0]?.rules[0]?.imageExtractors, {
    CustomWorkload: [
      {
        path: '/spec/tasks/*',
        fields: ['spec', 'tasks', '*'],
        value: 'image',
        name: 'tasks',
        key: 'name',
        jmesPath: 'to_string(@)',
      },
    ],
  });
});

test('without value the last path segment is the image field, and name defaults to custom', () => {
  const set = policy(
    'Task',
    `      imageExtractors:\n        Task:\n          - path: /spec/steps/*/image\n`,
  );
  assert.deepEqual(set.kyverno[0]?.rules[0]?.imageExtractors?.['Task'], [
    { path: '/spec/steps/*/image', fields: ['spec', 'steps', '*'], value: 'image', name: 'custom' },
  ]);
});

test('an unknown extractor field is refused with its field path', () => {
  const r = refusal(() =>
    policy(
      'Task',
      `      imageExtractors:\n        Task:\n          - path: /spec/steps/*/image\n            jsonPath: x\n`,
    ),
  );
  assert.deepEqual(r.fields, ['spec.rules[0].imageExtractors.Task[0].jsonPath']);
  assert.match(r.message, /unknown field "jsonPath"/);
});

test('a path that names no field, ends in *, or mixes * into a segment is refused', () => {
  for (const [path, why] of [
    ['"/"', /names no field/],
    ['/spec/steps/*', /cannot be \*/],
    ['/spec/step*/image', /whole-segment \* wildcard/],
  ] as const) {
    const r = refusal(() =>
      policy('Task', `      imageExtractors:\n        Task:\n          - path: ${path}\n`),
    );
    assert.deepEqual(r.fields, ['spec.rules[0].imageExtractors.Task[0].path']);
    assert.match(r.message, why);
  }
});

test('a path is required', () => {
  const r = refusal(() =>
    policy('Task', `      imageExtractors:\n        Task:\n          - value: image\n`),
  );
  assert.deepEqual(r.fields, ['spec.rules[0].imageExtractors.Task[0].path']);
});

test('a jmesPath that does not parse, or calls a Kyverno-only function, is refused', () => {
  const bad = refusal(() =>
    policy(
      'Task',
      `      imageExtractors:\n        Task:\n          - path: /spec/image\n            jmesPath: "[?"\n`,
    ),
  );
  assert.deepEqual(bad.fields, ['spec.rules[0].imageExtractors.Task[0].jmesPath']);
  const ext = refusal(() =>
    policy(
      'Task',
      `      imageExtractors:\n        Task:\n          - path: /spec/image\n            jmesPath: "split(@, ':')[0]"\n`,
    ),
  );
  assert.deepEqual(ext.fields, ['spec.rules[0].imageExtractors.Task[0].jmesPath']);
  assert.match(ext.message, /split\(\).*not supported by vouch/);
});

test('imageExtractors that is not a map of lists is refused', () => {
  assert.deepEqual(refusal(() => policy('Task', `      imageExtractors: [x]\n`)).fields, [
    'spec.rules[0].imageExtractors',
  ]);
  assert.deepEqual(
    refusal(() => policy('Task', `      imageExtractors:\n        Task: /spec/image\n`)).fields,
    ['spec.rules[0].imageExtractors.Task'],
  );
});

// --- evaluation through the pure engine

test('a custom kind with a signed and an unsigned image: the signed one passes, the unsigned denies', () => {
  const d = judge(policy('CustomWorkload', CUSTOM_EXTRACTORS), custom([SIGNED, UNSIGNED]));
  assert.deepEqual(
    d.images.map((i) => [i.image, i.outcome, i.pointer]),
    [
      [SIGNED, 'allow', '/spec/tasks/0/image'],
      [UNSIGNED, 'deny', '/spec/tasks/1/image'],
    ],
  );
  assert.equal(d.allowed, false);
  assert.equal(judge(policy('CustomWorkload', CUSTOM_EXTRACTORS), custom([SIGNED])).allowed, true);
});

test('without imageExtractors a custom kind has no images and the CLI refuses it as UNSUPPORTED', () => {
  assert.throws(() => judge(policy('CustomWorkload'), custom([UNSIGNED])), { code: 'UNSUPPORTED' });
});

test('a rule without extractors does not judge images another rule extracted from a custom kind', () => {
  const set = mergePolicySets([policy('CustomWorkload', CUSTOM_EXTRACTORS), policy('CustomWorkload')]);
  const d = judge(set, custom([SIGNED]));
  assert.deepEqual(d.images[0]?.policies.length, 1);
  assert.equal(d.allowed, true);
});

test('mutateDigest pins an extracted image at the pointer of its field', () => {
  const d = judge(policy('CustomWorkload', CUSTOM_EXTRACTORS, 'mutateDigest: true'), custom([SIGNED]));
  assert.deepEqual(d.patches, [
    { op: 'replace', path: '/spec/tasks/0/image', value: `ghcr.io/team/signed@${D1}` },
  ]);
});

test('extractors for Pod replace the built-in pod-spec images for that rule', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'shop' },
    spec: { containers: [{ name: 'app', image: UNSIGNED }], initContainers: [{ name: 'i', image: SIGNED }] },
  };
  const onlyInit = policy(
    'Pod',
    `      imageExtractors:\n        Pod:\n          - path: /spec/initContainers/*/image\n`,
  );
  const d = judge(onlyInit, pod);
  // The app container is still listed (every engine looks at pod specs) but this rule does not judge it.
  assert.deepEqual(
    d.images.map((i) => [i.image, i.outcome, i.policies.length]),
    [
      [SIGNED, 'allow', 1],
      [UNSIGNED, 'allow', 0],
    ],
  );
  // Without extractors the same rule judges both and denies the unsigned one.
  assert.equal(judge(policy('Pod'), pod).allowed, false);
});

test('an object whose shape contradicts the extractor path fails the rule (closed), naming the path', () => {
  const set = policy('CustomWorkload', CUSTOM_EXTRACTORS);
  const bad = { ...custom([]), spec: { tasks: ['ghcr.io/team/signed:1.0'] } };
  assert.throws(() => judge(set, bad), {
    code: 'INPUT_MALFORMED',
    message: /expected an object at "\/spec\/tasks\/0"/,
  });
  // The engine, given an image of that object anyway, reports the rule as an error instead of passing it.
  const d = evaluate(
    {
      policies: set,
      images: [{ ref: SIGNED, digest: D1 }],
      resource: resourceContext(bad),
      evidence: EVIDENCE,
    },
    { now: NOW },
  );
  assert.equal(d.allowed, false);
  assert.match(d.reasons[0] ?? '', /imageExtractors could not read the object/);
});

test('evidence is requested only for the images a rule’s extractors select', () => {
  const set = policy('CustomWorkload', CUSTOM_EXTRACTORS);
  const obj = custom([SIGNED]);
  assert.equal(evidenceRequirements(set, { ref: SIGNED, digest: D1 }, resourceContext(obj)).length, 1);
  assert.equal(
    evidenceRequirements(set, { ref: 'ghcr.io/team/other:1', digest: D2 }, resourceContext(obj)).length,
    0,
  );
});

test('a policy with imageExtractors reads the whole object, so a verdict cache keys on it', () => {
  assert.equal(resourceReads(policy('CustomWorkload', CUSTOM_EXTRACTORS)).object, true);
  assert.equal(resourceReads(policy('Pod')).object, false);
});

test('a rule with imageExtractors whose preconditions read the images variable is refused', () => {
  const r = refusal(() =>
    policy(
      'Task',
      `      imageExtractors:
        Task:
          - path: /spec/steps/*/image
      preconditions:
        all:
          - key: "{{ images.custom }}"
            operator: NotEquals
            value: ""
`,
    ),
  );
  assert.deepEqual(r.fields, ['spec.rules[0].imageExtractors']);
  assert.match(r.message, /reads the images variable/);
});
