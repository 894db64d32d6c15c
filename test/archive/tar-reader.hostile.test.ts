import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { encodeHeader, encodePax, padding, readTar, TAR_END, writeTar } from '../../src/archive/index.js';
import type { Limits } from '../../src/limits.js';

/** Reads every entry and body, as a consumer would; rejects with the reader's error. */
async function drain(source: Buffer | AsyncIterable<Buffer>, limits?: Partial<Limits>): Promise<string[]> {
  const paths: string[] = [];
  const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
  for await (const e of readTar(input, { what: 'hostile.tar', ...(limits ? { limits } : {}) })) {
    for await (const _ of e.body) {
      // consume
    }
    paths.push(e.header.path);
  }
  return paths;
}

function file(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  return Buffer.concat([
    encodeHeader({ name, typeflag: '0', size: data.length }),
    data,
    padding(data.length),
  ]);
}

function link(name: string, typeflag: '1' | '2', linkname: string): Buffer {
  return encodeHeader({ name, typeflag, size: 0, linkname });
}

function pax(fields: Record<string, string>): Buffer {
  const records = encodePax(fields);
  return Buffer.concat([
    encodeHeader({ name: 'PaxHeader', typeflag: 'x', size: records.length }),
    records,
    padding(records.length),
  ]);
}

const archive = (...parts: Buffer[]): Buffer => Buffer.concat([...parts, TAR_END]);

test('an entry with a ".." component is refused as UNSAFE_PATH', async () => {
  await assert.rejects(drain(archive(file('ok', 'x'), file('a/../../etc/passwd', 'root::0:0'))), {
    code: 'UNSAFE_PATH',
  });
});

test('an entry with an absolute path is refused as UNSAFE_PATH', async () => {
  await assert.rejects(drain(archive(file('/etc/passwd', 'root::0:0'))), { code: 'UNSAFE_PATH' });
});

test('a symlink whose target climbs out of the root is refused', async () => {
  await assert.rejects(drain(archive(link('usr/lib/evil', '2', '../../../etc'))), { code: 'UNSAFE_PATH' });
});

test('a file written through an earlier symlink is refused even when the link itself is in bounds', async () => {
  // `evil -> /etc` is harmless inside an image root, but a naive extractor would write /etc/cron.d/x.
  await assert.rejects(
    drain(archive(link('evil', '2', '/etc'), file('evil/cron.d/x', '* * * * * root sh'))),
    {
      code: 'UNSAFE_PATH',
    },
  );
});

test('a hard link to a path outside the root is refused', async () => {
  await assert.rejects(drain(archive(link('shadow', '1', '../../etc/shadow'))), { code: 'UNSAFE_PATH' });
});

test('a hard link to an absolute path is refused', async () => {
  await assert.rejects(drain(archive(link('shadow', '1', '/etc/shadow'))), { code: 'UNSAFE_PATH' });
});

test('a PAX path record that overrides a benign name with ".." is refused', async () => {
  await assert.rejects(
    drain(archive(pax({ path: '../../root/.ssh/authorized_keys' }), file('innocent', 'key'))),
    {
      code: 'UNSAFE_PATH',
    },
  );
});

test('a PAX linkpath record that points a symlink out of the root is refused', async () => {
  await assert.rejects(drain(archive(pax({ linkpath: '../../../../etc' }), link('l', '2', 'fine'))), {
    code: 'UNSAFE_PATH',
  });
});

test('a GNU long name with ".." is refused', async () => {
  const name = Buffer.from('../../escape\0');
  const longName = Buffer.concat([
    encodeHeader({ name: '././@LongLink', typeflag: 'L', size: name.length }),
    name,
    padding(name.length),
  ]);
  await assert.rejects(drain(archive(longName, file('x', 'y'))), { code: 'UNSAFE_PATH' });
});

test('a character device is refused by default', async () => {
  await assert.rejects(drain(archive(encodeHeader({ name: 'dev/mem', typeflag: '3', size: 0 }))), {
    code: 'UNSAFE_PATH',
  });
});

test('a fifo is refused by default', async () => {
  await assert.rejects(drain(archive(encodeHeader({ name: 'pipe', typeflag: '6', size: 0 }))), {
    code: 'UNSAFE_PATH',
  });
});

test('two million tiny entries stop at the lowered entry limit without reading the rest', async () => {
  let produced = 0;
  async function* many(): AsyncGenerator<Buffer> {
    for (let i = 0; i < 2_000_000; i++) {
      produced++;
      yield encodeHeader({ name: `f${i}`, typeflag: '0', size: 0 });
    }
    yield TAR_END;
  }
  await assert.rejects(drain(many(), { tarEntriesMax: 1000 }), { code: 'INPUT_TOO_LARGE' });
  assert.ok(produced < 2000, `read ${produced} headers after the cap`);
});

test('a header claiming a 1 TB entry (GNU base-256 size) is refused before any data is read', async () => {
  const h = encodeHeader({ name: 'huge', typeflag: '0', size: 0 });
  // base-256: high bit set in the first byte, big-endian value 2^40 in the 12-byte size field.
  h.fill(0, 124, 136);
  h[124] = 0x80;
  h[130] = 0x01; // 2^40: 0x01 followed by five zero bytes at the end of the field
  let sum = 0;
  h.fill(0x20, 148, 156);
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  await assert.rejects(drain(archive(h)), { code: 'INPUT_TOO_LARGE' });
});

