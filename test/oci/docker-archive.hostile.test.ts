import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { encodeHeader, padding, TAR_END, type TarWriteEntry, writeTar } from '../../src/archive/index.js';
import { digestHex, sha256Digest } from '../../src/oci/digest.js';
import { openDockerArchive } from '../../src/oci/docker-archive.js';
import { composeImage } from '../../src/oci/image-builder.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { runCli } from '../support/cli.js';
import { dockerSave } from '../support/docker-save.js';

function tempFile(t: { after(fn: () => void): void }, bytes: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-docker-archive-hostile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'archive.tar');
  writeFileSync(file, bytes);
  return file;
}

async function drain(stream: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _ of stream) {
    // consume
  }
}

const image = composeImage({
  created: new Date('2024-01-02T03:04:05Z'),
  layers: [[{ path: 'a.txt', content: 'a' }]],
  format: 'docker',
});
const configName = `${digestHex(image.config.descriptor.digest)}.json`;
const layerTar = image.layers[0]?.tar ?? Buffer.alloc(0);

function archive(
  entries: TarWriteEntry[],
  manifest: unknown = [{ Config: configName, RepoTags: ['app:1'], Layers: ['layer.tar'] }],
) {
  return writeTar(
    [
      { path: 'manifest.json', type: 'file', content: JSON.stringify(manifest) },
      { path: configName, type: 'file', content: image.config.bytes },
      ...entries,
    ],
    { mtime: 0 },
  );
}

test('an archive entry that climbs out of the root is refused as UNSAFE_PATH', async (t) => {
  const good = dockerSave([{ image, repoTags: ['app:1'] }], 'legacy');
  const evil = Buffer.concat([
    good.subarray(0, good.length - 1024),
    encodeHeader({ name: '../../etc/cron.d/evil', typeflag: '0', size: 1 }),
    Buffer.from('x'),
    padding(1),
    TAR_END,
  ]);
  await assert.rejects(openDockerArchive(tempFile(t, evil)), { code: 'UNSAFE_PATH' });
});

test('a layer symlink that points outside the archive is refused as UNSAFE_PATH', async (t) => {
  const file = tempFile(
    t,
    archive([{ path: 'layer.tar', type: 'symlink', linkpath: '../../../var/lib/secret.tar' }]),
  );
  await assert.rejects(openDockerArchive(file), { code: 'UNSAFE_PATH' });
});

test('a config whose diff_ids lie about a layer fails that layer read with DIGEST_MISMATCH', async (t) => {
  const tampered = Buffer.concat([layerTar.subarray(0, 600), Buffer.from('X'), layerTar.subarray(601)]);
  const file = tempFile(t, archive([{ path: 'layer.tar', type: 'file', content: tampered }]));
  const reader = await openDockerArchive(file);
  const m = parseManifest((await reader.fetchManifest('app:1')).bytes, MediaType.dockerManifest, 'x');
  if (m.kind !== 'manifest') throw new Error('expected an image manifest');
  const layer = m.layers[0];
  assert.ok(layer);
  await assert.rejects(drain(await reader.fetchBlob(layer)), { code: 'DIGEST_MISMATCH' });
});

test('copy of an archive whose diff_ids lie about a layer fails with DIGEST_MISMATCH and leaves no output', async (t) => {
  const tampered = Buffer.concat([layerTar.subarray(0, 600), Buffer.from('X'), layerTar.subarray(601)]);
  const file = tempFile(t, archive([{ path: 'layer.tar', type: 'file', content: tampered }]));
  const dst = join(file, '..', 'out');
  const r = await runCli(['copy', `docker-archive:${file}`, `oci-dir:${dst}`]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /content hashes to sha256:/);
  assert.doesNotMatch(r.stderr, /Unhandled|at .*\.ts:\d+/);
  assert.equal(existsSync(dst), false);
});

test('an archive without manifest.json is INPUT_MALFORMED', async (t) => {
  const file = tempFile(t, writeTar([{ path: 'layer.tar', type: 'file', content: layerTar }], { mtime: 0 }));
  await assert.rejects(openDockerArchive(file), { code: 'INPUT_MALFORMED' });
});

test('a manifest.json naming a layer the archive lacks is INPUT_MALFORMED', async (t) => {
  await assert.rejects(openDockerArchive(tempFile(t, archive([]))), { code: 'INPUT_MALFORMED' });
});

