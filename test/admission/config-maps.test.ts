import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CachingDecider } from '../../src/admission/caching-decider.js';
import {
  type ConfigMapSource,
  configMapLookup,
  configMapsFromSet,
  parseConfigMaps,
  readConfigMaps,
} from '../../src/admission/config-maps.js';
import type { ImageCheckRequest } from '../../src/admission/decider.js';
import { PolicyDecider } from '../../src/admission/policy-decider.js';
import { VouchError } from '../../src/errors.js';
import type { AuthorityRequirement, Evidence, ImageIdentity } from '../../src/policy/index.js';
import { loadPolicies } from '../../src/policy/index.js';
import { spkiSha256 } from '../../src/policy/public-key.js';
import { renderChart } from '../support/helm-chart.js';
import { D1, evidence, KEY_FP, KEY_PEM, keySigner, OTHER_KEY_PEM, sig } from '../policy/evidence-factory.js';

const LIST = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: { name: keys, namespace: kyverno }
    data: { org: pem-a }
  - apiVersion: v1
    kind: ConfigMap
    metadata: { name: empty }
`;

function fields(fn: () => unknown): { code: string; fields: readonly string[] } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof VouchError, String(e));
    return { code: e.code, fields: e.fields };
  }
  assert.fail('accepted');
}

test('a kubectl get configmap -o yaml List gives each ConfigMap its data; no namespace is default', () => {
  const lookup = configMapLookup(parseConfigMaps(LIST, 'cms.yaml'));
  assert.deepEqual(lookup('kyverno', 'keys'), { org: 'pem-a' });
  assert.deepEqual(lookup('default', 'empty'), {});
  assert.equal(lookup('default', 'keys'), undefined);
});

test('single ConfigMaps and multi-document YAML are read alike', () => {
  const text = `apiVersion: v1
kind: ConfigMap
metadata: { name: a, namespace: x }
data: { k: "1" }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: b, namespace: x }
data: { k: "2" }
`;
  const lookup = configMapLookup(parseConfigMaps(text, 'cms.yaml'));
  assert.deepEqual([lookup('x', 'a'), lookup('x', 'b')], [{ k: '1' }, { k: '2' }]);
});

test('a ConfigMaps file that is not YAML is INPUT_MALFORMED', () => {
  assert.equal(fields(() => parseConfigMaps('items: [unclosed\n', 'cms.yaml')).code, 'INPUT_MALFORMED');
  assert.equal(
    fields(() => parseConfigMaps(Buffer.from([0xff, 0xfe, 0x00]), 'cms.yaml')).code,
    'INPUT_MALFORMED',
  );
});

test('a ConfigMaps file over the YAML limit is INPUT_TOO_LARGE before it is parsed', () => {
  const huge = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: { k: "${'x'.repeat(2048)}" }\n`;
  assert.equal(
    fields(() => parseConfigMaps(huge, 'cms.yaml', { yamlMaxBytes: 1024 })).code,
    'INPUT_TOO_LARGE',
  );
});

test('an alias bomb in a ConfigMaps file is refused', () => {
  const bomb = [
    'a: &a [x, x, x, x, x, x, x, x, x, x]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
  ].join('\n');
  assert.equal(
    fields(() => parseConfigMaps(bomb, 'cms.yaml', { yamlMaxAliasCount: 100 })).code,
    'INPUT_TOO_LARGE',
  );
});

test('a List with bad items names every bad field', () => {
  const text = `apiVersion: v1
kind: List
items:
  - { kind: Secret, metadata: { name: s } }
  - { kind: ConfigMap, metadata: {} }
  - { kind: ConfigMap, metadata: { name: n }, data: { port: 8080, ok: "1" } }
  - { kind: ConfigMap, metadata: { name: d }, data: [x] }
  - 42
`;
  const r = fields(() => parseConfigMaps(text, 'cms.yaml'));
  assert.equal(r.code, 'INPUT_MALFORMED');
  assert.deepEqual(r.fields, [
    'document 1.items[0].kind (expected ConfigMap)',
    'document 1.items[1].metadata.name',
    'document 1.items[2].data.port',
    'document 1.items[3].data',
    'document 1.items[4].kind (expected ConfigMap)',
  ]);
});

test('a List without items and a ConfigMap listed twice are refused', () => {
  assert.deepEqual(fields(() => parseConfigMaps('kind: List\nitems: 3\n', 'cms.yaml')).fields, [
    'document 1.items',
  ]);
  const twice =
    'kind: ConfigMap\nmetadata: { name: a }\n---\nkind: ConfigMap\nmetadata: { name: a, namespace: default }\n';
  assert.equal(fields(() => parseConfigMaps(twice, 'cms.yaml')).code, 'INPUT_MALFORMED');
});

test('a data key named __proto__ stays data', () => {
  const lookup = configMapLookup(
    parseConfigMaps('kind: ConfigMap\nmetadata: { name: a }\ndata: { "__proto__": "x" }\n', 'cms.yaml'),
  );
  const data = lookup('default', 'a');
  assert.equal(Object.getPrototypeOf(data), Object.prototype);
  assert.deepEqual(Object.keys(data ?? {}), ['__proto__']);
});

