// One test per tampering rule: each asserts the exit code and the reason vouch gives.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { type Digest, digestTag, sha256Digest } from '../../src/oci/digest.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { parseReference } from '../../src/oci/reference.js';
import { registryClientFromEnv } from '../../src/oci/registry-client.js';
import { buildCosignManifest } from '../../src/sign/cosign-manifest.js';
import { bundleReferrerManifest } from '../../src/sign/sigstore-bundle.js';
import { runCli } from '../support/cli.js';
import { startRegistry } from '../support/registry.js';
import { ENV, fileScope, keyPair, pushImage, tempDir } from './sign-setup.js';

const reg = await startRegistry(fileScope);
const keys = await keyPair(fileScope);
const client = registryClientFromEnv({ insecureRegistries: [reg.host], now: () => new Date() });
const repo = (name: string) => client.repository(parseReference(`${reg.host}/${name}`));

async function signed(
  t: TestContext,
  name: string,
  content: string,
  extra: string[] = [],
): Promise<{ ref: string; digest: Digest }> {
  const ref = `${reg.host}/${name}:v1`;
  const digest = await pushImage(t, ref, content);
  const r = await runCli(['sign', '--insecure-registry', '--key', keys.key, ...extra, ref], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  return { ref, digest };
}

async function attested(
  t: TestContext,
  name: string,
  content: string,
): Promise<{ ref: string; digest: Digest }> {
  const ref = `${reg.host}/${name}:v1`;
  const digest = await pushImage(t, ref, content);
  const dir = tempDir(t, 'pred');
  writeFileSync(join(dir, 'p.json'), JSON.stringify({ scanner: 'none', findings: 0 }));
  const r = await runCli(
    ['attest', '--insecure-registry', '--key', keys.key, '--predicate', join(dir, 'p.json'), ref],
    { env: ENV },
  );
  assert.equal(r.code, 0, r.stderr);
  return { ref, digest };
}

/** Rewrites the single layer under a cosign tag with `change`, as an attacker with push access could. */
async function rewriteLayer(
  name: string,
  tag: string,
  change: (
    blob: Buffer,
    annotations: Record<string, string>,
  ) => { blob: Buffer; annotations: Record<string, string> },
): Promise<void> {
  const r = repo(name);
  const f = await r.fetchManifest(tag);
  const m = parseManifest(f.bytes, f.mediaType, tag);
  assert.equal(m.kind, 'manifest');
  if (m.kind !== 'manifest') return;
  const layer = m.layers[0];
  assert.ok(layer);
  const next = change(await r.fetchBlobBytes(layer), { ...layer.annotations });
  const desc = {
    mediaType: layer.mediaType,
    size: next.blob.byteLength,
    digest: sha256Digest(next.blob),
    annotations: next.annotations,
  };
  const built = buildCosignManifest([desc]);
  await r.putBlob(desc, next.blob);
  await r.putBlob(built.config.descriptor, built.config.blob);
  await r.putManifest(built.manifest, built.mediaType, tag);
}

/** Moves the cosign tag of `from` onto `to`'s digest (an attacker replaying another image's signatures). */
async function replayTag(name: string, from: Digest, to: Digest, suffix: 'sig' | 'att'): Promise<void> {
  const r = repo(name);
  const f = await r.fetchManifest(digestTag(from, suffix));
  await r.putManifest(f.bytes, f.mediaType, digestTag(to, suffix));
}

test('a tag re-pointed after signing has no valid signature for its new digest', async (t) => {
  const { ref } = await signed(t, 'repoint/app', 'first\n');
  const other = await pushImage(t, ref, 'second, pushed over the signed tag\n');
  const v = await runCli(['verify', '--insecure-registry', '--key', keys.pub, ref]);
  assert.equal(v.code, 1);
  assert.match(v.stderr, new RegExp(`no signatures attached to ${other}`));
  assert.equal(v.stdout, '');
});

test('a swapped payload blob no longer verifies with the key', async (t) => {
  const { ref, digest } = await signed(t, 'swap/app', 'swap\n');
  await rewriteLayer('swap/app', digestTag(digest, 'sig'), (blob, annotations) => {
    const doc = JSON.parse(blob.toString('utf8')) as { optional: Record<string, string> | null };
    doc.optional = { approved: 'yes' };
    return { blob: Buffer.from(JSON.stringify(doc)), annotations };
  });
  const v = await runCli(['verify', '--insecure-registry', '--key', keys.pub, ref]);
  assert.equal(v.code, 1);
  assert.match(v.stderr, /1 signature found for sha256:[0-9a-f]{64}, none verify with key [0-9a-f]{16}/);
});

test('a signature from another key is refused, naming the key that was asked for', async (t) => {
  const other = await keyPair(t, 'other');
  const ref = `${reg.host}/otherkey/app:v1`;
  await pushImage(t, ref, 'other key\n');
  const s = await runCli(['sign', '--insecure-registry', '--key', other.key, ref], { env: ENV });
  assert.equal(s.code, 0, s.stderr);
  const v = await runCli(['verify', '--insecure-registry', '--key', keys.pub, ref]);
  assert.equal(v.code, 1);
  assert.match(v.stderr, /none verify with key [0-9a-f]{16} \(seen: /);
});

test('a signature replayed from another image names the other digest', async (t) => {
  const a = await signed(t, 'replay/app', 'image a\n');
  const bRef = `${reg.host}/replay/app:b`;
  const b = await pushImage(t, bRef, 'image b\n');
  await replayTag('replay/app', a.digest, b, 'sig');
  const v = await runCli(['verify', '--insecure-registry', '--key', keys.pub, bRef]);
  assert.equal(v.code, 1);
  assert.match(v.stderr, new RegExp(`payload names digest ${a.digest} but the image is ${b}`));
});

test('a DSSE envelope whose payload type was changed no longer verifies', async (t) => {
  const { ref, digest } = await attested(t, 'dssetype/app', 'dsse type\n');
  await rewriteLayer('dssetype/app', digestTag(digest, 'att'), (blob, annotations) => {
    const env = JSON.parse(blob.toString('utf8')) as { payloadType: string };
    env.payloadType = 'application/vnd.example+json';
    return { blob: Buffer.from(JSON.stringify(env)), annotations };
  });
  const v = await runCli(['verify-attestation', '--insecure-registry', '--key', keys.pub, ref]);
  assert.equal(v.code, 1);
  assert.match(v.stderr, /1 attestation found for sha256:[0-9a-f]{64}, none verify with key/);
});

test('an attestation whose statement subject names another digest is refused', async (t) => {
  const a = await attested(t, 'subject/app', 'subject a\n');
  const bRef = `${reg.host}/subject/app:b`;
  const b = await pushImage(t, bRef, 'subject b\n');
  await replayTag('subject/app', a.digest, b, 'att');
  const v = await runCli(['verify-attestation', '--insecure-registry', '--key', keys.pub, bRef]);
  assert.equal(v.code, 1);
  assert.match(v.stderr, new RegExp(`statement subject names ${a.digest} but the image is ${b}`));
});

test('a truncated bundle referrer is reported and never counts', async (t) => {
  const ref = `${reg.host}/truncated/app:v1`;
  const digest = await pushImage(t, ref, 'truncated\n');
  const sign = await runCli(
    ['sign', '--insecure-registry', '--format', 'bundle', '-o', 'json', '--key', keys.key, ref],
    { env: ENV },
  );
  assert.equal(sign.code, 0, sign.stderr);
  // Replace the good referrer by one whose bundle is cut in half: same registry, new referrer, and the
  // fallback index rewritten to list only the truncated one.
  const r = repo('truncated/app');
  const good = (JSON.parse(sign.stdout) as { signed: { manifestDigest: Digest }[] }).signed[0]
    ?.manifestDigest as Digest;
  const gm = parseManifest((await r.fetchManifest(good)).bytes, MediaType.ociManifest, 'referrer');
  const layer = gm.kind === 'manifest' ? gm.layers[0] : undefined;
  assert.ok(layer);
  const whole = await r.fetchBlobBytes(layer);
  const subject = await r.resolve(digest);
  const bad = bundleReferrerManifest({
    bundle: whole.subarray(0, Math.floor(whole.length / 2)),
    subject,
    content: 'dsse-envelope',
    created: new Date('2026-01-01T00:00:00Z'),
  });
  await r.putBlob(bad.layer.descriptor, bad.layer.blob);
  await r.putBlob(bad.config.descriptor, bad.config.blob);
  await r.putManifest(bad.manifest, bad.mediaType);
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [
      {
        mediaType: MediaType.ociManifest,
        digest: bad.digest,
        size: bad.manifest.byteLength,
        artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      },
    ],
  };
  await r.putManifest(Buffer.from(JSON.stringify(index)), MediaType.ociIndex, digest.replace(':', '-'));
  const v = await runCli(['verify', '--insecure-registry', '--key', keys.pub, ref]);
  assert.equal(v.code, 1);
  assert.match(v.stderr, /bundle is not JSON \(truncated\?\)/);
});

/** A PKI minted now with openssl (the fixture leaves expired in 2025): root -> leaf for alice. */
function freshPki(t: TestContext): { dir: string; root: string; leaf: string; leafKey: string } {
  const dir = tempDir(t, 'pki');
  const run = (args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    } catch (e) {
      throw new Error(`openssl ${args[0]} failed (apt-get install -y openssl): ${String(e)}`);
    }
  };
  run([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'root-key.pem',
    '-out',
    'root.pem',
    '-days',
    '2',
    '-subj',
    '/CN=vouch test root',
    '-addext',
    'basicConstraints=critical,CA:true',
    '-addext',
    'keyUsage=critical,keyCertSign',
  ]);
  run([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'leaf-key.pem',
    '-out',
    'leaf.csr',
    '-subj',
    '/CN=alice',
  ]);
  const issuerHex = Buffer.from('https://accounts.google.com').toString('hex');
  writeFileSync(
    join(dir, 'leaf.ext'),
    [
      'basicConstraints=critical,CA:false',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=codeSigning',
      'subjectAltName=critical,email:alice@example.com',
      `1.3.6.1.4.1.57264.1.1=DER:${issuerHex}`,
      `1.3.6.1.4.1.57264.1.5=DER:${Buffer.from('octo/app').toString('hex')}`,
    ].join('\n'),
  );
  run([
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'root.pem',
    '-CAkey',
    'root-key.pem',
    '-set_serial',
    '2',
    '-days',
    '1',
    '-extfile',
    'leaf.ext',
    '-out',
    'leaf.pem',
  ]);
  return {
    dir,
    root: join(dir, 'root.pem'),
    leaf: join(dir, 'leaf.pem'),
    leafKey: join(dir, 'leaf-key.pem'),
  };
}

