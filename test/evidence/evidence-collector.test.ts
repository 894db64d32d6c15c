import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { Digest } from '../../src/oci/digest.js';
import { parseReference } from '../../src/oci/reference.js';
import { registryClientFromEnv } from '../../src/oci/registry-client.js';
import type { AuthorityRequirement } from '../../src/policy/evidence.js';
import {
  appendToCosignTag,
  privateKeyFromKeyObject,
  publicKeyToPem,
  signImageLayer,
} from '../../src/sign/index.js';
import { CosignEvidenceCollector } from '../../src/evidence/index.js';
import { ENV, fileScope, keyPair, pushImage, tempDir } from '../cli/sign-setup.js';
import { runCli } from '../support/cli.js';
import { startRegistry } from '../support/registry.js';
import { caKey, caPem, GITHUB_IDENTITY, GITHUB_ISSUER, SIGNED_AT } from '../sign/test-material.js';

const reg = await startRegistry(fileScope);
const keys = await keyPair(fileScope);
const client = registryClientFromEnv({ insecureRegistries: [reg.host], now: () => SIGNED_AT });
const repo = (name: string) => client.repository(parseReference(`${reg.host}/${name}`));

function collector(now: Date): CosignEvidenceCollector {
  return new CosignEvidenceCollector({
    openRepository: (r) => client.repository(parseReference(r)),
    now: () => now,
  });
}

const base = {
  signatureRepositories: [] as string[],
  predicateTypes: [] as string[],
  tlog: { required: false },
  rfc3161: { required: false },
};

function keyRequirement(extra: Partial<typeof base> = {}): AuthorityRequirement {
  return {
    ...base,
    ...extra,
    id: 'policy/key',
    kind: 'key',
    publicKeyPem: readFileSync(keys.pub, 'utf8'),
    hashAlgorithm: 'sha256',
  };
}

const keyless: AuthorityRequirement = {
  ...base,
  id: 'policy/keyless',
  kind: 'keyless',
  trustAnchor: 'pem-sha256:test-root',
  rootsPem: caPem('root.pem'),
  ignoreSct: true,
};

/** Signs like a keyless signer would: a Fulcio-shaped leaf from the test CA, with its chain. */
async function signWithLeaf(name: string, digest: Digest, leaf: 'leaf-github' | 'evil-leaf'): Promise<void> {
  const r = repo(name);
  const layer = signImageLayer(
    caKey(`${leaf}-key.pem`),
    { dockerReference: `${reg.host}/${name}`, digest },
    {
      certificatePem: caPem(`${leaf}.pem`),
      chainPem: leaf === 'leaf-github' ? caPem('intermediate.pem') : caPem('evil-root.pem'),
    },
  );
  await appendToCosignTag({ reader: r, writer: r }, digest, 'sig', layer, SIGNED_AT);
}

async function image(t: TestContext, name: string): Promise<{ ref: string; digest: Digest }> {
  const ref = `${reg.host}/${name}:v1`;
  return { ref, digest: await pushImage(t, ref, `${name}\n`) };
}

test('a key requirement yields the verified signature and attestation with the key fingerprint', async (t) => {
  const img = await image(t, 'ev/key');
  assert.equal(
    (await runCli(['sign', '--insecure-registry', '--key', keys.key, img.ref], { env: ENV })).code,
    0,
  );
  const dir = tempDir(t, 'pred');
  const pred = join(dir, 'sbom.json');
  writeFileSync(pred, '{"bomFormat":"CycloneDX"}');
  const a = await runCli(
    ['attest', '--insecure-registry', '--type', 'cyclonedx', '--predicate', pred, '--key', keys.key, img.ref],
    { env: ENV },
  );
  assert.equal(a.code, 0, a.stderr);
  const ev = await collector(new Date()).collect(
    img,
    keyRequirement({ predicateTypes: ['https://cyclonedx.org/bom'] }),
  );
  assert.deepEqual(ev.problems, []);
  assert.equal(ev.signatures.length, 1);
  const sig = ev.signatures[0];
  assert.equal(sig?.signedDigest, img.digest);
  assert.equal(sig?.signer.kind, 'key');
  assert.match(sig?.signer.kind === 'key' ? sig.signer.spkiSha256 : '', /^[0-9a-f]{64}$/);
  assert.equal(ev.attestations.length, 1);
  assert.equal(ev.attestations[0]?.statement.predicateType, 'https://cyclonedx.org/bom');
});

