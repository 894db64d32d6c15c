import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { writeTar } from '../../src/archive/index.js';
import { digestHex, sha256Digest } from '../../src/oci/digest.js';
import { openDockerArchive } from '../../src/oci/docker-archive.js';
import { buildImage, composeImage, type ImageSpec } from '../../src/oci/image-builder.js';
import { createOciLayoutWriter, openOciLayout } from '../../src/oci/layout-dir.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { dockerSave } from '../support/docker-save.js';
import { skopeoCopy, skopeoManifestDigest } from '../support/skopeo.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-docker-archive-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

const spec: ImageSpec = {
  created: new Date('2024-01-02T03:04:05Z'),
  layers: [[{ path: 'app/one.txt', content: 'one\n' }], [{ path: 'app/two.txt', content: 'two\n' }]],
  format: 'docker',
};

for (const format of ['legacy', 'oci'] as const) {
  test(`a ${format} docker save archive reads as a schema 2 image with diff_ids as layer digests`, async (t) => {
    const image = composeImage(spec);
    const file = join(tempDir(t), 'save.tar');
    writeFileSync(file, dockerSave([{ image, repoTags: ['example.test/app:1.0'] }], format));
    const reader = await openDockerArchive(file);
    const fetched = await reader.fetchManifest('1.0');
    assert.equal(fetched.mediaType, MediaType.dockerManifest);
    const manifest = parseManifest(fetched.bytes, fetched.mediaType, 'synthesized');
    assert.equal(manifest.kind, 'manifest');
    if (manifest.kind !== 'manifest') return;
    assert.equal(manifest.config.digest, image.config.descriptor.digest);
    assert.deepEqual(
      manifest.layers.map((l) => l.digest),
      image.layers.map((l) => l.diffId),
    );
    assert.ok((await reader.fetchBlobBytes(manifest.config)).equals(image.config.bytes));
    // Read out of order: each blob is a slice of the file, not a re-walk of the archive.
    for (const i of [1, 0]) {
      const desc = manifest.layers[i];
      assert.ok(desc);
      assert.ok(
        (await readAll(await reader.fetchBlob(desc))).equals(image.layers[i]?.tar ?? Buffer.alloc(0)),
      );
    }
    assert.deepEqual(await reader.listTags(), ['1.0']);
    assert.deepEqual(await reader.referrers(), []);
    assert.equal((await reader.resolve(fetched.digest)).digest, fetched.digest);
  });
}

test('an archive written by skopeo reads with the manifest digest skopeo reports', async (t) => {
  const dir = tempDir(t);
  const layout = join(dir, 'layout');
  const writer = await createOciLayoutWriter(layout);
  await buildImage(writer, { ...spec, format: 'oci', tag: 'v1' });
  await writer.commit();
  const file = join(dir, 'skopeo.tar');
  await skopeoCopy(`oci:${layout}:v1`, `docker-archive:${file}:example.test/app:2.0`);

  const reader = await openDockerArchive(file);
  const fetched = await reader.fetchManifest('example.test/app:2.0');
  assert.equal(fetched.digest, await skopeoManifestDigest(`docker-archive:${file}`));
  const manifest = parseManifest(fetched.bytes, fetched.mediaType, 'skopeo archive');
  assert.equal(manifest.kind, 'manifest');
  if (manifest.kind !== 'manifest') return;
  for (const l of manifest.layers)
    assert.equal(sha256Digest(await readAll(await reader.fetchBlob(l))), l.digest);
});

test('an image read from a docker archive copies blob by blob into an OCI layout', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'save.tar');
  writeFileSync(file, dockerSave([{ image: composeImage(spec), repoTags: ['app:1.0'] }], 'legacy'));
  const reader = await openDockerArchive(file);
  const fetched = await reader.fetchManifest('app:1.0');
  const manifest = parseManifest(fetched.bytes, fetched.mediaType, 'archive');
  if (manifest.kind !== 'manifest') throw new Error('expected an image manifest');
  const writer = await createOciLayoutWriter(join(dir, 'layout'));
  for (const d of [manifest.config, ...manifest.layers]) await writer.putBlob(d, await reader.fetchBlob(d));
  await writer.putManifest(fetched.bytes, fetched.mediaType, 'copied');
  await writer.commit();
  // skopeo's oci: transport only resolves tags on OCI media types, so the copy is checked with our reader.
  const copied = await openOciLayout(join(dir, 'layout'));
  assert.equal((await copied.fetchManifest('copied')).digest, fetched.digest);
  for (const d of manifest.layers)
    assert.equal(sha256Digest(await readAll(await copied.fetchBlob(d))), d.digest);
});