const IDENTITY = [
  '--certificate-identity',
  'alice@example.com',
  '--certificate-oidc-issuer',
  'https://accounts.google.com',
];

test('a certificate signature verifies to its root and reports the identity', async (t) => {
  const pki = freshPki(t);
  const { ref } = await signed(t, 'cert/app', 'cert\n', ['--key', pki.leafKey, '--certificate', pki.leaf]);
  const v = await runCli([
    'verify',
    '--insecure-registry',
    '-o',
    'json',
    '--ca-roots',
    pki.root,
    ...IDENTITY,
    ref,
  ]);
  assert.equal(v.code, 0, v.stderr);
  const doc = JSON.parse(v.stdout) as { verified: { identity: { sans: string[]; issuer: string } }[] };
  assert.deepEqual(doc.verified[0]?.identity.sans, ['alice@example.com']);
  assert.equal(doc.verified[0]?.identity.issuer, 'https://accounts.google.com');
});

test('a certificate chaining to an untrusted root is refused', async (t) => {
  const pki = freshPki(t);
  const { ref } = await signed(t, 'untrusted/app', 'untrusted\n', [
    '--key',
    pki.leafKey,
    '--certificate',
    pki.leaf,
  ]);
  const otherRoot = join(import.meta.dirname, '..', 'fixtures', 'sign', 'test-ca', 'root.pem');
  const v = await runCli(['verify', '--insecure-registry', '--ca-roots', otherRoot, ...IDENTITY, ref]);
  assert.equal(v.code, 1);
  assert.match(v.stderr, /certificate chain to an untrusted root/);
});

