// Key-signed images with a real Rekor entry from the loopback Rekor (test/sign/keyless/loopback-sigstore.ts),
// logged the way `cosign sign --key` uploads: `vouch verify --key --trusted-root`, `verify-attestation`,
// the admission evidence collector and `vouch policy test` with an authority that requires the tlog.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { attestImage } from '../../src/sign/attest-image.js';
import type { Digest } from '../../src/oci/digest.js';
import { parseReference } from '../../src/oci/reference.js';
import { registryClientFromEnv } from '../../src/oci/registry-client.js';
import type { AuthorityRequirement } from '../../src/policy/evidence.js';
import {
  appendToCosignTag,
  attestationLayer,
  CosignAnnotation,
  parseTrustedRoot,
  privateKeyFromKeyObject,
  publicKeyToPem,
  signatureLayer,
  signImageLayer,
} from '../../src/sign/index.js';
import { CosignEvidenceCollector } from '../../src/evidence/index.js';
import { runCli } from '../support/cli.js';
import { logKeyAttestation, logKeySignature } from '../support/rekor-upload.js';
import { startRegistry } from '../support/registry.js';
import { startLoopbackSigstore } from '../sign/keyless/loopback-sigstore.js';
import { fileScope, pushImage, tempDir } from './sign-setup.js';

const reg = await startRegistry(fileScope);
const sigstore = await startLoopbackSigstore(fileScope);
const client = registryClientFromEnv({ insecureRegistries: [reg.host], now: () => new Date() });
const work = tempDir(fileScope, 'key-tlog');
const ROOT = join(work, 'trusted_root.json');
writeFileSync(ROOT, sigstore.trustedRoot);
const key = privateKeyFromKeyObject(
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  'test signing key',
);
const PUB_PEM = publicKeyToPem(key.publicKey);
const PUB = join(work, 'cosign.pub');
writeFileSync(PUB, PUB_PEM);
const PROVENANCE = 'https://slsa.dev/provenance/v1';

/** Signs (and attests) `repo:v1` with the key; `logged` uploads both to the loopback Rekor first. */
async function signedImage(repo: string, logged: boolean): Promise<{ ref: string; digest: Digest }> {
  const ref = `${reg.host}/${repo}:v1`;
  const digest = await pushImage(fileScope, ref, `${repo}\n`);
  const r = client.repository(parseReference(`${reg.host}/${repo}`));
  const store = { reader: r, writer: r };
  const unlogged = signImageLayer(key, { dockerReference: `${reg.host}/${repo}`, digest });
  const signature = unlogged.descriptor.annotations?.[CosignAnnotation.signature] ?? '';
  const sigLayer = logged
    ? signatureLayer(unlogged.blob, signature, {
        rekorBundle: await logKeySignature(sigstore.url, {
          payload: unlogged.blob,
          signatureBase64: signature,
          publicKeyPem: PUB_PEM,
        }),
      })
    : unlogged;
  await appendToCosignTag(store, digest, 'sig', sigLayer, new Date());
  const { layer } = attestImage(key, {
    subjectName: `${reg.host}/${repo}`,
    digest,
    predicateType: PROVENANCE,
    predicate: { buildDefinition: { buildType: 'https://vouch.test/build' } },
  });
  const attLayer = logged
    ? attestationLayer(layer.blob, PROVENANCE, {
        rekorBundle: await logKeyAttestation(sigstore.url, {
          envelopeJson: layer.blob.toString('utf8'),
          publicKeyPem: PUB_PEM,
        }),
      })
    : layer;
  await appendToCosignTag(store, digest, 'att', attLayer, new Date());
  return { ref, digest };
}

const LOGGED = await signedImage('keytlog/logged', true);
const OFFLINE = await signedImage('keytlog/offline', false);

test('vouch verify --key --trusted-root accepts a key-signed image logged in Rekor and reports the entry', async () => {
  const v = await runCli([
    'verify',
    '--insecure-registry',
    '-o',
    'json',
    '--key',
    PUB,
    '--trusted-root',
    ROOT,
    LOGGED.ref,
  ]);
  assert.equal(v.code, 0, v.stderr);
  const doc = JSON.parse(v.stdout) as { verified: { tlog?: { logIndex: number; integratedTime: string } }[] };
  assert.equal(typeof doc.verified[0]?.tlog?.logIndex, 'number');
  assert.match(doc.verified[0]?.tlog?.integratedTime ?? '', /^\d{4}-\d\d-\d\dT/);
  assert.match(v.stderr, /checked: .*transparency-log entry/);
});

test('vouch verify --key --trusted-root refuses a key-signed image without a Rekor entry, naming why', async () => {
  const v = await runCli([
    'verify',
    '--insecure-registry',
    '--key',
    PUB,
    '--trusted-root',
    ROOT,
    OFFLINE.ref,
  ]);
  assert.equal(v.code, 1, v.stderr);
  assert.match(v.stderr, /no transparency-log entry/);
  assert.match(v.stderr, /--insecure-ignore-tlog/);
});

test('vouch verify --key alone checks the signature only, as before', async () => {
  const v = await runCli(['verify', '--insecure-registry', '--key', PUB, OFFLINE.ref]);
  assert.equal(v.code, 0, v.stderr);
  assert.doesNotMatch(v.stderr, /transparency-log entry/);
});

