import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { digestHex, digestTag, sha256Digest } from '../../src/oci/digest.js';
import { buildImage, buildIndex, composeImage, type ImageSpec } from '../../src/oci/image-builder.js';
import { createOciLayoutWriter } from '../../src/oci/layout-dir.js';
import { MediaType } from '../../src/oci/media-types.js';
import { runCli } from '../support/cli.js';
import { startRegistry } from '../support/registry.js';

const CREATED = new Date('2026-01-01T00:00:00Z');
const appSpec: ImageSpec = {
  created: CREATED,
  layers: [
    [{ path: 'app/hello.txt', content: 'hello vouch\n' }],
    [{ path: 'etc/motd', content: 'signed or nothing\n' }],
  ],
  labels: { 'org.opencontainers.image.title': 'demo' },
};

function tempDir(t: TestContext, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `vouch-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function layoutWithApp(t: TestContext): Promise<{ dir: string; digest: string }> {
  const dir = join(tempDir(t, 'src'), 'layout');
  const w = await createOciLayoutWriter(dir);
  const img = await buildImage(w, { ...appSpec, tag: 'v1' });
  await w.commit();
  return { dir, digest: img.descriptor.digest };
}

test('digest of an oci-dir image is the digest of its manifest bytes', async (t) => {
  const { dir, digest } = await layoutWithApp(t);
  const r = await runCli(['digest', `oci-dir:${dir}:v1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), digest);
  assert.equal(digest, sha256Digest(composeImage(appSpec).manifestBytes));
});

test('digest --full-ref names the repository and the digest', async (t) => {
  const { dir, digest } = await layoutWithApp(t);
  const r = await runCli(['digest', '--full-ref', `oci-dir:${dir}:v1`]);
  assert.equal(r.stdout.trim(), `oci-dir:${dir}@${digest}`);
});

test('copy to a registry keeps the digest, and skopeo agrees with vouch', async (t) => {
  const reg = await startRegistry(t);
  const { dir, digest } = await layoutWithApp(t);
  const copy = await runCli(['copy', '--insecure-registry', `oci-dir:${dir}:v1`, `${reg.host}/demo/app:v1`]);
  assert.equal(copy.code, 0, copy.stderr);
  assert.equal(copy.stdout.trim(), digest);
  const viaVouch = await runCli(['digest', '--insecure-registry', `${reg.host}/demo/app:v1`]);
  assert.equal(viaVouch.stdout.trim(), digest);
  const skopeo = JSON.parse(
    execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/demo/app:v1`], {
      encoding: 'utf8',
    }),
  ) as { Digest: string };
  assert.equal(skopeo.Digest, digest);
});

test('copy from a registry back to a new oci-dir gives the same digest', async (t) => {
  const reg = await startRegistry(t);
  const { dir, digest } = await layoutWithApp(t);
  await runCli(['copy', '--insecure-registry', `oci-dir:${dir}:v1`, `${reg.host}/demo/app:v1`]);
  const out = join(tempDir(t, 'dst'), 'copy');
  const back = await runCli(['copy', '--insecure-registry', `${reg.host}/demo/app:v1`, `oci-dir:${out}:v1`]);
  assert.equal(back.code, 0, back.stderr);
  assert.equal(back.stdout.trim(), digest);
  const skopeo = execFileSync('skopeo', ['inspect', '--raw', `oci:${out}:v1`]);
  assert.equal(sha256Digest(skopeo), digest);
});

test('a multi-platform index copies whole, and --platform picks one manifest', async (t) => {
  const reg = await startRegistry(t);
  const dir = join(tempDir(t, 'multi'), 'layout');
  const w = await createOciLayoutWriter(dir);
  const index = await buildIndex(
    w,
    [
      { ...appSpec, platform: { os: 'linux', architecture: 'amd64' } },
      { ...appSpec, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ],
    { tag: 'multi' },
  );
  await w.commit();
  const copy = await runCli([
    'copy',
    '--insecure-registry',
    `oci-dir:${dir}:multi`,
    `${reg.host}/demo/multi:1`,
  ]);
  assert.equal(copy.code, 0, copy.stderr);
  assert.equal(copy.stdout.trim(), index.descriptor.digest);
  const arm = await runCli([
    'digest',
    '--insecure-registry',
    '--platform',
    'linux/arm64',
    `${reg.host}/demo/multi:1`,
  ]);
  assert.equal(arm.stdout.trim(), index.images[1]?.descriptor.digest);
  const skopeoArm = JSON.parse(
    execFileSync(
      'skopeo',
      ['inspect', '--tls-verify=false', '--override-arch', 'arm64', `docker://${reg.host}/demo/multi:1`],
      { encoding: 'utf8' },
    ),
  ) as { Digest: string };
  // skopeo inspect reports the index digest it was asked through; the raw arm64 manifest must match ours.
  assert.equal(skopeoArm.Digest, index.descriptor.digest);
  const none = await runCli([
    'digest',
    '--insecure-registry',
    '--platform',
    'windows/amd64',
    `${reg.host}/demo/multi:1`,
  ]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no windows\/amd64 image/);
});

