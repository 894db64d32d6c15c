import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readTar } from '../../src/archive/tar-reader.js';
import { writeTar } from '../../src/archive/tar-writer.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { verifiedReadable } from '../../src/oci/verified-read.js';

async function readAll(source: Readable): Promise<string[]> {
  const paths: string[] = [];
  for await (const e of readTar(source, { what: 'layer' })) {
    paths.push(e.header.path);
    for await (const _ of e.body) {
      // drain the body
    }
  }
  return paths;
}

const tar = writeTar([{ path: 'etc/os-release', type: 'file', content: 'ID=debian\n' }], { mtime: 0 });

test('a layer whose bytes after the end-of-archive marker were changed fails its digest check', async () => {
  const good = gzipSync(tar);
  // Tar pads to 10 KiB records; change a padding byte after the two zero blocks: the entries parse the
  // same, only the digest can tell.
  const tampered = Buffer.from(tar);
  tampered[tampered.length - 1] = 1;
  const bad = gzipSync(tampered);
  const expected = { digest: sha256Digest(good), size: bad.length, maxBytes: bad.length, what: 'layer' };
  await assert.rejects(
    readAll(verifiedReadable(() => Readable.from([bad]), { ...expected, size: undefined })),
    { code: 'DIGEST_MISMATCH' },
  );
});

test('an intact layer is read to its end and passes its digest check', async () => {
  const blob = gzipSync(tar);
  const paths = await readAll(
    verifiedReadable(() => Readable.from([blob]), {
      digest: sha256Digest(blob),
      size: blob.length,
      maxBytes: blob.length,
      what: 'layer',
    }),
  );
  assert.deepEqual(paths, ['etc/os-release']);
});
