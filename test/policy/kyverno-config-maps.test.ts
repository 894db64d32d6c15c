import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VouchError } from '../../src/errors.js';
import {
  type ConfigMapLookup,
  configMapsToRead,
  evaluate,
  evidenceRequirements,
  loadPolicies,
  type PolicySet,
  readsConfigMaps,
  resourceContext,
  resourceReads,
} from '../../src/policy/index.js';
import {
  D1,
  evidence,
  evidenceMap,
  fixture,
  KEY_PEM,
  keySigner,
  NOW,
  OTHER_KEY_PEM,
  sig,
} from './evidence-factory.js';

const IMAGE = 'ghcr.io/team/app:1.0';

/** An Enforce ClusterPolicy whose rule reads ConfigMap `keys` (namespace default) as in Kyverno's tests. */
function policy(opts: { context?: string; entry?: string; extra?: string } = {}): PolicySet {
  return loadPolicies(
    `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: kp }
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match: { any: [{ resources: { kinds: [Pod] } }] }
      context:
${opts.context ?? '        - name: keys\n          configMap: { name: keys, namespace: default }\n'}${opts.extra ?? ''}      verifyImages:
        - imageReferences: ["ghcr.io/*"]
          mutateDigest: false
          verifyDigest: false
${
  opts.entry ??
  `          attestors:
            - entries:
                - keys:
                    rekor: { ignoreTlog: true }
                    publicKeys: "{{ keys.data.org }}"
`
}`,
    'kp.yaml',
  );
}

function configMaps(entries: Record<string, Record<string, string>>): ConfigMapLookup {
  return (namespace, name) => entries[`${namespace}/${name}`];
}

function pod(namespace = 'shop'): ReturnType<typeof resourceContext> {
  return resourceContext({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace },
    spec: { containers: [{ name: 'web', image: IMAGE }] },
  });
}

const SIGNED = evidenceMap(evidence(D1, { signatures: [sig(D1, keySigner(), 'ghcr.io/team/app')] }));

function judge(p: PolicySet, lookup: ConfigMapLookup | undefined, resource = pod()) {
  return evaluate(
    {
      policies: p,
      images: [{ ref: IMAGE, digest: D1 }],
      evidence: SIGNED,
      resource,
      ...(lookup ? { configMaps: lookup } : {}),
    },
    { now: NOW },
  );
}

test('a key read from a ConfigMap verifies an image signed with it', () => {
  const d = judge(policy(), configMaps({ 'default/keys': { org: KEY_PEM } }));
  assert.equal(d.allowed, true, d.reasons.join('\n'));
});

test('the evidence asked for is the key the ConfigMap holds, known once it is read', () => {
  const reqs = evidenceRequirements(policy(), { ref: IMAGE, digest: D1 }, pod(), {
    configMaps: configMaps({ 'default/keys': { org: KEY_PEM } }),
  });
  assert.equal(reqs.length, 1);
  assert.equal(reqs[0]?.kind, 'key');
  assert.equal(reqs[0]?.kind === 'key' ? reqs[0].publicKeyPem?.trim() : undefined, KEY_PEM.trim());
});

test('a ConfigMap holding another key denies the image', () => {
  const d = judge(policy(), configMaps({ 'default/keys': { org: OTHER_KEY_PEM } }));
  assert.equal(d.allowed, false);
});

test('a missing ConfigMap fails the rule closed and names it', () => {
  const d = judge(policy(), configMaps({ 'default/other': { org: KEY_PEM } }));
  assert.equal(d.allowed, false);
  assert.match(d.reasons.join('\n'), /ConfigMap default\/keys not found/);
  assert.deepEqual(
    evidenceRequirements(policy(), { ref: IMAGE, digest: D1 }, pod(), { configMaps: configMaps({}) }),
    [],
  );
});

test('without any ConfigMaps given the rule fails closed and says how to give them', () => {
  const d = judge(policy(), undefined);
  assert.equal(d.allowed, false);
  assert.match(d.reasons.join('\n'), /--config-maps/);
});

test('a key name the ConfigMap lacks fails the rule closed', () => {
  const d = judge(policy(), configMaps({ 'default/keys': { team: KEY_PEM } }));
  assert.equal(d.allowed, false);
  assert.match(d.reasons.join('\n'), /keys\.data\.org/);
});

test('ConfigMap data that is not a PEM public key fails the rule, naming the field', () => {
  const d = judge(policy(), configMaps({ 'default/keys': { org: 'not a key' } }));
  assert.equal(d.allowed, false);
  assert.match(d.reasons.join('\n'), /publicKeys: invalid value: not a PEM public key/);
});

test('ConfigMap data holding {{ }} is not evaluated a second time', () => {
  const d = judge(policy(), configMaps({ 'default/keys': { org: '{{ request.object.metadata.name }}' } }));
  assert.equal(d.allowed, false);
  assert.match(d.reasons.join('\n'), /holds \{\{ … \}\} again/);
});

