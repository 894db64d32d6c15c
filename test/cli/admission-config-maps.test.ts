// `vouch admission serve --config-maps`: a Kyverno policy whose key lives in a ConfigMap, served over
// HTTPS against a signed image in an OCI layout mirror.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { signedAppSpec } from '../../src/demo/sample-images.js';
import { buildImage } from '../../src/oci/image-builder.js';
import { createOciLayoutWriter, openOciLayout } from '../../src/oci/layout-dir.js';
import { LayoutRepository, LayoutRepositoryWriter } from '../../src/oci/layout-repository.js';
import { appendToCosignTag } from '../../src/sign/cosign-storage.js';
import { generateCosignKeyPair } from '../../src/crypto/cosign-key.js';
import { signImageLayer } from '../../src/sign/sign-image.js';
import { admissionReviewFor, type Json, postReview, testCertificate } from '../support/admission.js';
import { runCli, startCli } from '../support/cli.js';

const REPO = 'registry.vouch.local/cm-app';

const indent = (text: string, n: number) =>
  text
    .trim()
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`)
    .join('\n');

/** A layout with `REPO:1.0` signed by a fresh key, a configMap-keyed policy, and TLS material. */
async function setup(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-serve-cm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const layout = join(dir, 'mirror');
  let w = new LayoutRepositoryWriter(await createOciLayoutWriter(layout), REPO);
  const signed = await buildImage(w, { ...signedAppSpec, tag: '1.0' });
  await w.commit();
  const keys = await generateCosignKeyPair('pw');
  const other = await generateCosignKeyPair('pw');
  w = new LayoutRepositoryWriter(await createOciLayoutWriter(layout), REPO);
  await appendToCosignTag(
    { reader: new LayoutRepository(await openOciLayout(layout), REPO), writer: w },
    signed.descriptor.digest,
    'sig',
    signImageLayer(keys.privateKey, { dockerReference: REPO, digest: signed.descriptor.digest }),
    new Date(),
  );
  await w.commit();
  const policies = join(dir, 'policies');
  mkdirSync(policies);
  writeFileSync(
    join(policies, 'kyverno.yaml'),
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
          configMap: { name: keys, namespace: default }
      verifyImages:
        - imageReferences: ["${REPO}*"]
          attestors:
            - entries:
                - keys:
                    publicKeys: "{{ keys.data.org }}"
                    rekor: { ignoreTlog: true }
`,
  );
  const configMaps = (file: string, pem: string) => {
    writeFileSync(
      join(dir, file),
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: keys, namespace: default }\ndata:\n  org: |\n${indent(pem, 4)}\n`,
    );
    return join(dir, file);
  };
  const tls = await testCertificate();
  writeFileSync(join(dir, 'tls.crt'), tls.certPem);
  writeFileSync(join(dir, 'tls.key'), tls.keyPem);
  const serve = (...extra: string[]) => [
    'admission',
    'serve',
    '--policies',
    policies,
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--tls-cert',
    join(dir, 'tls.crt'),
    '--tls-key',
    join(dir, 'tls.key'),
    '--image-store',
    `oci-dir:${layout}`,
    ...extra,
  ];
  return {
    dir,
    serve,
    caPem: tls.certPem,
    right: configMaps('right.yaml', keys.publicPem),
    wrong: configMaps('wrong.yaml', other.publicPem),
  };
}

async function admitted(t: TestContext, argv: string[], caPem: string): Promise<Json> {
  const cli = startCli(argv);
  t.after(() => cli.stop());
  const url = (await cli.waitFor(/"listening":"(https:\/\/127\.0\.0\.1:\d+)"/))[1] as string;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web' },
    spec: { containers: [{ name: 'web', image: `${REPO}:1.0` }] },
  };
  const r = await postReview(url, caPem, '/validate', admissionReviewFor(pod, { namespace: 'shop' }));
  assert.equal(await cli.stop(), 0);
  return r.json['response'] as Json;
}

test('admission serve verifies with the key from --config-maps', async (t) => {
  const s = await setup(t);
  const r = await admitted(t, s.serve('--config-maps', s.right), s.caPem);
  assert.equal(r['allowed'], true, JSON.stringify(r));
});

test('admission serve denies when the ConfigMap holds another key', async (t) => {
  const s = await setup(t);
  const r = await admitted(t, s.serve('--config-maps', s.wrong), s.caPem);
  assert.equal(r['allowed'], false);
});

test('a --config-maps List with a bad item stops admission serve at start (exit 2)', async (t) => {
  const s = await setup(t);
  writeFileSync(
    join(s.dir, 'bad.yaml'),
    'kind: List\nitems:\n  - { kind: ConfigMap, metadata: {}, data: { n: 1 } }\n',
  );
  const r = await runCli(s.serve('--config-maps', join(s.dir, 'bad.yaml')));
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /items\[0\]\.metadata\.name/);
});
