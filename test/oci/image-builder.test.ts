import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { sha256Digest } from '../../src/oci/digest.js';
import { buildImage, composeImage, composeIndex, type ImageSpec } from '../../src/oci/image-builder.js';
import { createOciLayoutWriter, openOciLayout } from '../../src/oci/layout-dir.js';
import { MediaType } from '../../src/oci/media-types.js';
import { umoci } from '../support/umoci.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-builder-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const spec: ImageSpec = {
  created: new Date('2024-01-02T03:04:05Z'),
  layers: [
    [
      { path: 'usr/bin/app', content: '#!/bin/sh\necho app\n', mode: 0o755 },
      { path: 'usr/bin', type: 'directory' },
      { path: 'usr', type: 'directory' },
    ],
    [
      { path: 'etc/app.conf', content: 'level=info\n' },
      { path: 'usr/bin/app-alias', type: 'symlink', linkpath: 'app' },
    ],
  ],
  env: ['PATH=/usr/bin'],
  entrypoint: ['/usr/bin/app'],
  cmd: ['--serve'],
  labels: { b: '2', a: '1' },
};

test('the same spec gives byte-identical blobs and digests every time', () => {
  const a = composeImage(spec);
  const b = composeImage({
    ...spec,
    layers: spec.layers.map((l) => [...l].reverse()),
    labels: { a: '1', b: '2' },
  });
  assert.equal(a.descriptor.digest, b.descriptor.digest);
  assert.ok(a.manifestBytes.equals(b.manifestBytes));
  assert.ok(a.config.bytes.equals(b.config.bytes));
  assert.deepEqual(
    a.layers.map((l) => l.descriptor.digest),
    b.layers.map((l) => l.descriptor.digest),
  );
});

test('the uncompressed layer and config digests are pinned (they do not depend on zlib)', () => {
  const image = composeImage(spec);
  // Golden values: a change here changes every image vouch builds; update only on purpose.
  assert.deepEqual(
    image.layers.map((l) => l.diffId),
    [
      'sha256:3b4cae59c305e475c7cfd6279f8de7f5e496ec16a248ab71b8578ea8ed184350',
      'sha256:a6f8fc86f5387ba61ea694d289f7bbc78e43dee623aafa448bccb724940006fd',
    ],
  );
  assert.equal(
    image.config.descriptor.digest,
    'sha256:e24d227280482d8390537ca176d4ddbee485f49b43c8c56bd9025d5972cb2ec0',
  );
});

test('a different creation date gives different digests', () => {
  const later = composeImage({ ...spec, created: new Date('2024-01-02T03:04:06Z') });
  assert.notEqual(later.descriptor.digest, composeImage(spec).descriptor.digest);
});

test('diff_ids are the sha256 of the uncompressed tars, and layers are gzip with a zero mtime', () => {
  const image = composeImage(spec);
  const config = JSON.parse(image.config.bytes.toString()) as {
    rootfs: { type: string; diff_ids: string[] };
  };
  assert.equal(config.rootfs.type, 'layers');
  assert.deepEqual(
    config.rootfs.diff_ids,
    image.layers.map((l) => sha256Digest(gunzipSync(l.blob))),
  );
  for (const l of image.layers) {
    assert.deepEqual([...l.blob.subarray(0, 3)], [0x1f, 0x8b, 0x08]);
    assert.equal(l.blob.readUInt32LE(4), 0, 'gzip header mtime');
    assert.equal(l.descriptor.digest, sha256Digest(l.blob));
    assert.equal(l.descriptor.size, l.blob.length);
    assert.equal(l.descriptor.mediaType, MediaType.ociLayerGzip);
  }
});

test('the config carries platform, run settings, labels and one history entry per layer', () => {
  const image = composeImage({ ...spec, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } });
  const config = JSON.parse(image.config.bytes.toString()) as Record<string, unknown>;
  assert.equal(config['created'], '2024-01-02T03:04:05Z');
  assert.equal(config['architecture'], 'arm');
  assert.equal(config['variant'], 'v7');
  assert.equal(config['os'], 'linux');
  assert.deepEqual(config['config'], {
    Env: ['PATH=/usr/bin'],
    Entrypoint: ['/usr/bin/app'],
    Cmd: ['--serve'],
    Labels: { a: '1', b: '2' },
  });
  assert.equal((config['history'] as unknown[]).length, 2);
  assert.deepEqual(image.descriptor.platform, { os: 'linux', architecture: 'arm', variant: 'v7' });
});

test('docker format uses Docker v2 schema 2 media types', () => {
  const image = composeImage({ ...spec, format: 'docker' });
  assert.equal(image.descriptor.mediaType, MediaType.dockerManifest);
  assert.equal(image.config.descriptor.mediaType, MediaType.dockerConfig);
  assert.ok(image.layers.every((l) => l.descriptor.mediaType === MediaType.dockerLayerGzip));
});

test('two images for the same platform in one index are refused', () => {
  assert.throws(() => composeIndex([spec, spec]), { code: 'INPUT_MALFORMED' });
});

test('a file path that escapes the image root is refused', () => {
  assert.throws(() => composeImage({ ...spec, layers: [[{ path: '../etc/passwd', content: 'x' }]] }), {
    code: 'UNSAFE_PATH',
  });
});

test('buildImage into two layouts gives the same manifest digest, and umoci reads both layers', async (t) => {
  const dir = tempDir(t);
  const digests: string[] = [];
  for (const name of ['one', 'two']) {
    const writer = await createOciLayoutWriter(join(dir, name));
    digests.push((await buildImage(writer, { ...spec, tag: 'v1' })).descriptor.digest);
    await writer.commit();
  }
  assert.equal(digests[0], digests[1]);
  const stat = JSON.parse(await umoci(['stat', '--image', `${join(dir, 'one')}:v1`, '--json'])) as {
    history: { diff_id: string }[];
  };
  assert.deepEqual(
    stat.history.map((h) => h.diff_id),
    composeImage(spec).layers.map((l) => l.diffId),
  );
});

test('an image is not visible in a new layout until the writer commits', async (t) => {
  const layout = join(tempDir(t), 'layout');
  const writer = await createOciLayoutWriter(layout);
  await buildImage(writer, { ...spec, tag: 'v1' });
  await assert.rejects(openOciLayout(layout), { code: 'INPUT_MALFORMED' });
  await writer.commit();
  assert.deepEqual(await (await openOciLayout(layout)).listTags(), ['v1']);
});
