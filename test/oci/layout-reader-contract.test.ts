// One table of ImageReader behaviours run against every file-backed implementation (oci-dir and
// docker-archive), holding the same image. The registry client runs the same kind of cases in its own
// suite against a real registry.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256Digest } from '../../src/oci/digest.js';
import { openDockerArchive } from '../../src/oci/docker-archive.js';
import { buildImage, composeImage, type ImageSpec } from '../../src/oci/image-builder.js';
import type { ImageReader } from '../../src/oci/image-store.js';
import { createOciLayoutWriter, openOciLayout } from '../../src/oci/layout-dir.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { dockerSave } from '../support/docker-save.js';

const spec: ImageSpec = {
  created: new Date('2024-01-02T03:04:05Z'),
  layers: [[{ path: 'srv/index.html', content: '<h1>vouch</h1>\n' }]],
  format: 'docker',
};

interface Subject {
  name: string;
  open(dir: string): Promise<{ reader: ImageReader; tag: string }>;
}

const subjects: Subject[] = [
  {
    name: 'oci-dir',
    open: async (dir) => {
      const writer = await createOciLayoutWriter(join(dir, 'layout'));
      await buildImage(writer, { ...spec, format: 'oci', tag: '1.0' });
      await writer.commit();
      return { reader: await openOciLayout(join(dir, 'layout')), tag: '1.0' };
    },
  },
  {
    name: 'docker-archive',
    open: async (dir) => {
      const file = join(dir, 'save.tar');
      writeFileSync(file, dockerSave([{ image: composeImage(spec), repoTags: ['app:1.0'] }], 'oci'));
      return { reader: await openDockerArchive(file), tag: '1.0' };
    },
  },
];

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

for (const subject of subjects) {
  const setup = async (t: { after(fn: () => void): void }) => {
    const dir = mkdtempSync(join(tmpdir(), `vouch-contract-${subject.name}-`));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    return subject.open(dir);
  };

  test(`${subject.name}: a tag and the digest it resolves to fetch the same verified manifest`, async (t) => {
    const { reader, tag } = await setup(t);
    const byTag = await reader.fetchManifest(tag);
    assert.equal(sha256Digest(byTag.bytes), byTag.digest);
    const desc = await reader.resolve(tag);
    assert.equal(desc.digest, byTag.digest);
    assert.equal(desc.size, byTag.bytes.length);
    assert.ok((await reader.fetchManifest(byTag.digest)).bytes.equals(byTag.bytes));
  });

  test(`${subject.name}: every blob the manifest names streams with its digest`, async (t) => {
    const { reader, tag } = await setup(t);
    const fetched = await reader.fetchManifest(tag);
    const m = parseManifest(fetched.bytes, fetched.mediaType, subject.name);
    if (m.kind !== 'manifest') throw new Error('expected an image manifest');
    for (const d of [m.config, ...m.layers]) {
      assert.equal(sha256Digest(await readAll(await reader.fetchBlob(d))), d.digest);
    }
    assert.equal(sha256Digest(await reader.fetchBlobBytes(m.config)), m.config.digest);
  });

  test(`${subject.name}: an unknown tag is NOT_FOUND`, async (t) => {
    const { reader } = await setup(t);
    await assert.rejects(reader.fetchManifest('no-such-tag'), { code: 'NOT_FOUND' });
  });

  test(`${subject.name}: an unknown blob is NOT_FOUND`, async (t) => {
    const { reader } = await setup(t);
    await assert.rejects(
      (async () => readAll(await reader.fetchBlob({ digest: sha256Digest('absent'), size: 6 })))(),
      { code: 'NOT_FOUND' },
    );
  });

  test(`${subject.name}: fetchBlobBytes refuses a blob over the given cap before reading it`, async (t) => {
    const { reader, tag } = await setup(t);
    const fetched = await reader.fetchManifest(tag);
    const m = parseManifest(fetched.bytes, fetched.mediaType, subject.name);
    if (m.kind !== 'manifest') throw new Error('expected an image manifest');
    await assert.rejects(reader.fetchBlobBytes(m.config, 10), { code: 'INPUT_TOO_LARGE' });
  });

  test(`${subject.name}: the tag is listed and there are no referrers`, async (t) => {
    const { reader, tag } = await setup(t);
    assert.deepEqual(await reader.listTags(), [tag]);
    const digest = (await reader.resolve(tag)).digest;
    assert.deepEqual(await reader.referrers(digest), []);
  });
}