test('an entry over the lowered per-entry limit is refused', async () => {
  await assert.rejects(drain(archive(file('big', 'x'.repeat(5000))), { tarEntryMaxBytes: 4096 }), {
    code: 'INPUT_TOO_LARGE',
  });
});

test('entries whose sizes add up past the expanded limit are refused', async () => {
  const parts = Array.from({ length: 10 }, (_, i) => file(`f${i}`, 'y'.repeat(1000)));
  await assert.rejects(drain(archive(...parts), { tarExpandedMaxBytes: 5000 }), { code: 'INPUT_TOO_LARGE' });
});

test('a gzip bomb is cut off by the expanded-size limit', async () => {
  const bomb = gzipSync(
    writeTar([{ path: 'zeros', type: 'file', content: Buffer.alloc(8 * 1024 * 1024) }], { mtime: 0 }),
  );
  assert.ok(bomb.length < 64 * 1024);
  await assert.rejects(drain(bomb, { tarExpandedMaxBytes: 1024 * 1024 }), { code: 'INPUT_TOO_LARGE' });
});

test('an archive truncated inside an entry body is INPUT_MALFORMED', async () => {
  const whole = archive(file('a', 'z'.repeat(3000)));
  await assert.rejects(drain(whole.subarray(0, 512 + 1000)), { code: 'INPUT_MALFORMED' });
});

test('an archive truncated inside a header is INPUT_MALFORMED', async () => {
  const whole = archive(file('a', 'abc'), file('b', 'def'));
  await assert.rejects(drain(whole.subarray(0, 1024 + 100)), { code: 'INPUT_MALFORMED' });
});

test('an archive without the end-of-archive marker is INPUT_MALFORMED', async () => {
  await assert.rejects(drain(file('a', 'abc')), { code: 'INPUT_MALFORMED' });
});

test('a header with a wrong checksum is INPUT_MALFORMED', async () => {
  const h = file('a', 'abc');
  h[0] = 'b'.charCodeAt(0); // name changed after the checksum was computed
  await assert.rejects(drain(archive(h)), { code: 'INPUT_MALFORMED' });
});

test('bytes that are not a tar archive are INPUT_MALFORMED', async () => {
  await assert.rejects(drain(Buffer.from('this is a README, not a tar\n'.repeat(40))), {
    code: 'INPUT_MALFORMED',
  });
});

test('a non-octal size field is INPUT_MALFORMED', async () => {
  const h = encodeHeader({ name: 'a', typeflag: '0', size: 0 });
  h.write('12345678zz\0', 124, 11, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  await assert.rejects(drain(archive(h)), { code: 'INPUT_MALFORMED' });
});

test('a PAX header over 1 MiB is refused', async () => {
  const records = encodePax({ comment: 'c'.repeat(1024 * 1024 + 10) });
  const h = Buffer.concat([
    encodeHeader({ name: 'PaxHeader', typeflag: 'x', size: records.length }),
    records,
    padding(records.length),
  ]);
  await assert.rejects(drain(archive(h, file('a', 'b'))), { code: 'INPUT_TOO_LARGE' });
});

test('a PAX record whose length runs past the header is INPUT_MALFORMED', async () => {
  const records = Buffer.from('99 path=x\n');
  const h = Buffer.concat([
    encodeHeader({ name: 'PaxHeader', typeflag: 'x', size: records.length }),
    records,
    padding(records.length),
  ]);
  await assert.rejects(drain(archive(h, file('a', 'b'))), { code: 'INPUT_MALFORMED' });
});

test('a GNU sparse entry is UNSUPPORTED', async () => {
  await assert.rejects(drain(archive(encodeHeader({ name: 'sparse', typeflag: 'S', size: 0 }))), {
    code: 'UNSUPPORTED',
  });
});

test('a zstd stream is UNSUPPORTED on a Node.js without zstd', async () => {
  const zstdFrame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00]);
  await assert.rejects(drain(zstdFrame), { code: 'UNSUPPORTED' });
});

test('corrupt gzip data is INPUT_MALFORMED', async () => {
  const gz = gzipSync(archive(file('a', 'hello world'.repeat(100))));
  gz.fill(0x55, 20, 40);
  await assert.rejects(drain(gz), { code: 'INPUT_MALFORMED' });
});

test('a hard link to an earlier symlink itself is allowed (link(2) does not follow it)', async () => {
  assert.deepEqual(await drain(archive(link('lib', '2', 'usr/lib'), link('lib-again', '1', 'lib'))), [
    'lib',
    'lib-again',
  ]);
});

test('a hard link whose target lies below an earlier symlink is refused', async () => {
  await assert.rejects(drain(archive(link('evil', '2', '/etc'), link('shadow', '1', 'evil/shadow'))), {
    code: 'UNSAFE_PATH',
  });
});

test('a PAX size record does not resize a GNU long-name entry that follows it', async () => {
  const name = Buffer.from('real-name\0');
  const longName = Buffer.concat([
    encodeHeader({ name: '././@LongLink', typeflag: 'L', size: name.length }),
    name,
    padding(name.length),
  ]);
  const paths = await drain(archive(pax({ size: '3' }), longName, file('short', 'abc')));
  assert.deepEqual(paths, ['real-name']);
});

test('re-declaring a symlink as a directory does not let later entries through it', async () => {
  await assert.rejects(
    drain(
      archive(
        link('evil', '2', '/etc'),
        encodeHeader({ name: 'evil/', typeflag: '5', size: 0 }),
        file('evil/passwd', 'x'),
      ),
    ),
    { code: 'UNSAFE_PATH' },
  );
});