test('the image of a multi-image archive is chosen by any spelling of its tag', async (t) => {
  const a = composeImage(spec);
  const b = composeImage({ ...spec, env: ['B=1'] });
  const file = join(tempDir(t), 'two.tar');
  writeFileSync(
    file,
    dockerSave(
      [
        { image: a, repoTags: ['app:a'] },
        { image: b, repoTags: ['docker.io/library/app:b'] },
      ],
      'legacy',
    ),
  );
  const chosen = await openDockerArchive(file, { tag: 'app:b' });
  const m = parseManifest((await chosen.fetchManifest('b')).bytes, MediaType.dockerManifest, 'x');
  assert.equal(m.kind === 'manifest' ? m.config.digest : '', b.config.descriptor.digest);
  await assert.rejects(openDockerArchive(file), { code: 'USAGE' });
  await assert.rejects(openDockerArchive(file, { tag: 'app:c' }), { code: 'NOT_FOUND' });
});

test('tags come from the legacy repositories file when manifest.json has none', async (t) => {
  const image = composeImage(spec);
  const file = join(tempDir(t), 'legacy.tar');
  const top = digestHex(image.layers[1]?.diffId ?? sha256Digest(''));
  const manifest = [
    {
      Config: `${digestHex(image.config.descriptor.digest)}.json`,
      RepoTags: null,
      Layers: image.layers.map((l) => `${digestHex(l.diffId)}/layer.tar`),
    },
  ];
  writeFileSync(
    file,
    writeTar(
      [
        { path: 'manifest.json', type: 'file', content: JSON.stringify(manifest) },
        { path: 'repositories', type: 'file', content: JSON.stringify({ 'old/app': { stable: top } }) },
        {
          path: `${digestHex(image.config.descriptor.digest)}.json`,
          type: 'file',
          content: image.config.bytes,
        },
        ...image.layers.map((l) => ({
          path: `${digestHex(l.diffId)}/layer.tar`,
          type: 'file' as const,
          content: l.tar,
        })),
      ],
      { mtime: 0 },
    ),
  );
  const reader = await openDockerArchive(file);
  assert.deepEqual(await reader.listTags(), ['stable']);
});

test('a gzip-compressed layer inside the archive gets the digest of its compressed bytes', async (t) => {
  const image = composeImage(spec);
  const gz = image.layers.map((l) => gzipSync(l.tar));
  const file = join(tempDir(t), 'gz.tar');
  const configName = `${digestHex(image.config.descriptor.digest)}.json`;
  writeFileSync(
    file,
    writeTar(
      [
        {
          path: 'manifest.json',
          type: 'file',
          content: JSON.stringify([
            { Config: configName, RepoTags: ['app:gz'], Layers: ['l0.tar.gz', 'l1.tar.gz'] },
          ]),
        },
        { path: configName, type: 'file', content: image.config.bytes },
        { path: 'l0.tar.gz', type: 'file', content: gz[0] ?? Buffer.alloc(0) },
        { path: 'l1.tar.gz', type: 'file', content: gz[1] ?? Buffer.alloc(0) },
      ],
      { mtime: 0 },
    ),
  );
  const reader = await openDockerArchive(file);
  const m = parseManifest((await reader.fetchManifest('gz')).bytes, MediaType.dockerManifest, 'x');
  if (m.kind !== 'manifest') throw new Error('expected an image manifest');
  assert.deepEqual(
    m.layers.map((l) => l.digest),
    gz.map((b) => sha256Digest(b)),
  );
  assert.ok(
    (await readAll(await reader.fetchBlob(m.layers[0] ?? m.config))).equals(gz[0] ?? Buffer.alloc(0)),
  );
});