test('a certificate for another identity is refused with found != expected', async (t) => {
  const pki = freshPki(t);
  const { ref } = await signed(t, 'identity/app', 'identity\n', [
    '--key',
    pki.leafKey,
    '--certificate',
    pki.leaf,
  ]);
  const v = await runCli([
    'verify',
    '--insecure-registry',
    '--ca-roots',
    pki.root,
    '--certificate-identity',
    'bob@example.com',
    '--certificate-oidc-issuer',
    'https://accounts.google.com',
    ref,
  ]);
  assert.equal(v.code, 1);
  assert.match(v.stderr, /certificate identity alice@example\.com != expected bob@example\.com/);
});

test('a certificate signature in bundle format verifies to its root with the identity', async (t) => {
  const pki = freshPki(t);
  const { ref } = await signed(t, 'certbundle/app', 'cert bundle\n', [
    '--format',
    'bundle',
    '--key',
    pki.leafKey,
    '--certificate',
    pki.leaf,
  ]);
  const v = await runCli([
    'verify',
    '--insecure-registry',
    '-o',
    'json',
    '--ca-roots',
    pki.root,
    ...IDENTITY,
    ref,
  ]);
  assert.equal(v.code, 0, v.stderr);
  const doc = JSON.parse(v.stdout) as { verified: { format: string; identity: { sans: string[] } }[] };
  assert.equal(doc.verified[0]?.format, 'bundle');
  assert.deepEqual(doc.verified[0]?.identity.sans, ['alice@example.com']);
});

