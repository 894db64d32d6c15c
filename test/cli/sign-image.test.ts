import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { digestTag } from '../../src/oci/digest.js';
import { buildIndex } from '../../src/oci/image-builder.js';
import { createOciLayoutWriter } from '../../src/oci/layout-dir.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { registryClientFromEnv } from '../../src/oci/registry-client.js';
import { referrersTag } from '../../src/oci/referrers-index.js';
import { parseReference } from '../../src/oci/reference.js';
import { decryptCosignKey } from '../../src/crypto/cosign-key.js';
import { StringSink } from '../../src/cli/io.js';
import { run } from '../../src/cli/main.js';
import { runCli } from '../support/cli.js';
import { startRegistry } from '../support/registry.js';
import { appSpec, ENV, fileScope, keyPair, layoutWith, PASSWORD, pushImage, tempDir } from './sign-setup.js';

// One registry and one key pair for the whole file: each test uses its own repository.
const reg = await startRegistry(fileScope);
const keys = await keyPair(fileScope);
const client = registryClientFromEnv({ insecureRegistries: [reg.host], now: () => new Date() });
const repo = (name: string) => client.repository(parseReference(`${reg.host}/${name}`));

for (const format of ['legacy', 'bundle'] as const) {
  test(`a ${format} signature made with a key verifies with its public key on a registry`, async (t) => {
    const ref = `${reg.host}/${format}/app:v1`;
    const digest = await pushImage(t, ref, `hello ${format}\n`);
    const sign = await runCli(['sign', '--insecure-registry', '--format', format, '--key', keys.key, ref], {
      env: ENV,
    });
    assert.equal(sign.code, 0, sign.stderr);
    const v = await runCli(['verify', '--insecure-registry', '--key', keys.pub, ref]);
    assert.equal(v.code, 0, v.stderr);
    const lines = v.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.ok((lines[0] as string).includes(digest.slice('sha256:'.length)), lines[0]);
    assert.match(v.stderr, /1 signature\(s\) verified/);
  });

  test(`a ${format} signature made with a key verifies on an oci-dir`, async (t) => {
    const { dir, digest } = await layoutWith(t, `layout ${format}\n`);
    const sign = await runCli(['sign', '--format', format, '--key', keys.key, `oci-dir:${dir}:v1`], {
      env: ENV,
    });
    assert.equal(sign.code, 0, sign.stderr);
    const v = await runCli(['verify', '-o', 'json', '--key', keys.pub, `oci-dir:${dir}:v1`]);
    assert.equal(v.code, 0, v.stderr);
    const doc = JSON.parse(v.stdout) as { digest: string; verified: { format: string }[] };
    assert.equal(doc.digest, digest);
    assert.deepEqual(
      doc.verified.map((x) => x.format),
      [format],
    );
  });

  test(`${format} signatures travel with vouch copy to another registry and still verify`, async (t) => {
    const other = await startRegistry(t);
    const ref = `${reg.host}/travel-${format}/app:v1`;
    const digest = await pushImage(t, ref, `travel ${format}\n`);
    const sign = await runCli(['sign', '--insecure-registry', '--format', format, '--key', keys.key, ref], {
      env: ENV,
    });
    assert.equal(sign.code, 0, sign.stderr);
    const dst = `${other.host}/promoted/app:v1`;
    const copy = await runCli(['copy', '--insecure-registry', ref, dst]);
    assert.equal(copy.code, 0, copy.stderr);
    const v = await runCli([
      'verify',
      '--insecure-registry',
      '--key',
      keys.pub,
      `${other.host}/promoted/app@${digest}`,
    ]);
    assert.equal(v.code, 0, v.stderr);
  });
}

