import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { attestImage } from '../../src/sign/attest-image.js';
import { kyvernoDemoPolicy } from '../../src/demo/demo-policies.js';
import { signedAppSpec, unsignedAppSpec } from '../../src/demo/sample-images.js';
import { buildImage } from '../../src/oci/image-builder.js';
import { createOciLayoutWriter, openOciLayout } from '../../src/oci/layout-dir.js';
import { LayoutRepository, LayoutRepositoryWriter } from '../../src/oci/layout-repository.js';
import { promotePolicies } from '../../src/policy/index.js';
import { appendToCosignTag } from '../../src/sign/cosign-storage.js';
import { generateCosignKeyPair } from '../../src/crypto/cosign-key.js';
import { signImageLayer } from '../../src/sign/sign-image.js';
import {
  admissionReviewFor,
  httpsRequest,
  type Json,
  postReview,
  testCertificate,
} from '../support/admission.js';
import { runCli, startCli } from '../support/cli.js';

const REPO = 'registry.vouch.local/payments-api';

interface Setup {
  dir: string;
  policies: string;
  cert: string;
  key: string;
  caPem: string;
  publicPem: string;
}

async function setup(t: TestContext, opts: { sbom?: unknown } = {}): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-serve-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const layout = join(dir, 'mirror');
  let w = new LayoutRepositoryWriter(await createOciLayoutWriter(layout), REPO);
  const signed = await buildImage(w, { ...signedAppSpec, tag: '1.4.2' });
  await buildImage(w, { ...unsignedAppSpec, tag: '1.4.2-hotfix' });
  await w.commit();
  const keys = await generateCosignKeyPair('pw');
  w = new LayoutRepositoryWriter(await createOciLayoutWriter(layout), REPO);
  const reader = new LayoutRepository(await openOciLayout(layout), REPO);
  await appendToCosignTag(
    { reader, writer: w },
    signed.descriptor.digest,
    'sig',
    signImageLayer(keys.privateKey, { dockerReference: REPO, digest: signed.descriptor.digest }),
    new Date(),
  );
  await w.commit();
  if (opts.sbom !== undefined) {
    const { layer } = attestImage(keys.privateKey, {
      subjectName: REPO,
      digest: signed.descriptor.digest,
      predicateType: 'https://cyclonedx.org/bom',
      predicate: opts.sbom,
    });
    w = new LayoutRepositoryWriter(await createOciLayoutWriter(layout), REPO);
    const r = new LayoutRepository(await openOciLayout(layout), REPO);
    await appendToCosignTag({ reader: r, writer: w }, signed.descriptor.digest, 'att', layer, new Date());
    await w.commit();
  }
  const policies = join(dir, 'policies');
  mkdirSync(policies);
  // Signature only: the Kyverno policy without its attestation requirements, in Enforce.
  const kyverno = promotePolicies(kyvernoDemoPolicy(keys.publicPem, REPO), 'k.yaml', 'enforce').text;
  writeFileSync(join(policies, 'kyverno.yaml'), kyverno.replace(/\n {10}attestations:[\s\S]*$/, '\n'));
  const tls = await testCertificate();
  writeFileSync(join(dir, 'tls.crt'), tls.certPem);
  writeFileSync(join(dir, 'tls.key'), tls.keyPem);
  return {
    dir: layout,
    policies,
    cert: join(dir, 'tls.crt'),
    key: join(dir, 'tls.key'),
    caPem: tls.certPem,
    publicPem: keys.publicPem,
  };
}

const UID = '0d5f4ab3-6e2a-4b8c-9f6d-2d6f3b1c9a01';

/** POSTs a Pod CREATE for `image` to /validate and returns the AdmissionReview response. */
async function validate(url: string, ca: string, image: string): Promise<Json> {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web' },
    spec: { containers: [{ name: 'web', image }] },
  };
  const r = await postReview(
    url,
    ca,
    '/validate',
    admissionReviewFor(pod, { namespace: 'payments', uid: UID }),
  );
  return r.json['response'] as Json;
}

test('admission serve admits the signed image and denies the unsigned one over HTTPS', async (t) => {
  const s = await setup(t);
  const cli = startCli([
    'admission',
    'serve',
    '--policies',
    s.policies,
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--tls-cert',
    s.cert,
    '--tls-key',
    s.key,
    '--image-store',
    `oci-dir:${s.dir}`,
  ]);
  t.after(() => cli.stop());
  const m = await cli.waitFor(/"listening":"(https:\/\/127\.0\.0\.1:\d+)"/);
  const url = m[1] as string;
  const ok = await validate(url, s.caPem, `${REPO}:1.4.2`);
  assert.equal(ok['allowed'], true);
  assert.equal(ok['uid'], '0d5f4ab3-6e2a-4b8c-9f6d-2d6f3b1c9a01');
  const denied = await validate(url, s.caPem, `${REPO}:1.4.2-hotfix`);
  assert.equal(denied['allowed'], false);
  assert.match(String((denied['status'] as Json)['message']), /no signatures attached/);
  assert.equal((await httpsRequest(url, s.caPem, { path: '/readyz' })).status, 200);
  assert.match(
    (await httpsRequest(url, s.caPem, { path: '/metrics' })).body,
    /policy_controller_admissions_total\{policy="require-signed-attested-release",result="denied",mode="enforce"\} 1/,
  );
  assert.equal(await cli.stop(), 0);
});

