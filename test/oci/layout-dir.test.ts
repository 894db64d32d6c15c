import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTar } from '../../src/archive/index.js';
import { type Digest, sha256Digest } from '../../src/oci/digest.js';
import { buildImage, buildIndex, type ImageSpec } from '../../src/oci/image-builder.js';
import { createOciLayoutWriter, openOciLayout, REF_NAME_ANNOTATION } from '../../src/oci/layout-dir.js';
import { formatPlatform, parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { skopeo, skopeoCopy, skopeoInspect, skopeoManifestDigest } from '../support/skopeo.js';
import { umoci, umociImage } from '../support/umoci.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-layout-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const created = new Date('2024-01-02T03:04:05Z');
const spec: ImageSpec = {
  created,
  layers: [[{ path: 'app/hello.txt', content: 'hello from vouch\n' }]],
  env: ['PATH=/usr/bin:/bin'],
  entrypoint: ['/app/run'],
  labels: { 'org.opencontainers.image.source': 'https://example.test/vouch' },
};

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

test('a layout made by umoci reads with the same manifest digest skopeo computes', async (t) => {
  const layout = join(tempDir(t), 'layout');
  await umociImage(layout, 'v1', { 'etc/motd': 'made by umoci\n' });
  const reader = await openOciLayout(layout);
  const m = await reader.fetchManifest('v1');
  assert.equal(m.digest, await skopeoManifestDigest(`oci:${layout}:v1`));
  assert.equal(sha256Digest(m.bytes), m.digest);
  const manifest = parseManifest(m.bytes, m.mediaType, 'umoci manifest');
  assert.equal(manifest.kind, 'manifest');
  if (manifest.kind !== 'manifest') return;
  const config = JSON.parse((await reader.fetchBlobBytes(manifest.config)).toString()) as {
    rootfs: { diff_ids: string[] };
  };
  assert.equal(config.rootfs.diff_ids.length, 1);
  const files = new Map<string, string>();
  const layerDesc = manifest.layers[0];
  assert.ok(layerDesc);
  for await (const e of readTar(await reader.fetchBlob(layerDesc), { what: 'umoci layer' })) {
    files.set(e.header.path, (await readAll(e.body)).toString());
  }
  assert.equal(files.get('etc/motd'), 'made by umoci\n');
});

test('tags of a umoci layout are listed from index.json', async (t) => {
  const layout = join(tempDir(t), 'layout');
  await umociImage(layout, 'one');
  await umociImage(layout, 'two', {}, { initLayout: false });
  const reader = await openOciLayout(layout);
  assert.deepEqual(await reader.listTags(), ['one', 'two']);
});

test('an image written by buildImage is accepted by skopeo inspect and umoci ls / stat', async (t) => {
  const layout = join(tempDir(t), 'layout');
  const writer = await createOciLayoutWriter(layout);
  const image = await buildImage(writer, { ...spec, tag: 'v1' });
  await writer.commit();

  const info = await skopeoInspect(`oci:${layout}:v1`);
  assert.equal(info['Digest'], image.descriptor.digest);
  assert.equal(info['Architecture'], 'amd64');
  assert.equal(info['Os'], 'linux');
  assert.deepEqual(info['Env'], ['PATH=/usr/bin:/bin']);
  assert.deepEqual(info['Labels'], { 'org.opencontainers.image.source': 'https://example.test/vouch' });
  assert.equal((await umoci(['ls', '--layout', layout])).trim(), 'v1');
  const stat = JSON.parse(await umoci(['stat', '--image', `${layout}:v1`, '--json'])) as {
    history: unknown[];
  };
  assert.equal(stat.history.length, 1);
});

test('skopeo copies an image written by buildImage out of the layout byte for byte', async (t) => {
  const dir = tempDir(t);
  const layout = join(dir, 'layout');
  const writer = await createOciLayoutWriter(layout);
  const image = await buildImage(writer, { ...spec, tag: 'v1' });
  await writer.commit();
  await skopeoCopy(`oci:${layout}:v1`, `dir:${join(dir, 'out')}`);
  assert.ok(readFileSync(join(dir, 'out', 'manifest.json')).equals(image.manifestBytes));
  const layer = image.layers[0];
  assert.ok(layer);
  assert.ok(
    readFileSync(join(dir, 'out', layer.descriptor.digest.slice('sha256:'.length))).equals(layer.blob),
  );
});

test('a multi-platform index from buildIndex reads back with its platforms, as skopeo sees it', async (t) => {
  const layout = join(tempDir(t), 'layout');
  const writer = await createOciLayoutWriter(layout);
  const index = await buildIndex(
    writer,
    [
      { ...spec, platform: { os: 'linux', architecture: 'amd64' } },
      { ...spec, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ],
    { tag: 'multi' },
  );
  await writer.commit();
  const reader = await openOciLayout(layout);
  const fetched = await reader.fetchManifest('multi');
  assert.equal(fetched.digest, index.descriptor.digest);
  assert.equal(fetched.digest, await skopeoManifestDigest(`oci:${layout}:multi`));
  const parsed = parseManifest(fetched.bytes, fetched.mediaType, 'index');
  assert.equal(parsed.kind, 'index');
  if (parsed.kind !== 'index') return;
  assert.deepEqual(
    parsed.manifests.map((d) => (d.platform ? formatPlatform(d.platform) : '')),
    ['linux/amd64', 'linux/arm64/v8'],
  );
  // The per-platform manifests are reachable by digest, but only the index is listed in index.json.
  const child = parsed.manifests[1];
  assert.ok(child);
  assert.equal((await reader.fetchManifest(child.digest)).digest, child.digest);
  assert.deepEqual(
    reader.entries.map((e) => e.digest),
    [index.descriptor.digest],
  );
  const arm = JSON.parse(
    (
      await skopeo(['--override-arch', 'arm64', '--override-variant', 'v8', 'inspect', `oci:${layout}:multi`])
    ).toString(),
  ) as Record<string, unknown>;
  assert.equal(arm['Digest'], index.descriptor.digest); // skopeo reports the index digest, then the chosen config
  assert.equal(arm['Architecture'], 'arm64');
});

test('committing into an existing umoci layout keeps its tags and adds the new one', async (t) => {
  const layout = join(tempDir(t), 'layout');
  await umociImage(layout, 'old');
  const writer = await createOciLayoutWriter(layout);
  await buildImage(writer, { ...spec, tag: 'new' });
  await writer.commit();
  const reader = await openOciLayout(layout);
  assert.deepEqual(await reader.listTags(), ['new', 'old']);
  assert.equal((await umoci(['ls', '--layout', layout])).trim().split('\n').sort().join(','), 'new,old');
});

test('writing a tag again moves it to the new manifest', async (t) => {
  const layout = join(tempDir(t), 'layout');
  const w1 = await createOciLayoutWriter(layout);
  await buildImage(w1, { ...spec, tag: 'latest' });
  await w1.commit();
  const w2 = await createOciLayoutWriter(layout);
  const second = await buildImage(w2, { ...spec, env: ['CHANGED=1'], tag: 'latest' });
  await w2.commit();
  const reader = await openOciLayout(layout);
  assert.equal(reader.entries.length, 1);
  assert.equal((await reader.resolve('latest')).digest, second.descriptor.digest);
});

test('a referrer written without a tag is listed in index.json and found by referrers()', async (t) => {
  const layout = join(tempDir(t), 'layout');
  const writer = await createOciLayoutWriter(layout);
  const image = await buildImage(writer, { ...spec, tag: 'v1' });
  const empty = Buffer.from('{}');
  await writer.putBlob({ digest: sha256Digest(empty), size: 2 }, empty);
  const sbom = Buffer.from('{"bomFormat":"CycloneDX"}');
  await writer.putBlob({ digest: sha256Digest(sbom), size: sbom.length }, sbom);
  const referrer = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: MediaType.cyclonedxJson,
      config: { mediaType: MediaType.ociEmpty, digest: sha256Digest(empty), size: 2 },
      layers: [{ mediaType: MediaType.cyclonedxJson, digest: sha256Digest(sbom), size: sbom.length }],
      subject: {
        mediaType: image.descriptor.mediaType,
        digest: image.descriptor.digest,
        size: image.descriptor.size,
      },
      annotations: { 'org.opencontainers.image.created': '2024-01-02T03:04:05Z' },
    }),
  );
  const referrerDigest = await writer.putManifest(referrer, MediaType.ociManifest);
  await writer.commit();

  const reader = await openOciLayout(layout);
  const found = await reader.referrers(image.descriptor.digest);
  assert.deepEqual(
    found.map((d) => [d.digest, d.artifactType]),
    [[referrerDigest, MediaType.cyclonedxJson]],
  );
  assert.deepEqual(await reader.referrers(image.descriptor.digest, MediaType.spdxJson), []);
  assert.deepEqual(await reader.referrers(referrerDigest), []);
});