test('the snapshot fingerprint changes with the data read and with a ConfigMap going missing', async () => {
  const refs = [{ namespace: 'kyverno', name: 'keys' }];
  const a = await readConfigMaps(refs, configMapsFromSet(parseConfigMaps(LIST, 'a')));
  const again = await readConfigMaps(refs, configMapsFromSet(parseConfigMaps(LIST, 'a')));
  const b = await readConfigMaps(
    refs,
    configMapsFromSet(parseConfigMaps(LIST.replace('pem-a', 'pem-b'), 'b')),
  );
  const none = await readConfigMaps(refs, undefined);
  assert.equal(a.fingerprint, again.fingerprint);
  assert.notEqual(a.fingerprint, b.fingerprint);
  assert.notEqual(a.fingerprint, none.fingerprint);
  assert.equal(none.lookup('kyverno', 'keys'), undefined);
});

const POLICY = loadPolicies(
  `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: cm-keys }
spec:
  validationFailureAction: Enforce
  rules:
    - name: signed
      match: { any: [{ resources: { kinds: [Pod] } }] }
      context:
        - name: keys
          configMap: { name: keys, namespace: kyverno }
      verifyImages:
        - imageReferences: ["ghcr.io/*"]
          mutateDigest: false
          verifyDigest: false
          attestors:
            - entries:
                - keys:
                    publicKeys: "{{ keys.data.org }}"
                    rekor: { ignoreTlog: true }
`,
  'cm.yaml',
);

const REQUEST: ImageCheckRequest = {
  image: 'ghcr.io/team/app:1.0',
  namespace: 'shop',
  namespaceLabels: {},
  resource: { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'shop', uid: '' },
};

/** The webhook stack over a ConfigMap whose `org` key is whatever `current.pem` holds now. */
function webhook(current: { pem: string }) {
  let collected = 0;
  // The image was signed with KEY_PEM: a requirement naming that key finds its signature, any other none.
  const collector = {
    async collect(image: ImageIdentity, r: AuthorityRequirement): Promise<Evidence> {
      collected += 1;
      const signedBy =
        r.kind === 'key' && r.publicKeyPem !== undefined && spkiSha256(r.publicKeyPem) === KEY_FP;
      return evidence(image.digest, {
        signatures: signedBy ? [sig(image.digest, keySigner(), 'ghcr.io/team/app')] : [],
      });
    },
  };
  const configMaps: ConfigMapSource = async (ns, name) =>
    ns === 'kyverno' && name === 'keys' ? { org: current.pem } : undefined;
  const decider = new CachingDecider(
    new PolicyDecider({
      policies: () => POLICY,
      collector,
      resolver: { resolve: async () => D1 },
      configMaps,
    }),
    { maxEntries: 100, successTtlMs: 300_000, failureTtlMs: 300_000, now: () => 0 },
  );
  const ctx = { now: new Date('2026-11-23T12:00:00Z'), signal: new AbortController().signal };
  return {
    decide: async () => (await decider.decide(REQUEST, ctx)).outcomes.map((o) => o.result),
    collected: () => collected,
  };
}

test('a cached verdict is reused while the ConfigMap is unchanged', async () => {
  const w = webhook({ pem: KEY_PEM });
  assert.deepEqual(await w.decide(), ['pass']);
  assert.deepEqual(await w.decide(), ['pass']);
  assert.equal(w.collected(), 1);
});

test('a cached verdict is not served after the ConfigMap changes', async () => {
  const current = { pem: KEY_PEM };
  const w = webhook(current);
  assert.deepEqual(await w.decide(), ['pass']);
  current.pem = OTHER_KEY_PEM;
  assert.deepEqual(await w.decide(), ['fail']);
  current.pem = KEY_PEM;
  assert.deepEqual(await w.decide(), ['pass']);
});

test('without a ConfigMap source the webhook fails the rule closed', async () => {
  const decider = new PolicyDecider({
    policies: () => POLICY,
    collector: { collect: async (image) => evidence(image.digest, {}) },
    resolver: { resolve: async () => D1 },
  });
  const d = await decider.decide(REQUEST, { now: new Date(0), signal: new AbortController().signal });
  assert.deepEqual(
    d.outcomes.map((o) => [o.result, /ConfigMap kyverno\/keys not found/.test(o.message)]),
    [['fail', true]],
  );
});

test('the chart lets the webhook read and watch ConfigMaps, and never write them', () => {
  const { docs } = renderChart(new URL('../../deploy/charts/vouch', import.meta.url).pathname);
  const role = docs.find((d) => d.kind === 'ClusterRole');
  const rules = (role?.['rules'] ?? []) as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  const onConfigMaps = rules.filter((r) => r.resources.includes('configmaps'));
  // Watched (a rotated key in a ConfigMap takes effect without a restart; docs/cluster-policies.md).
  assert.deepEqual(onConfigMaps, [
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
  ]);
});
