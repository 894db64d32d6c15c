import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { generateSelfSignedCertificate } from '../../src/admission/self-signed-cert.js';
import { kyvernoDemoPolicy } from '../../src/demo/demo-policies.js';
import { signedAppSpec, unsignedAppSpec } from '../../src/demo/sample-images.js';
import { buildImage } from '../../src/oci/image-builder.js';
import { createOciLayoutWriter, openOciLayout } from '../../src/oci/layout-dir.js';
import { LayoutRepository, LayoutRepositoryWriter } from '../../src/oci/layout-repository.js';
import { promotePolicies } from '../../src/policy/index.js';
import { appendToCosignTag } from '../../src/sign/cosign-storage.js';
import { generateCosignKeyPair } from '../../src/sign/keys/cosign-key.js';
import { signImageLayer } from '../../src/sign/sign-image.js';
import { runCli, startCli } from '../support/cli.js';

const REPO = 'registry.vouch.local/payments-api';

interface Setup {
  dir: string;
  policies: string;
  cert: string;
  key: string;
  caPem: string;
}

async function setup(t: TestContext): Promise<Setup> {
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
  const policies = join(dir, 'policies');
  mkdirSync(policies);
  // Signature only: the Kyverno policy without its attestation requirements, in Enforce.
  const kyverno = promotePolicies(kyvernoDemoPolicy(keys.publicPem, REPO), 'k.yaml', 'enforce').text;
  writeFileSync(join(policies, 'kyverno.yaml'), kyverno.replace(/\n {10}attestations:[\s\S]*$/, '\n'));
  const tls = await generateSelfSignedCertificate(['localhost', '127.0.0.1']);
  writeFileSync(join(dir, 'tls.crt'), tls.certPem);
  writeFileSync(join(dir, 'tls.key'), tls.keyPem);
  return { dir: layout, policies, cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key'), caPem: tls.certPem };
}

function call(
  url: string,
  ca: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${url}${path}`,
      { method, ca, headers: data ? { 'content-type': 'application/json' } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

function review(image: string): unknown {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '0d5f4ab3-6e2a-4b8c-9f6d-2d6f3b1c9a01',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      name: 'web',
      namespace: 'payments',
      operation: 'CREATE',
      userInfo: { username: 'alice' },
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: 'payments' },
        spec: { containers: [{ name: 'web', image }] },
      },
      dryRun: false,
    },
  };
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
  const ok = JSON.parse((await call(url, s.caPem, 'POST', '/validate', review(`${REPO}:1.4.2`))).text) as {
    response: { allowed: boolean; uid: string };
  };
  assert.equal(ok.response.allowed, true);
  assert.equal(ok.response.uid, '0d5f4ab3-6e2a-4b8c-9f6d-2d6f3b1c9a01');
  const denied = JSON.parse(
    (await call(url, s.caPem, 'POST', '/validate', review(`${REPO}:1.4.2-hotfix`))).text,
  ) as {
    response: { allowed: boolean; status: { message: string } };
  };
  assert.equal(denied.response.allowed, false);
  assert.match(denied.response.status.message, /no signatures attached/);
  assert.equal((await call(url, s.caPem, 'GET', '/readyz')).status, 200);
  assert.match(
    (await call(url, s.caPem, 'GET', '/metrics')).text,
    /policy_controller_admissions_total\{policy="require-signed-attested-release",result="denied",mode="enforce"\} 1/,
  );
  assert.equal(await cli.stop(), 0);
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
  const denied = JSON.parse(
    (await call(url, s.caPem, 'POST', '/validate', review(`${REPO}:1.4.2-hotfix`))).text,
  ) as {
    response: { allowed: boolean };
  };
  assert.equal(denied.response.allowed, false);
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