test('a failed verify with -o json prints one JSON error object on stderr and nothing on stdout', async (t) => {
  const ref = `${reg.host}/jsonerr/app:v1`;
  const digest = await pushImage(t, ref, 'json error\n');
  const v = await runCli(['verify', '--insecure-registry', '-o', 'json', '--key', keys.pub, ref]);
  assert.equal(v.code, 1);
  assert.equal(v.stdout, '');
  const err = JSON.parse(v.stderr) as { error: { code: string; message: string } };
  assert.equal(err.error.code, 'NO_SIGNATURES');
  assert.equal(err.error.message, `no signatures attached to ${digest}`);
});

test('verify without --key or a certificate identity is a usage error', async () => {
  const v = await runCli(['verify', '--insecure-registry', `${reg.host}/nothing/app:v1`]);
  assert.equal(v.code, 2);
  assert.match(v.stderr, /say whom to trust/);
});

test('a GitHub workflow repository other than the expected one is refused', async (t) => {
  const pki = freshPki(t);
  const { ref } = await signed(t, 'workflow/app', 'workflow\n', [
    '--key',
    pki.leafKey,
    '--certificate',
    pki.leaf,
  ]);
  const ok = await runCli([
    'verify',
    '--insecure-registry',
    '--ca-roots',
    pki.root,
    ...IDENTITY,
    '--certificate-github-workflow-repository',
    'octo/app',
    ref,
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  const v = await runCli([
    'verify',
    '--insecure-registry',
    '--ca-roots',
    pki.root,
    ...IDENTITY,
    '--certificate-github-workflow-repository',
    'octo/other',
    ref,
  ]);
  assert.equal(v.code, 1);
  assert.match(v.stderr, /certificate GitHub workflow repository octo\/app != expected octo\/other/);
});
