// Policies as cluster resources against the loopback API server: each object is linted on its own; a
// bad one is refused with a status condition and an Event and never disturbs the active set; a bad edit
// keeps the last good version; the set is swapped whole.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import {
  ACCEPTED_CONDITION,
  type ClusterPolicyKind,
  ClusterPolicies,
  parseClusterPolicyKinds,
} from '../../src/admission/cluster-policies.js';
import { cueSubset, type PolicySet } from '../../src/policy/index.js';
import { VouchError } from '../../src/errors.js';
import {
  type Json,
  type KubeApiServer,
  startKubeApiServer,
  VOUCH_RESOURCES,
} from '../support/kube-api-server.js';

const cip = (name: string, spec: Json = {}) => ({
  apiVersion: 'policy.sigstore.dev/v1beta1',
  kind: 'ClusterImagePolicy',
  metadata: { name },
  spec: {
    images: [{ glob: 'registry.example/**' }],
    authorities: [{ static: { action: 'pass' } }],
    ...spec,
  },
});

const kyvernoPolicy = (kind: 'ClusterPolicy' | 'Policy', name: string, namespace?: string) => ({
  apiVersion: 'kyverno.io/v1',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec: {
    validationFailureAction: 'Enforce',
    rules: [
      {
        name: 'signed',
        match: { any: [{ resources: { kinds: ['Pod'] } }] },
        verifyImages: [
          {
            imageReferences: ['registry.example/*'],
            attestors: [
              {
                entries: [
                  {
                    keyless: {
                      subject: 'https://github.com/org/*',
                      issuer: 'https://token.actions.githubusercontent.com',
                      rekor: { url: 'https://rekor.sigstore.dev' },
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  },
});

async function until(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 60_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup(
  t: TestContext,
  opts: { kinds?: ClusterPolicyKind[]; server?: KubeApiServer; start?: boolean } = {},
) {
  const server = opts.server ?? (await startKubeApiServer());
  if (!opts.server) t.after(() => server.close());
  const logs: string[] = [];
  const sets: PolicySet[] = [];
  const cluster = new ClusterPolicies(
    { server: server.url, insecureSkipTlsVerify: true, timeoutMs: 2_000 },
    {
      kinds: opts.kinds ?? parseClusterPolicyKinds('all'),
      cue: { engine: cueSubset },
      reflector: { backoffBaseMs: 20, backoffMaxMs: 200 },
      onChange: (s) => sets.push(s),
      log: (l) => logs.push(l),
      now: () => new Date('2026-12-08T00:00:00Z'),
      instance: 'vouch-test',
    },
  );
  t.after(() => cluster.stop());
  if (opts.start !== false) {
    cluster.start();
    await cluster.settled(15_000);
  }
  const cipNames = () =>
    cluster
      .current()
      .cips.map((c) => c.name)
      .sort();
  const condition = (name: string): Json | undefined => {
    const st = server.get('clusterimagepolicies', name)?.status as Json | undefined;
    return (st?.conditions as Json[] | undefined)?.find((c) => c.type === ACCEPTED_CONDITION);
  };
  const events = () => server.objects('events');
  return { server, cluster, logs, sets, cipNames, condition, events };
}

test('a ClusterImagePolicy applied to the cluster becomes active and is marked accepted', async (t) => {
  const s = await setup(t);
  s.server.put('clusterimagepolicies', cip('good'));
  await until('active', () => s.cipNames().includes('good'));
  await s.cluster.reported();
  await until('condition written', () => s.condition('good') !== undefined);
  assert.equal(s.condition('good')?.status, 'True');
  assert.equal(s.condition('good')?.observedGeneration, 1);
  assert.equal(s.events().length, 0, 'no Event for an accepted policy');
});

for (const [what, object, field] of [
  ['an unknown field', cip('bad', { bogus: true }), /spec\.bogus: unknown field/],
  [
    'an invalid regexp',
    cip('bad', {
      authorities: [{ keyless: { identities: [{ issuerRegExp: '(', subjectRegExp: '^a$' }] } }],
    }),
    /issuerRegExp: invalid regular expression/,
  ],
  [
    'a 5 MiB object',
    cip('bad', { images: [{ glob: `registry.example/${'a'.repeat(5 * 1024 * 1024)}` }] }),
    /over the 1048576-byte limit/,
  ],
] as const) {
  test(`a ClusterImagePolicy with ${what} is refused with a condition and an Event; the active set stays`, async (t) => {
    const s = await setup(t);
    s.server.put('clusterimagepolicies', cip('good'));
    await until('good active', () => s.cipNames().includes('good'));
    const before = s.cluster.current();
    s.server.put('clusterimagepolicies', object);
    await until('condition written', () => s.condition('bad') !== undefined);
    const c = s.condition('bad');
    assert.equal(c?.status, 'False');
    assert.equal(c?.reason, 'PolicyInvalid');
    assert.match(String(c?.message), field);
    await until('event written', () => s.events().length > 0 || s.logs.some((l) => /event for/.test(l)));
    assert.equal(s.events().length, 1, s.logs.join('\n'));
    const ev = s.events()[0] as Json;
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.reason, 'PolicyInvalid');
    assert.equal((ev.involvedObject as Json).kind, 'ClusterImagePolicy');
    assert.equal((ev.involvedObject as Json).name, 'bad');
    assert.equal((ev.metadata as Json).namespace, 'default', 'cluster-scoped objects get Events in default');
    assert.deepEqual(s.cipNames(), ['good']);
    assert.deepEqual(s.cluster.current().cips, before.cips, 'the good policy is untouched');
    assert.ok(s.logs.some((l) => /refused ClusterImagePolicy\/bad/.test(l)));
  });
}

test('a deeply nested object (what an expanded YAML bomb looks like once stored) is refused', async (t) => {
  const s = await setup(t);
  let deep: Json = { leaf: 'x' };
  for (let i = 0; i < 3_000; i++) deep = { n: deep };
  s.server.put('clusterimagepolicies', cip('nested', { nested: deep }));
  await until('condition written', () => s.condition('nested') !== undefined);
  assert.equal(s.condition('nested')?.status, 'False');
  assert.deepEqual(s.cipNames(), []);
});

test('a bad edit of a good policy keeps the last good version active', async (t) => {
  const s = await setup(t);
  s.server.put('clusterimagepolicies', cip('edited', { images: [{ glob: 'registry.example/**' }] }));
  await until('active', () => s.cipNames().includes('edited'));
  const good = s.cluster.current().cips[0];
  s.server.put('clusterimagepolicies', cip('edited', { images: [{ glob: 'other.example/**' }], bogus: 1 }));
  await until('refused', () => s.condition('edited')?.status === 'False');
  await s.cluster.idle();
  assert.deepEqual(s.cluster.current().cips, [good]);
  // Fixing it takes the new version.
  s.server.put('clusterimagepolicies', cip('edited', { images: [{ glob: 'other.example/**' }] }));
  await until('accepted again', () => s.condition('edited')?.status === 'True');
  await s.cluster.idle();
  assert.match(JSON.stringify(s.cluster.current().cips[0]), /other\.example/);
});

test('a deleted policy leaves the set', async (t) => {
  const s = await setup(t);
  s.server.put('clusterimagepolicies', cip('a'));
  s.server.put('clusterimagepolicies', cip('b'));
  await until('both', () => s.cipNames().length === 2);
  s.server.remove('clusterimagepolicies', 'a');
  await until('one', () => s.cipNames().join() === 'b');
});

test('Kyverno ClusterPolicy and Policy, and TrustRoot, are read from the cluster too', async (t) => {
  const s = await setup(t);
  s.server.put('clusterpolicies', kyvernoPolicy('ClusterPolicy', 'cluster-wide'));
  s.server.put('policies', kyvernoPolicy('Policy', 'in-shop', 'shop'));
  s.server.put('trustroots', {
    apiVersion: 'policy.sigstore.dev/v1alpha1',
    kind: 'TrustRoot',
    metadata: { name: 'airgap' },
    spec: { sigstoreKeys: { certificateAuthorities: [], tLogs: [] } },
  });
  await until(
    'all three',
    () => s.cluster.current().kyverno.length === 2 && s.cluster.current().trustRoots.length === 1,
  );
  assert.equal(s.cluster.current().trustRoots[0]?.name, 'airgap');
  const shop = s.cluster.current().kyverno.find((p) => p.name === 'in-shop');
  assert.equal(shop?.namespace, 'shop', 'a Policy applies in its own namespace only');
});

test('without Kyverno CRDs vouch says what is missing and keeps working with the other policies', async (t) => {
  const server = await startKubeApiServer();
  t.after(() => server.close());
  server.removeGroup('kyverno.io');
  server.put('clusterimagepolicies', cip('still-works'));
  const s = await setup(t, { server });
  await until('cip active', () => s.cipNames().includes('still-works'));
  assert.ok(
    s.logs.some((l) =>
      /ClusterPolicy: .*kyverno\.io.*Kyverno policies from the cluster need Kyverno's CRDs/.test(l),
    ),
    s.logs.join('\n'),
  );
  assert.deepEqual(s.cluster.missing(), [], 'an absent CRD is not a readiness problem');
});

test("a CIP configMapRef policy is read from the watched ConfigMap and follows the ConfigMap's changes", async (t) => {
  const s = await setup(t);
  const policyCip = cip('cm-policy', {
    policy: { type: 'cue', configMapRef: { name: 'sbom-policy', key: 'policy.cue' } },
  });
  s.server.put('clusterimagepolicies', policyCip);
  await until('refused: no ConfigMap yet', () => s.condition('cm-policy')?.status === 'False');
  assert.match(String(s.condition('cm-policy')?.message), /the ConfigMap does not exist/);
  s.server.put('configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'sbom-policy', namespace: 'cosign-system' },
    data: { 'policy.cue': 'predicateType: "https://cyclonedx.org/bom"' },
  });
  await until('accepted once the ConfigMap exists', () => s.condition('cm-policy')?.status === 'True');
  await s.cluster.idle();
  assert.match(JSON.stringify(s.cluster.current().cips[0]), /cyclonedx/);
  s.server.put('configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'sbom-policy', namespace: 'cosign-system' },
    data: { 'policy.cue': 'predicateType: "https://spdx.dev/Document"' },
  });
  await until('re-read', () => JSON.stringify(s.cluster.current().cips[0]).includes('spdx'));
});

test('the set is swapped whole: 200 policies listed at once arrive in one change, never in part', async (t) => {
  const server = await startKubeApiServer();
  t.after(() => server.close());
  for (let i = 0; i < 200; i++) server.put('clusterimagepolicies', cip(`p${i}`));
  const s = await setup(t, { server, kinds: ['ClusterImagePolicy'], start: false });
  s.cluster.start();
  await until('all', () => s.cipNames().length === 200);
  assert.deepEqual(
    [...new Set(s.sets.map((x) => x.cips.length))].filter((n) => n !== 0),
    [200],
    'no set with part of the list',
  );
});

test('an API server that is down: missing() says what is not loaded, and it recovers', async (t) => {
  const server = await startKubeApiServer();
  t.after(() => server.close());
  server.put('clusterimagepolicies', cip('later'));
  await server.down();
  const s = await setup(t, { server, kinds: ['ClusterImagePolicy'], start: false });
  s.cluster.start();
  await until('a failed attempt', () => s.cluster.missing().some((m) => /ECONNREFUSED|connect/.test(m)));
  assert.match(s.cluster.missing()[0] ?? '', /^ClusterImagePolicy not yet listed from the API server: /);
  await server.up();
  await until('recovered', () => s.cipNames().includes('later'));
  assert.deepEqual(s.cluster.missing(), []);
});

test('--cluster-policies takes all, none, or a list of kinds', () => {
  assert.equal(parseClusterPolicyKinds('all').length, 5);
  assert.deepEqual(parseClusterPolicyKinds('none'), []);
  assert.deepEqual(parseClusterPolicyKinds('clusterimagepolicy, TrustRoot'), [
    'ClusterImagePolicy',
    'TrustRoot',
  ]);
  assert.throws(
    () => parseClusterPolicyKinds('Deployment'),
    (e: unknown) => e instanceof VouchError && e.code === 'USAGE',
  );
});

test('without a status subresource a refused object still gets its Event', async (t) => {
  const server = await startKubeApiServer({
    resources: VOUCH_RESOURCES.map((r) =>
      r.plural === 'clusterimagepolicies' ? { ...r, status: false } : r,
    ),
  });
  t.after(() => server.close());
  const s = await setup(t, { server, kinds: ['ClusterImagePolicy'] });
  s.server.put('clusterimagepolicies', cip('bad', { bogus: true }));
  await until('event written', () => s.events().length > 0);
  assert.equal(((s.events()[0] as Json).involvedObject as Json).name, 'bad');
  assert.equal(s.server.get('clusterimagepolicies', 'bad')?.status, undefined);
  assert.deepEqual(s.cipNames(), []);
});

test('ConfigMaps for Kyverno configMap context come from the watch once it has listed', async (t) => {
  const server = await startKubeApiServer();
  t.after(() => server.close());
  server.put('configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'keys', namespace: 'default' },
    data: { org: 'pem-1', count: '1' },
  });
  const s = await setup(t, { server, kinds: ['ConfigMap'] });
  const read = s.cluster.configMaps();
  assert.deepEqual(await read('default', 'keys'), { org: 'pem-1', count: '1' });
  assert.equal(await read('default', 'absent'), undefined);
  server.put('configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'keys', namespace: 'default' },
    data: { org: 'pem-2' },
  });
  const end = Date.now() + 60_000;
  while ((await read('default', 'keys'))?.org !== 'pem-2') {
    if (Date.now() > end) throw new Error('the ConfigMap change never arrived');
    await new Promise((r) => setTimeout(r, 10));
  }
  const requestsBefore = server.requests.length;
  await read('default', 'keys');
  assert.equal(server.requests.length, requestsBefore, 'read from the watched copy, no request');
});
