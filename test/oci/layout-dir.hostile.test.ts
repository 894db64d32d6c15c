import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { type Digest, sha256Digest } from '../../src/oci/digest.js';
import { buildImage, type ComposedImage } from '../../src/oci/image-builder.js';
import { blobPath, createOciLayoutWriter, openOciLayout } from '../../src/oci/layout-dir.js';
import { MediaType } from '../../src/oci/media-types.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-layout-hostile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function drain(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const c of stream) n += c.length;
  return n;
}

async function layoutWithImage(t: {
  after(fn: () => void): void;
}): Promise<{ layout: string; image: ComposedImage }> {
  const layout = join(tempDir(t), 'layout');
  const writer = await createOciLayoutWriter(layout);
  const image = await buildImage(writer, {
    created: new Date('2024-01-02T03:04:05Z'),
    layers: [[{ path: 'bin/tool', content: 'x'.repeat(10_000) }]],
    tag: 'v1',
  });
  await writer.commit();
  return { layout, image };
}

function flipByte(path: string, at: number): void {
  const bytes = readFileSync(path);
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  writeFileSync(path, bytes);
}

test('a layer blob corrupted at rest fails with DIGEST_MISMATCH naming both digests', async (t) => {
  const { layout, image } = await layoutWithImage(t);
  const layer = image.layers[0];
  assert.ok(layer);
  flipByte(blobPath(layout, layer.descriptor.digest), 100);
  const reader = await openOciLayout(layout);
  await assert.rejects(
    drain(await reader.fetchBlob(layer.descriptor)),
    (e: { code?: string; message: string }) => {
      assert.equal(e.code, 'DIGEST_MISMATCH');
      assert.ok(e.message.includes(layer.descriptor.digest), 'names the expected digest');
      assert.match(e.message, /hashes to sha256:[a-f0-9]{64}/);
      return true;
    },
  );
});

test('a manifest corrupted at rest fails with DIGEST_MISMATCH', async (t) => {
  const { layout, image } = await layoutWithImage(t);
  const path = blobPath(layout, image.descriptor.digest);
  writeFileSync(path, readFileSync(path, 'utf8').replace('"schemaVersion":2', '"schemaVersion":3'));
  const reader = await openOciLayout(layout);
  await assert.rejects(reader.fetchManifest('v1'), { code: 'DIGEST_MISMATCH' });
});

test('a config corrupted at rest fails fetchBlobBytes with DIGEST_MISMATCH', async (t) => {
  const { layout, image } = await layoutWithImage(t);
  flipByte(blobPath(layout, image.config.descriptor.digest), 5);
  const reader = await openOciLayout(layout);
  await assert.rejects(reader.fetchBlobBytes(image.config.descriptor), { code: 'DIGEST_MISMATCH' });
});

test('a truncated blob fails with SIZE_MISMATCH', async (t) => {
  const { layout, image } = await layoutWithImage(t);
  const layer = image.layers[0];
  assert.ok(layer);
  truncateSync(blobPath(layout, layer.descriptor.digest), 10);
  const reader = await openOciLayout(layout);
  await assert.rejects((async () => drain(await reader.fetchBlob(layer.descriptor)))(), {
    code: 'SIZE_MISMATCH',
  });
});

test('a missing index.json is INPUT_MALFORMED with a hint', async (t) => {
  const { layout } = await layoutWithImage(t);
  unlinkSync(join(layout, 'index.json'));
  await assert.rejects(openOciLayout(layout), (e: { code?: string; hint?: string }) => {
    assert.equal(e.code, 'INPUT_MALFORMED');
    assert.match(e.hint ?? '', /index\.json/);
    return true;
  });
});

test('a directory without oci-layout is INPUT_MALFORMED', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
  await assert.rejects(openOciLayout(dir), { code: 'INPUT_MALFORMED' });
});

test('a layout directory that does not exist is FILE_NOT_FOUND', async (t) => {
  await assert.rejects(openOciLayout(join(tempDir(t), 'nope')), { code: 'FILE_NOT_FOUND' });
});

test('an index.json that is not JSON is INPUT_MALFORMED', async (t) => {
  const { layout } = await layoutWithImage(t);
  writeFileSync(join(layout, 'index.json'), '{"schemaVersion":2,');
  await assert.rejects(openOciLayout(layout), { code: 'INPUT_MALFORMED' });
});