test('referrers() also reads the sha256-<hex> fallback tag index', async (t) => {
  const layout = join(tempDir(t), 'layout');
  const writer = await createOciLayoutWriter(layout);
  const image = await buildImage(writer, { ...spec, tag: 'v1' });
  const sig = await buildImage(writer, { ...spec, layers: [], labels: { kind: 'signature' } });
  const fallback = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          ...sig.descriptor,
          platform: undefined,
          artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
        },
      ],
    }),
  );
  await writer.putManifest(fallback, MediaType.ociIndex, `sha256-${image.descriptor.digest.slice(7)}`);
  await writer.commit();
  const reader = await openOciLayout(layout);
  const found = await reader.referrers(image.descriptor.digest);
  assert.deepEqual(
    found.map((d) => d.digest),
    [sig.descriptor.digest],
  );
});

test('abort removes a layout directory the writer created, leaving nothing behind', async (t) => {
  const dir = tempDir(t);
  const layout = join(dir, 'new', 'layout');
  const writer = await createOciLayoutWriter(layout);
  await buildImage(writer, { ...spec, tag: 'v1' });
  await writer.abort();
  assert.equal(existsSync(join(dir, 'new')), false);
});

test('abort on an existing layout removes only the blobs it added and leaves index.json as it was', async (t) => {
  const layout = join(tempDir(t), 'layout');
  await umociImage(layout, 'keep', { 'a.txt': 'a' });
  const before = readdirSync(join(layout, 'blobs', 'sha256')).sort();
  const indexBefore = readFileSync(join(layout, 'index.json'));
  const writer = await createOciLayoutWriter(layout);
  await buildImage(writer, { ...spec, tag: 'v1' });
  assert.ok(readdirSync(join(layout, 'blobs', 'sha256')).length > before.length);
  await writer.abort();
  assert.deepEqual(readdirSync(join(layout, 'blobs', 'sha256')).sort(), before);
  assert.ok(readFileSync(join(layout, 'index.json')).equals(indexBefore));
});