test('a bundle signature on a registry without the referrers API is listed in the sha256-<hex> fallback index', async (t) => {
  const ref = `${reg.host}/fallback/app:v1`;
  const digest = await pushImage(t, ref, 'fallback\n');
  const sign = await runCli(['sign', '--insecure-registry', '--format', 'bundle', '--key', keys.key, ref], {
    env: ENV,
  });
  assert.equal(sign.code, 0, sign.stderr);
  const f = await repo('fallback/app').fetchManifest(referrersTag(digest));
  const index = parseManifest(f.bytes, f.mediaType, 'fallback index');
  assert.equal(index.kind, 'index');
  assert.equal(
    index.kind === 'index' ? index.manifests[0]?.artifactType : undefined,
    'application/vnd.dev.sigstore.bundle.v0.3+json',
  );
});

test('signing twice with the same signature keeps one layer; another annotation appends one', async (t) => {
  // Ed25519 signatures are deterministic, so signing the same payload twice yields the same layer.
  const dir = tempDir(t, 'ed25519');
  const keyPath = join(dir, 'ed.key');
  const pubPath = join(dir, 'ed.pub');
  writeFileSync(
    keyPath,
    readFileSync(join(import.meta.dirname, '..', 'fixtures', 'sign', 'cosign-keys', 'ed25519-pkcs8.key')),
  );
  writeFileSync(pubPath, createPublicKey(readFileSync(keyPath)).export({ format: 'pem', type: 'spki' }));
  const ref = `${reg.host}/twice/app:v1`;
  const digest = await pushImage(t, ref, 'twice\n');
  for (const extra of [[], [], ['-a', 'env=prod']]) {
    const r = await runCli(['sign', '--insecure-registry', '--key', keyPath, ...extra, ref]);
    assert.equal(r.code, 0, r.stderr);
  }
  const f = await repo('twice/app').fetchManifest(digestTag(digest, 'sig'));
  const m = parseManifest(f.bytes, f.mediaType, 'sig');
  assert.equal(m.kind === 'manifest' ? m.layers.length : 0, 2);
  const v = await runCli(['verify', '--insecure-registry', '-o', 'json', '--key', pubPath, ref]);
  assert.equal(v.code, 0, v.stderr);
  const doc = JSON.parse(v.stdout) as {
    verified: { payload: { optional?: Record<string, string> | null } }[];
  };
  assert.equal(doc.verified.length, 2);
  assert.equal(doc.verified[1]?.payload.optional?.['env'], 'prod');
});

test('sign --recursive signs the index and every platform manifest', async (t) => {
  const dir = join(tempDir(t, 'multi'), 'layout');
  const w = await createOciLayoutWriter(dir);
  const index = await buildIndex(
    w,
    [
      { ...appSpec('multi\n'), platform: { os: 'linux', architecture: 'amd64' } },
      { ...appSpec('multi\n'), platform: { os: 'linux', architecture: 'arm64' } },
    ],
    { tag: 'multi' },
  );
  await w.commit();
  const sign = await runCli(
    ['sign', '--recursive', '-o', 'json', '--key', keys.key, `oci-dir:${dir}:multi`],
    { env: ENV },
  );
  assert.equal(sign.code, 0, sign.stderr);
  const signed = (JSON.parse(sign.stdout) as { signed: { digest: string }[] }).signed.map((s) => s.digest);
  assert.deepEqual(signed, [index.descriptor.digest, ...index.images.map((i) => i.descriptor.digest)]);
  for (const d of signed) {
    const v = await runCli(['verify', '--key', keys.pub, `oci-dir:${dir}@${d}`]);
    assert.equal(v.code, 0, v.stderr);
  }
});

