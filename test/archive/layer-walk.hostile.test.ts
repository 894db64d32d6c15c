import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { encodeHeader, type LayerSource, TAR_END, walkLayers, writeTar } from '../../src/archive/index.js';
import { VouchError } from '../../src/errors.js';
import { sha256Digest } from '../../src/oci/digest.js';

function raw(tar: Buffer): LayerSource {
  return { digest: sha256Digest(tar), open: async () => Readable.from([tar]) };
}

async function drain(layers: LayerSource[]): Promise<string[]> {
  const out: string[] = [];
  for await (const e of walkLayers(layers, { what: 'hostile image' })) {
    e.body.resume();
    out.push(e.header.path);
  }
  return out;
}

const fine = raw(writeTar([{ path: 'ok', type: 'file', content: 'ok' }], { mtime: 0 }));

test('a layer entry that climbs out of the root fails the whole walk with UNSAFE_PATH', async () => {
  const evil = raw(
    Buffer.concat([encodeHeader({ name: '../../etc/passwd', typeflag: '0', size: 0 }), TAR_END]),
  );
  await assert.rejects(drain([fine, evil]), { code: 'UNSAFE_PATH' });
});

test('a whiteout that names no file (".wh..") is refused', async () => {
  const evil = raw(Buffer.concat([encodeHeader({ name: 'etc/.wh..', typeflag: '0', size: 0 }), TAR_END]));
  await assert.rejects(drain([fine, evil]), { code: 'UNSAFE_PATH' });
});

test('a truncated lower layer fails the walk with INPUT_MALFORMED', async () => {
  const tar = writeTar([{ path: 'big', type: 'file', content: 'x'.repeat(4000) }], { mtime: 0 });
  await assert.rejects(drain([raw(tar.subarray(0, 2000)), fine]), { code: 'INPUT_MALFORMED' });
});

test('the entry limit applies to each layer of the walk', async () => {
  const many = writeTar(
    Array.from({ length: 50 }, (_, i) => ({ path: `f${i}`, type: 'file' as const, content: '' })),
    { mtime: 0 },
  );
  await assert.rejects(
    (async () => {
      for await (const e of walkLayers([raw(many)], { what: 't', limits: { tarEntriesMax: 10 } }))
        e.body.resume();
    })(),
    { code: 'INPUT_TOO_LARGE' },
  );
});

test('a digest failure while a gzip layer streams fails the walk with that code', async () => {
  const blob = gzipSync(
    writeTar([{ path: 'big', type: 'file', content: 'z'.repeat(200_000) }], { mtime: 0 }),
  );
  async function* tampered(): AsyncGenerator<Buffer> {
    yield blob.subarray(0, 100);
    throw new VouchError('DIGEST_MISMATCH', 'layer: content hashes to sha256:beef');
  }
  const layer: LayerSource = { digest: sha256Digest(blob), open: async () => tampered() };
  await assert.rejects(drain([fine, layer]), { code: 'DIGEST_MISMATCH' });
});

test('a file that appears twice in one layer is refused, since scanners and runtimes would see different copies', async () => {
  const twice = Buffer.concat([
    encodeHeader({ name: 'bin/tool', typeflag: '0', size: 0 }),
    encodeHeader({ name: 'bin/tool', typeflag: '0', size: 0 }),
    TAR_END,
  ]);
  await assert.rejects(drain([raw(twice)]), { code: 'INPUT_MALFORMED' });
});

test('a directory repeated in one layer is tolerated and reported once', async () => {
  const twice = Buffer.concat([
    encodeHeader({ name: 'etc/', typeflag: '5', size: 0 }),
    encodeHeader({ name: 'etc/', typeflag: '5', size: 0, mode: 0o700 }),
    TAR_END,
  ]);
  assert.deepEqual(await drain([raw(twice)]), ['etc']);
});

function failingMidBody(read: 'read' | 'resume' | 'skip'): {
  layer: LayerSource;
  drainBody: (b: NodeJS.ReadableStream) => Promise<void>;
} {
  const tar = writeTar([{ path: 'big', type: 'file', content: 'q'.repeat(300_000) }], { mtime: 0 });
  async function* source(): AsyncGenerator<Buffer> {
    yield tar.subarray(0, 100_000);
    throw new VouchError('DIGEST_MISMATCH', 'layer: content hashes to sha256:beef');
  }
  return {
    layer: { digest: sha256Digest(tar), open: async () => source() },
    drainBody: async (b) => {
      if (read === 'read') for await (const _ of b) void _;
      else if (read === 'resume') b.resume();
    },
  };
}

for (const mode of ['read', 'resume', 'skip'] as const) {
  test(`an upstream digest failure in the middle of a body keeps its code when the body is ${mode === 'read' ? 'read' : mode === 'resume' ? 'drained with resume()' : 'skipped'}`, async () => {
    const { layer, drainBody } = failingMidBody(mode);
    await assert.rejects(
      (async () => {
        for await (const e of walkLayers([layer], { what: 't' })) await drainBody(e.body);
      })(),
      { code: 'DIGEST_MISMATCH' },
    );
  });
}

test('a symlink climbing above the root fails the walk unless the caller allows it', async () => {
  const odd = raw(writeTar([{ path: 'lib/up', type: 'symlink', linkpath: '../../../lib' }], { mtime: 0 }));
  await assert.rejects(drain([odd]), { code: 'UNSAFE_PATH' });
  const seen: string[] = [];
  for await (const e of walkLayers([odd], { what: 't', symlinkEscape: 'allow' })) {
    e.body.resume();
    seen.push(`${e.header.path}->${e.header.linkpath}`);
  }
  assert.deepEqual(seen, ['lib/up->../../../lib']);
});