test('at admission, CUE beyond the built-in subset is judged by real CUE and its message is the deny reason', async (t) => {
  const s = await setup(t, {
    sbom: { bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ name: 'a' }] },
  });
  const cip = (name: string, cue: string) => `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: ${name} }
spec:
  images: [{ glob: "${REPO}*" }]
  authorities:
    - key:
        data: |
${s.publicPem
  .trim()
  .split('\n')
  .map((l) => `          ${l}`)
  .join('\n')}
      ctlog: {}
      attestations:
        - name: sbom
          predicateType: cyclonedx
          policy:
            type: cue
            data: |
              import "list"
              predicate: components: list.MinItems(${cue})
`;
  rmSync(join(s.policies, 'kyverno.yaml'));
  writeFileSync(join(s.policies, 'cip.yaml'), cip('one-component', '1'));
  const namespaces = join(s.policies, '..', 'namespaces.yaml');
  writeFileSync(namespaces, 'payments: { policy.sigstore.dev/include: "true" }\n');
  const serve = (policies: string) =>
    startCli([
      'admission',
      'serve',
      '--policies',
      policies,
      '--namespaces',
      namespaces,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--tls-cert',
      s.cert,
      '--tls-key',
      s.key,
      '--image-store',
      `oci-dir:${s.dir}`,
    ]);
  const cli = serve(s.policies);
  t.after(() => cli.stop());
  const url = (await cli.waitFor(/"listening":"(https:\/\/127\.0\.0\.1:\d+)"/))[1] as string;
  assert.equal((await validate(url, s.caPem, `${REPO}:1.4.2`))['allowed'], true);
  assert.equal(await cli.stop(), 0);

  const strict = join(s.policies, '..', 'strict');
  mkdirSync(strict);
  writeFileSync(join(strict, 'cip.yaml'), cip('many-components', '5'));
  const cli2 = serve(strict);
  t.after(() => cli2.stop());
  const url2 = (await cli2.waitFor(/"listening":"(https:\/\/127\.0\.0\.1:\d+)"/))[1] as string;
  const denied = await validate(url2, s.caPem, `${REPO}:1.4.2`);
  assert.equal(denied['allowed'], false);
  assert.match(String((denied['status'] as Json)['message']), /predicate\.components: invalid value/);
  assert.equal(await cli2.stop(), 0);
});

test('a policy change that fails lint is refused and the previous policies stay active', async (t) => {
  const s = await setup(t);
  const cli = startCli([
    'admission',
    'serve',
    '--policies',
    s.policies,
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--policy-reload',
    '50',
    '--tls-cert',
    s.cert,
    '--tls-key',
    s.key,
    '--image-store',
    `oci-dir:${s.dir}`,
  ]);
  t.after(() => cli.stop());
  const url = (await cli.waitFor(/"listening":"(https:\/\/127\.0\.0\.1:\d+)"/))[1] as string;
  writeFileSync(
    join(s.policies, 'broken.yaml'),
    'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: x}\nspec: {rules: [{name: r, verifyImages: [{imageReferences: 7}]}]}\n',
  );
  const until = Date.now() + 20_000;
  while (!/policies NOT reloaded/.test(cli.stderr.text()) && Date.now() < until)
    await new Promise((r) => setTimeout(r, 25));
  assert.match(cli.stderr.text(), /policies NOT reloaded: policy reload refused/);
  const denied = await validate(url, s.caPem, `${REPO}:1.4.2-hotfix`);
  assert.equal(denied['allowed'], false);
});

test('admission serve refuses to start without TLS material', async (t) => {
  const s = await setup(t);
  const r = await runCli(['admission', 'serve', '--policies', s.policies, '--port', '0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /HTTPS only/);
});

test('admission serve refuses to start with a policy set that fails lint', async (t) => {
  const s = await setup(t);
  writeFileSync(
    join(s.policies, 'kyverno.yaml'),
    'apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata: {name: x}\nspec: {images: [{glob: 5}]}\n',
  );
  const r = await runCli(['admission', 'serve', '--policies', s.policies, '--self-signed', '--port', '0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /policy reload refused/);
});