test('an index.json entry whose digest is a path is INPUT_MALFORMED, never a file read', async (t) => {
  const { layout } = await layoutWithImage(t);
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: MediaType.ociManifest, digest: 'sha256:../../../../etc/passwd', size: 10 }],
    }),
  );
  await assert.rejects(openOciLayout(layout), { code: 'INPUT_MALFORMED' });
});

test('a crafted digest cannot name a path outside blobs/', async (t) => {
  const { layout } = await layoutWithImage(t);
  const reader = await openOciLayout(layout);
  assert.throws(() => blobPath(layout, 'sha256:../../../etc/passwd'), { code: 'DIGEST_INVALID' });
  await assert.rejects(reader.fetchBlob({ digest: '../../../../etc/passwd' as Digest, size: 1 }), {
    code: 'DIGEST_INVALID',
  });
  await assert.rejects(reader.fetchManifest('sha256:/etc/passwd'), { code: 'NOT_FOUND' });
});

test('a manifest larger than the lowered manifest limit is INPUT_TOO_LARGE', async (t) => {
  const { layout, image } = await layoutWithImage(t);
  const indexSize = readFileSync(join(layout, 'index.json')).length;
  assert.ok(image.manifestBytes.length > indexSize);
  const reader = await openOciLayout(layout, { limits: { manifestMaxBytes: indexSize } });
  await assert.rejects(reader.fetchManifest('v1'), { code: 'INPUT_TOO_LARGE' });
});

test('a blob that is a symlink out of the layout is refused as UNSAFE_PATH', async (t) => {
  const { layout, image } = await layoutWithImage(t);
  const path = blobPath(layout, image.config.descriptor.digest);
  unlinkSync(path);
  symlinkSync('/etc/hostname', path);
  const reader = await openOciLayout(layout);
  await assert.rejects(reader.fetchBlobBytes(image.config.descriptor), { code: 'UNSAFE_PATH' });
});

test('a missing blob is NOT_FOUND', async (t) => {
  const { layout, image } = await layoutWithImage(t);
  unlinkSync(blobPath(layout, image.config.descriptor.digest));
  const reader = await openOciLayout(layout);
  await assert.rejects(reader.fetchBlobBytes(image.config.descriptor), { code: 'NOT_FOUND' });
});

test('an unknown tag is NOT_FOUND with the tags that exist in the hint', async (t) => {
  const { layout } = await layoutWithImage(t);
  const reader = await openOciLayout(layout);
  await assert.rejects(reader.fetchManifest('v2'), (e: { code?: string; hint?: string }) => {
    assert.equal(e.code, 'NOT_FOUND');
    assert.match(e.hint ?? '', /v1/);
    return true;
  });
});

test('putBlob of bytes that do not match the digest fails and leaves no file behind', async (t) => {
  const layout = join(tempDir(t), 'layout');
  const writer = await createOciLayoutWriter(layout);
  const claimed = sha256Digest('what the manifest promised');
  await assert.rejects(writer.putBlob({ digest: claimed, size: 7 }, Buffer.from('tampere')), {
    code: 'DIGEST_MISMATCH',
  });
  assert.deepEqual(readdirSync(join(layout, 'blobs', 'sha256')), []);
  assert.equal(await writer.hasBlob(claimed), false);
});

test('putBlob of a stream longer than its size fails with SIZE_MISMATCH and leaves no file behind', async (t) => {
  const layout = join(tempDir(t), 'layout');
  const writer = await createOciLayoutWriter(layout);
  const data = Buffer.from('0123456789');
  await assert.rejects(writer.putBlob({ digest: sha256Digest(data), size: 5 }, Readable.from([data])), {
    code: 'SIZE_MISMATCH',
  });
  assert.deepEqual(readdirSync(join(layout, 'blobs', 'sha256')), []);
});

test('putManifest of bytes that are not a manifest is INPUT_MALFORMED', async (t) => {
  const writer = await createOciLayoutWriter(join(tempDir(t), 'layout'));
  await assert.rejects(writer.putManifest(Buffer.from('not json'), MediaType.ociManifest, 'x'), {
    code: 'INPUT_MALFORMED',
  });
});

test('a writer refuses a non-empty directory that is not a layout', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'home'));
  writeFileSync(join(dir, 'home', 'important.txt'), 'do not touch');
  await assert.rejects(createOciLayoutWriter(join(dir, 'home')), { code: 'INPUT_MALFORMED' });
});