test('generate-key-pair writes a cosign key that decrypts with the password from the environment', async () => {
  const pem = readFileSync(keys.key, 'utf8');
  assert.match(pem, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----/);
  const k = await decryptCosignKey(pem, PASSWORD, 'cosign.key');
  assert.match(readFileSync(keys.pub, 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
  assert.equal(k.algorithm, 'ecdsa-p256');
});

test('generate-key-pair refuses to replace an existing key without --force', async () => {
  const r = await runCli(['generate-key-pair'], { env: ENV, cwd: keys.dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /already exists/);
});

test('generate-key-pair without a password variable and without a terminal is a usage error', async (t) => {
  const r = await runCli(['generate-key-pair'], { env: {}, cwd: tempDir(t, 'nopw') });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /VOUCH_PASSWORD/);
});

test('COSIGN_PASSWORD is used when VOUCH_PASSWORD is unset', async (t) => {
  const { dir } = await layoutWith(t, 'cosign-password\n');
  const r = await runCli(['sign', '--key', keys.key, `oci-dir:${dir}:v1`], {
    env: { COSIGN_PASSWORD: PASSWORD },
  });
  assert.equal(r.code, 0, r.stderr);
});

test('a wrong password is exit 2 "wrong password for cosign.key"', async (t) => {
  const { dir } = await layoutWith(t, 'wrong password\n');
  const r = await runCli(['sign', '--key', 'cosign.key', `oci-dir:${dir}:v1`], {
    env: { VOUCH_PASSWORD: 'not it' },
    cwd: keys.dir,
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /wrong password for cosign\.key/);
});

test('a key held in an environment variable (env://VAR) signs', async (t) => {
  const { dir } = await layoutWith(t, 'env key\n');
  const r = await runCli(['sign', '--key', 'env://SIGNING_KEY', `oci-dir:${dir}:v1`], {
    env: { ...ENV, SIGNING_KEY: readFileSync(keys.key, 'utf8') },
  });
  assert.equal(r.code, 0, r.stderr);
  const v = await runCli(['verify', '--key', keys.pub, `oci-dir:${dir}:v1`]);
  assert.equal(v.code, 0, v.stderr);
});

test("download signature prints each attached signature in cosign's shape, unverified", async (t) => {
  const { dir, digest } = await layoutWith(t, 'download\n');
  await runCli(['sign', '--key', keys.key, `oci-dir:${dir}:v1`], { env: ENV });
  const r = await runCli(['download', 'signature', `oci-dir:${dir}:v1`]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout.trim()) as { Base64Signature: string; Payload: string };
  assert.ok(Buffer.from(doc.Payload, 'base64').toString('utf8').includes(digest));
  assert.match(r.stderr, /not verified/);
});

async function runOnTerminal(
  argv: string[],
  cwd: string,
  typed: string,
): Promise<{ code: number; stderr: string }> {
  const stdout = new StringSink();
  const stderr = new StringSink();
  const code = await run({
    argv,
    env: {},
    cwd,
    stdin: Readable.from([Buffer.from(typed)]),
    stdout,
    stderr,
    isTTY: true,
  });
  return { code, stderr: stderr.text() };
}

test('generate-key-pair on a terminal asks for the password twice and encrypts with it', async (t) => {
  const dir = tempDir(t, 'tty');
  const r = await runOnTerminal(['generate-key-pair'], dir, 'typed secret\ntyped secret\n');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Enter password for private key again: /);
  const k = await decryptCosignKey(readFileSync(join(dir, 'cosign.key')), 'typed secret', 'cosign.key');
  assert.equal(k.algorithm, 'ecdsa-p256');
});

test('generate-key-pair on a terminal refuses two different passwords and writes nothing', async (t) => {
  const dir = tempDir(t, 'tty');
  const r = await runOnTerminal(['generate-key-pair'], dir, 'one\ntwo\n');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /passwords do not match/);
  assert.deepEqual(readdirSync(dir), []);
});

test('oci-dir:<path> without a tag still names the one image after signatures were attached', async (t) => {
  const { dir, digest } = await layoutWith(t, 'untagged ref\n');
  const s = await runCli(['sign', '--key', keys.key, `oci-dir:${dir}`], { env: ENV });
  assert.equal(s.code, 0, s.stderr);
  const v = await runCli(['verify', '-o', 'json', '--key', keys.pub, `oci-dir:${dir}`]);
  assert.equal(v.code, 0, v.stderr);
  assert.equal((JSON.parse(v.stdout) as { digest: string }).digest, digest);
});