test('copy carries cosign signature tags along with the image', async (t) => {
  const reg = await startRegistry(t);
  const dir = join(tempDir(t, 'att'), 'layout');
  const w = await createOciLayoutWriter(dir);
  const img = await buildImage(w, { ...appSpec, tag: 'v1' });
  // A .sig manifest shaped as cosign writes it: one simple-signing layer.
  const payload = Buffer.from(
    JSON.stringify({ critical: { image: { 'docker-manifest-digest': img.descriptor.digest } } }),
  );
  const config = Buffer.from('{}');
  await w.putBlob({ digest: sha256Digest(payload), size: payload.length }, payload);
  await w.putBlob({ digest: sha256Digest(config), size: config.length }, config);
  const sig = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length },
      layers: [
        {
          mediaType: MediaType.cosignSimpleSigning,
          digest: sha256Digest(payload),
          size: payload.length,
          annotations: { 'dev.cosignproject.cosign/signature': 'c2ln' },
        },
      ],
    }),
  );
  await w.putManifest(sig, MediaType.ociManifest, digestTag(img.descriptor.digest, 'sig'));
  await w.commit();
  const copy = await runCli([
    'copy',
    '--insecure-registry',
    '-o',
    'json',
    `oci-dir:${dir}:v1`,
    `${reg.host}/demo/signed:v1`,
  ]);
  assert.equal(copy.code, 0, copy.stderr);
  const result = JSON.parse(copy.stdout) as { attachments: Array<{ name: string; digest: string }> };
  assert.deepEqual(
    result.attachments.map((a) => a.name),
    [`sha256-${digestHex(img.descriptor.digest)}.sig`],
  );
  const inspect = await runCli([
    'inspect',
    '--insecure-registry',
    '-o',
    'json',
    `${reg.host}/demo/signed:v1`,
  ]);
  const info = JSON.parse(inspect.stdout) as { attachments: { signatures?: string } };
  assert.equal(info.attachments.signatures, sha256Digest(sig));
});

test('--no-attachments copies the image alone', async (t) => {
  const reg = await startRegistry(t);
  const { dir } = await layoutWithApp(t);
  const copy = await runCli([
    'copy',
    '--no-attachments',
    '--insecure-registry',
    '-o',
    'json',
    `oci-dir:${dir}:v1`,
    `${reg.host}/a/b:v1`,
  ]);
  assert.equal(copy.code, 0, copy.stderr);
  assert.deepEqual((JSON.parse(copy.stdout) as { attachments: unknown[] }).attachments, []);
});

test('inspect lists platforms, layers and config of an image', async (t) => {
  const { dir, digest } = await layoutWithApp(t);
  const r = await runCli(['inspect', '-o', 'json', `oci-dir:${dir}:v1`]);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as {
    digest: string;
    images: Array<{ layers: unknown[]; platform: string; config: { labels: Record<string, string> } }>;
  };
  assert.equal(info.digest, digest);
  assert.equal(info.images[0]?.layers.length, 2);
  assert.equal(info.images[0]?.platform, 'linux/amd64');
  assert.equal(info.images[0]?.config.labels['org.opencontainers.image.title'], 'demo');
  const table = await runCli(['inspect', `oci-dir:${dir}:v1`]);
  assert.match(table.stdout, /Layers:\s+2/);
});

test('a corrupted blob in the source fails the copy and leaves no destination layout behind', async (t) => {
  const { dir } = await layoutWithApp(t);
  const img = composeImage(appSpec);
  const layer = img.layers[1]?.descriptor.digest as string;
  writeFileSync(
    join(dir, 'blobs', 'sha256', digestHex(layer as never)),
    Buffer.alloc(img.layers[1]?.blob.length ?? 1, 1),
  );
  const parent = tempDir(t, 'dst');
  const out = join(parent, 'copy');
  const r = await runCli(['copy', `oci-dir:${dir}:v1`, `oci-dir:${out}:v1`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /content hashes to sha256:/);
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(parent), []);
});

test('an unreachable registry is an environment error, exit 3', async () => {
  const r = await runCli(['digest', '--insecure-registry', '127.0.0.1:1/nothing/here:v1']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^vouch: /);
});

test('a malformed reference is a usage error, exit 2, naming the bad part', async () => {
  const r = await runCli(['digest', 'Registry.example.com/UPPER/case']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /lowercase/);
});

test('a missing image in a registry is exit 2 with the reference named', async (t) => {
  const reg = await startRegistry(t);
  const r = await runCli(['digest', '--insecure-registry', `${reg.host}/no/such:tag`]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not found/);
});