test('--insecure-ignore-tlog with --key --trusted-root accepts the image without a Rekor entry', async () => {
  const v = await runCli([
    'verify',
    '--insecure-registry',
    '--key',
    PUB,
    '--trusted-root',
    ROOT,
    '--insecure-ignore-tlog',
    OFFLINE.ref,
  ]);
  assert.equal(v.code, 0, v.stderr);
});

test('--tlog checks against the bundled public-good root, which does not know the loopback log', async () => {
  const v = await runCli(['verify', '--insecure-registry', '--key', PUB, '--tlog', LOGGED.ref]);
  assert.equal(v.code, 1, v.stderr);
  assert.match(v.stderr, /is not in the trusted root/);
});

test('--tlog together with --insecure-ignore-tlog is a usage error', async () => {
  const v = await runCli([
    'verify',
    '--insecure-registry',
    '--key',
    PUB,
    '--tlog',
    '--insecure-ignore-tlog',
    LOGGED.ref,
  ]);
  assert.equal(v.code, 2, v.stderr);
});

test('vouch verify-attestation --key --trusted-root accepts a logged .att and refuses an unlogged one', async () => {
  const args = (ref: string) => [
    'verify-attestation',
    '--insecure-registry',
    '-o',
    'json',
    '--type',
    'slsaprovenance1',
    '--key',
    PUB,
    '--trusted-root',
    ROOT,
    ref,
  ];
  const ok = await runCli(args(LOGGED.ref));
  assert.equal(ok.code, 0, ok.stderr);
  const doc = JSON.parse(ok.stdout) as { verified: { tlog?: { logIndex: number } }[] };
  assert.equal(typeof doc.verified[0]?.tlog?.logIndex, 'number');
  const bad = await runCli(args(OFFLINE.ref));
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, /no transparency-log entry/);
});

function keyRequirement(tlogRequired: boolean): AuthorityRequirement {
  return {
    id: 'policy/key',
    kind: 'key',
    publicKeyPem: PUB_PEM,
    hashAlgorithm: 'sha256',
    signatureRepositories: [],
    predicateTypes: [PROVENANCE],
    tlog: { required: tlogRequired },
    rfc3161: { required: false },
  };
}

const collector = new CosignEvidenceCollector({
  openRepository: (r) => client.repository(parseReference(r)),
  now: () => new Date(),
  trustedRoot: parseTrustedRoot(sigstore.trustedRoot, 'loopback trusted_root.json'),
});

test('the evidence collector reports the Rekor entry of key-verified signatures and attestations', async () => {
  const ev = await collector.collect(LOGGED, keyRequirement(true));
  assert.deepEqual(ev.problems, []);
  assert.equal(ev.signatures.length, 1);
  assert.equal(typeof ev.signatures[0]?.tlog?.logIndex, 'number');
  assert.equal(ev.attestations.length, 1);
  assert.equal(typeof ev.attestations[0]?.tlog?.logIndex, 'number');
});

test('the evidence collector yields no key signature without a Rekor entry when the tlog is required', async () => {
  const ev = await collector.collect(OFFLINE, keyRequirement(true));
  assert.deepEqual(ev.signatures, []);
  assert.deepEqual(ev.attestations, []);
  assert.ok(
    ev.problems.some((p) => /no transparency-log entry.*set ctlog: \{\} \/ rekor\.ignoreTlog/.test(p)),
    ev.problems.join('\n'),
  );
});

test('the evidence collector accepts the unlogged key signature when the authority waives the tlog', async () => {
  const ev = await collector.collect(OFFLINE, keyRequirement(false));
  assert.equal(ev.signatures.length, 1);
  assert.equal(ev.signatures[0]?.tlog, undefined);
});

function cip(name: string, repo: string, ctlog = ''): string {
  const pem = PUB_PEM.trim()
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n');
  return `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: ${name} }
spec:
  images: [{ glob: "${reg.host}/${repo}" }]
  authorities:
  - name: release-key
    key:
      data: |
${pem}
${ctlog}`;
}

const policyTest = (file: string, ref: string) =>
  runCli(['policy', 'test', '--insecure-registry', '--trusted-root', ROOT, '-f', file, ref], { cwd: work });

// policy-controller, pkg/webhook/validator.go checkOptsFromAuthority: the Rekor client comes only from
// `ctlog.url` / `ctlog.trustRootRef`; with neither, "Skip the TLog verification if we have no client or
// keys to validate against" (SkipTlogVerify = true). A plain key authority is signature-only.
test('a ClusterImagePolicy key authority without ctlog admits the key-signed image with no Rekor entry, as policy-controller does', async () => {
  writeFileSync(join(work, 'cip-plain.yaml'), cip('key-plain', 'keytlog/**'));
  for (const image of [LOGGED, OFFLINE]) {
    const r = await policyTest('cip-plain.yaml', image.ref);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /result: ALLOWED/);
  }
});

test('a ClusterImagePolicy key authority with ctlog.url requires the Rekor entry: the logged image passes, the other is denied', async () => {
  writeFileSync(
    join(work, 'cip.yaml'),
    cip('key-tlog', 'keytlog/**', `    ctlog:\n      url: ${sigstore.url}\n`),
  );
  const allowed = await policyTest('cip.yaml', LOGGED.ref);
  assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
  assert.match(allowed.stdout, /result: ALLOWED/);
  const denied = await policyTest('cip.yaml', OFFLINE.ref);
  assert.equal(denied.code, 1, denied.stdout + denied.stderr);
  assert.match(denied.stdout, /no transparency-log entry/);
});
