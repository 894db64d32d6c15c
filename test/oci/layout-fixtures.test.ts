import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { type LayerSource, walkLayers } from '../../src/archive/index.js';
import { openDockerArchive } from '../../src/oci/docker-archive.js';
import { openOciLayout } from '../../src/oci/layout-dir.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { skopeoManifestDigest } from '../support/skopeo.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'oci');
const LAYOUT = join(FIXTURES, 'umoci-layout');
const ARCHIVE = join(FIXTURES, 'skopeo-docker-archive.tar');
// `skopeo inspect --raw oci:test/fixtures/oci/umoci-layout:1.0 | sha256sum` when the fixture was made.
const FIXTURE_MANIFEST = 'sha256:97b56d6be952b1685dc25a1866fb3ab91d4e8732aedbf95b39e3d37ca0bba28c';

test('the committed umoci layout resolves both tags to the digest skopeo computes', async () => {
  const reader = await openOciLayout(LAYOUT);
  assert.deepEqual(await reader.listTags(), ['1.0', 'latest']);
  assert.equal((await reader.resolve('1.0')).digest, FIXTURE_MANIFEST);
  assert.equal((await reader.fetchManifest('latest')).digest, FIXTURE_MANIFEST);
  assert.equal(await skopeoManifestDigest(`oci:${LAYOUT}:1.0`), FIXTURE_MANIFEST);
});

test('the committed umoci layout has the files, env and label umoci put in it', async () => {
  const reader = await openOciLayout(LAYOUT);
  const fetched = await reader.fetchManifest('1.0');
  const manifest = parseManifest(fetched.bytes, fetched.mediaType, 'fixture');
  if (manifest.kind !== 'manifest') throw new Error('expected an image manifest');
  const config = JSON.parse((await reader.fetchBlobBytes(manifest.config)).toString()) as {
    config: { Env?: string[]; Labels?: Record<string, string> };
  };
  assert.ok(config.config.Env?.includes('FIXTURE=1'));
  assert.equal(config.config.Labels?.['org.opencontainers.image.title'], 'vouch-fixture');
  const layers: LayerSource[] = manifest.layers.map((d) => ({
    digest: d.digest,
    open: () => reader.fetchBlob(d),
  }));
  const files = new Map<string, string>();
  for await (const e of walkLayers(layers, { what: 'fixture' })) {
    const chunks: Buffer[] = [];
    for await (const c of e.body) chunks.push(c as Buffer);
    if (e.header.type === 'file') files.set(e.header.path, Buffer.concat(chunks).toString());
  }
  assert.match(files.get('etc/os-release') ?? '', /^ID=vouch-fixture$/m);
  assert.equal(files.get('usr/share/doc/fixture/README'), 'A file placed by umoci repack.\n');
});

test('the committed skopeo docker-archive gives the manifest skopeo synthesizes, over the same config and layer', async () => {
  const archive = await openDockerArchive(ARCHIVE);
  const fetched = await archive.fetchManifest('example.test/fixture:1.0');
  assert.equal(fetched.digest, await skopeoManifestDigest(`docker-archive:${ARCHIVE}`));
  const fromArchive = parseManifest(fetched.bytes, fetched.mediaType, 'archive');
  const layout = await openOciLayout(LAYOUT);
  const fromLayout = parseManifest((await layout.fetchManifest('1.0')).bytes, undefined, 'layout');
  if (fromArchive.kind !== 'manifest' || fromLayout.kind !== 'manifest')
    throw new Error('expected image manifests');
  assert.equal(fromArchive.config.digest, fromLayout.config.digest);
  const config = JSON.parse((await layout.fetchBlobBytes(fromLayout.config)).toString()) as {
    rootfs: { diff_ids: string[] };
  };
  assert.deepEqual(
    fromArchive.layers.map((l) => l.digest),
    config.rootfs.diff_ids,
  );
  assert.deepEqual(await archive.listTags(), ['1.0']);
});