test('parallel putBlob calls for different blobs all land, with no temp files left', async (t) => {
  const layout = join(tempDir(t), 'layout');
  const writer = await createOciLayoutWriter(layout);
  const blobs = Array.from({ length: 24 }, (_, i) => Buffer.from(`blob number ${i}\n`.repeat(1000 + i)));
  await Promise.all(blobs.map((b) => writer.putBlob({ digest: sha256Digest(b), size: b.length }, b)));
  await writer.commit();
  const names = readdirSync(join(layout, 'blobs', 'sha256'));
  assert.equal(names.length, 24);
  assert.ok(names.every((n) => /^[a-f0-9]{64}$/.test(n)));
  const reader = await openOciLayout(layout);
  for (const b of blobs) {
    const d = sha256Digest(b) as Digest;
    assert.ok((await readAll(await reader.fetchBlob({ digest: d, size: b.length }))).equals(b));
  }
});

test('index.json written by commit names each tag with the ref.name annotation', async (t) => {
  const layout = join(tempDir(t), 'layout');
  const writer = await createOciLayoutWriter(layout);
  const image = await buildImage(writer, { ...spec, tag: 'v1' });
  await writer.commit();
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(index['manifests'], [
    {
      mediaType: MediaType.ociManifest,
      digest: image.descriptor.digest,
      size: image.descriptor.size,
      annotations: { [REF_NAME_ANNOTATION]: 'v1' },
    },
  ]);
  assert.deepEqual(JSON.parse(readFileSync(join(layout, 'oci-layout'), 'utf8')), {
    imageLayoutVersion: '1.0.0',
  });
});