test('a manifest.json of the wrong shape lists the bad fields', async (t) => {
  const file = tempFile(t, archive([], [{ Config: 7, RepoTags: 'app:1', Layers: [1] }]));
  await assert.rejects(openDockerArchive(file), (e: { code?: string; fields?: readonly string[] }) => {
    assert.equal(e.code, 'INPUT_MALFORMED');
    assert.deepEqual(e.fields, ['[0].Config', '[0].RepoTags', '[0].Layers']);
    return true;
  });
});

test('a config listing another number of diff_ids than layers is INPUT_MALFORMED', async (t) => {
  const file = tempFile(
    t,
    archive(
      [
        { path: 'layer.tar', type: 'file', content: layerTar },
        { path: 'extra.tar', type: 'file', content: layerTar },
      ],
      [{ Config: configName, RepoTags: [], Layers: ['layer.tar', 'extra.tar'] }],
    ),
  );
  await assert.rejects(openDockerArchive(file), { code: 'INPUT_MALFORMED' });
});

test('links that loop are INPUT_MALFORMED', async (t) => {
  const file = tempFile(
    t,
    archive([
      { path: 'layer.tar', type: 'symlink', linkpath: 'b.tar' },
      { path: 'b.tar', type: 'symlink', linkpath: 'layer.tar' },
    ]),
  );
  await assert.rejects(openDockerArchive(file), { code: 'INPUT_MALFORMED' });
});

test('a gzip-compressed archive is UNSUPPORTED with a hint to decompress it', async (t) => {
  const file = tempFile(t, gzipSync(dockerSave([{ image, repoTags: ['app:1'] }], 'legacy')));
  await assert.rejects(openDockerArchive(file), (e: { code?: string; hint?: string }) => {
    assert.equal(e.code, 'UNSUPPORTED');
    assert.match(e.hint ?? '', /decompress/);
    return true;
  });
});

test('a truncated archive is INPUT_MALFORMED', async (t) => {
  const whole = dockerSave([{ image, repoTags: ['app:1'] }], 'oci');
  await assert.rejects(openDockerArchive(tempFile(t, whole.subarray(0, whole.length - 1500))), {
    code: 'INPUT_MALFORMED',
  });
});

test('an archive file that does not exist is FILE_NOT_FOUND', async () => {
  await assert.rejects(openDockerArchive(join(tmpdir(), 'vouch-no-such-archive.tar')), {
    code: 'FILE_NOT_FOUND',
  });
});

test('a manifest digest other than the synthesized one is NOT_FOUND', async (t) => {
  const reader = await openDockerArchive(tempFile(t, dockerSave([{ image, repoTags: ['app:1'] }], 'legacy')));
  await assert.rejects(reader.fetchManifest(sha256Digest('another manifest')), { code: 'NOT_FOUND' });
});

test('a blob asked for with the wrong size is SIZE_MISMATCH', async (t) => {
  const reader = await openDockerArchive(tempFile(t, dockerSave([{ image, repoTags: ['app:1'] }], 'legacy')));
  await assert.rejects(reader.fetchBlob({ digest: image.config.descriptor.digest, size: 3 }), {
    code: 'SIZE_MISMATCH',
  });
});

test('more entries than the lowered limit is INPUT_TOO_LARGE', async (t) => {
  const file = tempFile(t, dockerSave([{ image, repoTags: ['app:1'] }], 'legacy'));
  await assert.rejects(openDockerArchive(file, { limits: { tarEntriesMax: 3 } }), {
    code: 'INPUT_TOO_LARGE',
  });
});

test('a manifest.json over the manifest limit is INPUT_TOO_LARGE', async (t) => {
  const big = [
    {
      Config: configName,
      RepoTags: Array.from({ length: 500 }, (_, i) => `app:${i}`),
      Layers: ['layer.tar'],
    },
  ];
  const file = tempFile(t, archive([{ path: 'layer.tar', type: 'file', content: layerTar }], big));
  assert.ok(readFileSync(file).length > 0);
  await assert.rejects(openDockerArchive(file, { limits: { manifestMaxBytes: 1024 } }), {
    code: 'INPUT_TOO_LARGE',
  });
});

test('a manifest.json layer name that climbs out of the archive is refused as UNSAFE_PATH', async (t) => {
  const file = tempFile(t, archive([], [{ Config: configName, RepoTags: [], Layers: ['../../etc/shadow'] }]));
  await assert.rejects(openDockerArchive(file), { code: 'UNSAFE_PATH' });
});