test('an unsigned image is an answer with empty lists and the reason, not an exception', async (t) => {
  const img = await image(t, 'ev/unsigned');
  const ev = await collector(new Date()).collect(
    img,
    keyRequirement({ predicateTypes: ['https://slsa.dev/provenance/v1'] }),
  );
  assert.deepEqual(ev.signatures, []);
  assert.deepEqual(ev.attestations, []);
  assert.ok(
    ev.problems.some((p) => p.includes(`no signatures attached to ${img.digest}`)),
    ev.problems.join('\n'),
  );
  assert.ok(
    ev.problems.some((p) => p.includes(`no attestations attached to ${img.digest}`)),
    ev.problems.join('\n'),
  );
});

test('a keyless requirement reports the certificate identity for the engine to match', async (t) => {
  const img = await image(t, 'ev/keyless');
  await signWithLeaf('ev/keyless', img.digest, 'leaf-github');
  const ev = await collector(SIGNED_AT).collect(img, keyless);
  assert.deepEqual(ev.problems, []);
  const signer = ev.signatures[0]?.signer;
  assert.equal(signer?.kind, 'certificate');
  if (signer?.kind !== 'certificate') return;
  assert.equal(signer.issuer, GITHUB_ISSUER);
  assert.equal(signer.subject, GITHUB_IDENTITY);
  assert.equal(signer.chainTrust, 'pem-sha256:test-root');
  assert.equal(signer.extensions.githubWorkflowRepository, 'octo/app');
  assert.equal(signer.extensions.githubWorkflowTrigger, 'push');
  assert.match(signer.certificateSha256, /^[0-9a-f]{64}$/);
});

test('a keyless signature chaining to an untrusted root yields no evidence and says why', async (t) => {
  const img = await image(t, 'ev/evil');
  await signWithLeaf('ev/evil', img.digest, 'evil-leaf');
  const ev = await collector(SIGNED_AT).collect(img, keyless);
  assert.deepEqual(ev.signatures, []);
  assert.ok(
    ev.problems.some((p) => /untrusted root/.test(p)),
    ev.problems.join('\n'),
  );
});

test('a keyless signature checked after its certificate expired yields no evidence', async (t) => {
  const img = await image(t, 'ev/expired');
  await signWithLeaf('ev/expired', img.digest, 'leaf-github');
  const ev = await collector(new Date('2025-01-01T00:15:00Z')).collect(img, keyless);
  assert.deepEqual(ev.signatures, []);
  assert.ok(
    ev.problems.some((p) => /expired at signing time/.test(p)),
    ev.problems.join('\n'),
  );
});

test('a pinned-certificate requirement verifies with the certificate key and reports it as leaf-pinned', async (t) => {
  const img = await image(t, 'ev/pinned');
  await signWithLeaf('ev/pinned', img.digest, 'leaf-github');
  const req: AuthorityRequirement = {
    ...base,
    id: 'policy/cert',
    kind: 'certificate',
    certificatePem: caPem('leaf-github.pem'),
  };
  const ev = await collector(SIGNED_AT).collect(img, req);
  const signer = ev.signatures[0]?.signer;
  assert.equal(signer?.kind === 'certificate' ? signer.chainTrust : undefined, 'leaf-pinned');
});

test('signatureRepositories are read instead of the image repository', async (t) => {
  const img = await image(t, 'ev/elsewhere');
  const sigs = repo('ev/signatures');
  const key = privateKeyFromKeyObject(
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    'test key',
  );
  const layer = signImageLayer(key, { dockerReference: `${reg.host}/ev/elsewhere`, digest: img.digest });
  await appendToCosignTag({ reader: sigs, writer: sigs }, img.digest, 'sig', layer, SIGNED_AT);
  const req: AuthorityRequirement = {
    ...base,
    id: 'policy/remote',
    kind: 'key',
    publicKeyPem: publicKeyToPem(key.publicKey),
    hashAlgorithm: 'sha256',
  };
  const own = await collector(new Date()).collect(img, req);
  assert.deepEqual(own.signatures, []);
  const remote = await collector(new Date()).collect(img, {
    ...req,
    signatureRepositories: [`${reg.host}/ev/signatures`],
  });
  assert.equal(remote.signatures.length, 1);
  assert.equal(remote.signatures[0]?.foundIn, `${reg.host}/ev/signatures`);
});