test('the deprecated single key reads a ConfigMap as well', () => {
  const p = policy({
    entry: `          key: "{{ keys.data.org }}"
`,
  });
  assert.equal(judge(p, configMaps({ 'default/keys': { org: KEY_PEM } })).allowed, true);
  assert.equal(judge(p, configMaps({ 'default/keys': { org: OTHER_KEY_PEM } })).allowed, false);
});

test('keyless roots read from a ConfigMap become the requirement trust anchor', () => {
  const root = fixture('keys/cosign.pub');
  const p = policy({
    entry: `          attestors:
            - entries:
                - keyless:
                    issuer: https://token.actions.githubusercontent.com
                    subject: https://github.com/team/*
                    roots: "{{ keys.data.roots }}"
`,
  });
  const [req] = evidenceRequirements(p, { ref: IMAGE, digest: D1 }, pod(), {
    configMaps: configMaps({ 'default/keys': { roots: root } }),
  });
  assert.equal(req?.kind, 'keyless');
  assert.equal(req?.kind === 'keyless' ? req.rootsPem : undefined, root);
});

test('preconditions read ConfigMap data', () => {
  const p = policy({
    extra: `      preconditions:
        all:
          - { key: "{{ keys.data.enforce }}", operator: Equals, value: "yes" }
`,
  });
  // Skipped: no policy applies and a Kyverno-only set allows what it does not select.
  const skipped = judge(p, configMaps({ 'default/keys': { org: OTHER_KEY_PEM, enforce: 'no' } }));
  assert.equal(skipped.allowed, true);
  assert.deepEqual(skipped.images[0]?.policies, []);
  const applied = judge(p, configMaps({ 'default/keys': { org: OTHER_KEY_PEM, enforce: 'yes' } }));
  assert.equal(applied.allowed, false);
});

test('a ConfigMap namespace may read the request namespace', () => {
  const p = policy({
    context: `        - name: keys
          configMap: { name: keys, namespace: "{{ request.namespace }}" }
`,
  });
  const lookup = configMaps({ 'shop/keys': { org: KEY_PEM }, 'lab/keys': { org: OTHER_KEY_PEM } });
  assert.equal(judge(p, lookup, pod('shop')).allowed, true);
  assert.equal(judge(p, lookup, pod('lab')).allowed, false);
  assert.deepEqual(configMapsToRead(p, pod('lab')), [{ namespace: 'lab', name: 'keys' }]);
});

test('an unset ConfigMap namespace is default, as in Kyverno', () => {
  const p = policy({ context: '        - name: keys\n          configMap: { name: keys }\n' });
  assert.deepEqual(configMapsToRead(p, pod()), [{ namespace: 'default', name: 'keys' }]);
});

test('the ConfigMaps to read are those of rules that match the resource', () => {
  assert.deepEqual(configMapsToRead(policy(), pod()), [{ namespace: 'default', name: 'keys' }]);
  const deployment = resourceContext({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } });
  assert.deepEqual(configMapsToRead(policy(), deployment), []);
});

test('a policy set with a configMap context reads ConfigMaps, but not the whole object for it', () => {
  const p = policy();
  assert.equal(readsConfigMaps(p), true);
  assert.equal(resourceReads(p).object, false);
});

test('an attestor variable the rule does not declare is refused at load', () => {
  assert.throws(
    () =>
      policy({
        entry: `          attestors:
            - entries:
                - keys:
                    publicKeys: "{{ secrets.data.org }}"
`,
      }),
    (e: unknown) =>
      e instanceof VouchError &&
      e.code === 'POLICY_INVALID' &&
      /spec\.rules\[0\]\.verifyImages\[0\]\.attestors\[0\]\.entries\[0\].*reads .?.?secrets/s.test(
        JSON.stringify([e.fields, e.message]),
      ),
  );
});

test('a configMap entry without a name is refused, naming the field', () => {
  assert.throws(
    () => policy({ context: '        - name: keys\n          configMap: { namespace: default }\n' }),
    (e: unknown) =>
      e instanceof VouchError &&
      e.code === 'POLICY_INVALID' &&
      JSON.stringify([e.fields, e.message]).includes('context[0].configMap.name'),
  );
});

test('several PEM keys in one ConfigMap value each get a requirement, and count 1 takes any of them', () => {
  const p = policy({
    entry: `          attestors:
            - count: 1
              entries:
                - keys:
                    rekor: { ignoreTlog: true }
                    publicKeys: "{{ keys.data.org }}"
`,
  });
  const lookup = configMaps({ 'default/keys': { org: `${OTHER_KEY_PEM.trim()}\n${KEY_PEM.trim()}\n` } });
  const reqs = evidenceRequirements(p, { ref: IMAGE, digest: D1 }, pod(), { configMaps: lookup });
  assert.deepEqual(
    reqs.map((r) => (r.kind === 'key' ? r.publicKeyPem?.trim() : undefined)),
    [OTHER_KEY_PEM.trim(), KEY_PEM.trim()],
  );
  assert.equal(new Set(reqs.map((r) => r.id)).size, 2);
  assert.equal(judge(p, lookup).allowed, true);
});
