// The chart's CRDs for ClusterImagePolicy and TrustRoot keep every field policy-controller's own CRDs
// keep: the API server prunes what a structural schema does not list, so each policy below (policy-
// controller's valid-policy test fixture, vouch's policy pack) must validate against the closed schema
// of both served versions, and the names, scope and versions are policy-controller's.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { crdValidator } from '../support/crd-schema.js';
import { runPeer } from '../support/peers.js';

const CHART = new URL('../../deploy/charts/vouch', import.meta.url).pathname;
const CRDS = join(CHART, 'crds');
const FIXTURES = new URL('../fixtures/policy/', import.meta.url).pathname;
const PACK = new URL('../../deploy/policies/cip/', import.meta.url).pathname;

type Crd = {
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; shortNames?: string[] };
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: object;
      schema: { openAPIV3Schema: object };
    }>;
  };
};

const crd = (file: string) => parse(readFileSync(join(CRDS, file), 'utf8')) as Crd;
const CIP = crd('policy.sigstore.dev_clusterimagepolicies.yaml');
const TRUST_ROOT = crd('policy.sigstore.dev_trustroots.yaml');

const work = mkdtempSync(join(tmpdir(), 'vouch-crds-'));
after(() => rmSync(work, { recursive: true, force: true }));

function validators(c: Crd) {
  return c.spec.versions.map((v) => {
    const file = join(work, `${c.metadata.name}.${v.name}.json`);
    writeFileSync(file, JSON.stringify(v.schema.openAPIV3Schema));
    return { version: v.name, validate: crdValidator(file) };
  });
}

function cipDocuments(): Array<{ from: string; doc: Record<string, unknown> }> {
  const files = [
    join(FIXTURES, 'upstream', 'policy-controller-v1beta1-valid-policy.yaml'),
    ...readdirSync(PACK).map((f) => join(PACK, f)),
  ];
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(f, 'utf8'))
      .map((d) => d.toJS() as Record<string, unknown> | null)
      .filter((d): d is Record<string, unknown> => d?.kind === 'ClusterImagePolicy')
      .map((doc) => ({ from: f, doc })),
  );
}

test("the CRDs carry policy-controller's group, names, scope, versions and status subresource", () => {
  assert.equal(CIP.metadata.name, 'clusterimagepolicies.policy.sigstore.dev');
  assert.deepEqual(
    [CIP.spec.group, CIP.spec.scope, CIP.spec.names.kind, CIP.spec.names.plural, CIP.spec.names.shortNames],
    ['policy.sigstore.dev', 'Cluster', 'ClusterImagePolicy', 'clusterimagepolicies', ['cip']],
  );
  assert.deepEqual(
    CIP.spec.versions.map((v) => [v.name, v.served, v.storage, v.subresources]),
    [
      ['v1alpha1', true, true, { status: {} }],
      ['v1beta1', true, false, { status: {} }],
    ],
  );
  assert.equal(TRUST_ROOT.metadata.name, 'trustroots.policy.sigstore.dev');
  assert.deepEqual(
    TRUST_ROOT.spec.versions.map((v) => [v.name, v.storage, v.subresources]),
    [['v1alpha1', true, { status: {} }]],
  );
});

test('no field of a policy-controller or vouch ClusterImagePolicy is pruned by either version of the schema', () => {
  const docs = cipDocuments();
  assert.ok(docs.length >= 4, `found ${docs.length} policies`);
  for (const { version, validate } of validators(CIP)) {
    for (const { from, doc } of docs) {
      const object = { ...doc, apiVersion: `policy.sigstore.dev/${version}` };
      assert.equal(validate(object), true, `${from} as ${version}: ${JSON.stringify(validate.errors)}`);
    }
  }
});

test('a field policy-controller does not know is one the closed schema refuses (the API server would prune it)', () => {
  const first = validators(CIP)[0];
  assert.ok(first);
  const { validate } = first;
  const doc = {
    apiVersion: 'policy.sigstore.dev/v1alpha1',
    kind: 'ClusterImagePolicy',
    metadata: { name: 'x' },
    spec: { images: [{ glob: '**' }], authorities: [{ keyles: {} }] },
  };
  assert.equal(validate(doc), false);
});

test('a TrustRoot with sigstoreKeys validates against the TrustRoot schema', () => {
  const first = validators(TRUST_ROOT)[0];
  assert.ok(first);
  const { validate } = first;
  const doc = {
    apiVersion: 'policy.sigstore.dev/v1alpha1',
    kind: 'TrustRoot',
    metadata: { name: 'private' },
    spec: {
      sigstoreKeys: {
        certificateAuthorities: [
          {
            subject: { organization: 'example', commonName: 'fulcio' },
            uri: 'https://fulcio.example',
            certChain: 'PEM',
          },
        ],
        tLogs: [{ baseURL: 'https://rekor.example', hashAlgorithm: 'sha-256', publicKey: 'PEM' }],
        ctLogs: [{ baseURL: 'https://ctfe.example', hashAlgorithm: 'sha-256', publicKey: 'PEM' }],
        timestampAuthorities: [
          {
            subject: { organization: 'example', commonName: 'tsa' },
            uri: 'https://tsa.example',
            certChain: 'PEM',
          },
        ],
      },
    },
  };
  assert.equal(validate(doc), true, JSON.stringify(validate.errors));
});

test('helm installs the CRDs from crds/ (helm template --include-crds)', async () => {
  const r = await runPeer('helm', ['template', 'vouch', CHART, '--kube-version', '1.32.0', '--include-crds']);
  assert.equal(r.code, 0, r.stderr);
  const names = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string } } | null)
    .filter((d) => d?.kind === 'CustomResourceDefinition')
    .map((d) => d?.metadata?.name)
    .sort();
  assert.deepEqual(names, ['clusterimagepolicies.policy.sigstore.dev', 'trustroots.policy.sigstore.dev']);
});
