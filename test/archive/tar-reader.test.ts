import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readTar, readTarFile, type TarHeader, writeTar } from '../../src/archive/index.js';

interface Read extends TarHeader {
  data: string;
  dataOffset: number;
}

async function readAll(buf: Buffer, opts: Partial<Parameters<typeof readTar>[1]> = {}): Promise<Read[]> {
  const out: Read[] = [];
  for await (const e of readTar(Readable.from([buf]), { what: 'test.tar', ...opts })) {
    const chunks: Buffer[] = [];
    for await (const c of e.body) chunks.push(c as Buffer);
    out.push({ ...e.header, dataOffset: e.dataOffset, data: Buffer.concat(chunks).toString('utf8') });
  }
  return out;
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-tar-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A small tree with a long name, a long link target and a symlink, archived by GNU tar itself. */
function gnuTar(t: { after(fn: () => void): void }, format: 'gnu' | 'pax' | 'ustar'): Buffer {
  const dir = tempDir(t);
  const src = join(dir, 'src');
  const longDir = `${'d'.repeat(60)}/${'e'.repeat(59)}`;
  mkdirSync(join(src, longDir), { recursive: true });
  writeFileSync(join(src, 'a.txt'), 'alpha\n');
  writeFileSync(join(src, longDir, 'f'.repeat(90)), 'deep\n');
  symlinkSync('a.txt', join(src, 'link'));
  if (format !== 'ustar') symlinkSync(`${longDir}/${'f'.repeat(90)}`, join(src, 'longlink'));
  const out = join(dir, 'out.tar');
  execFileSync('tar', [`--format=${format}`, '--sort=name', '-cf', out, '-C', src, '.']);
  return readFileSync(out);
}

for (const format of ['gnu', 'pax', 'ustar'] as const) {
  test(`a ${format} archive made by GNU tar reads with long names and links intact`, async (t) => {
    const entries = await readAll(gnuTar(t, format));
    const byPath = new Map(entries.map((e) => [e.path, e]));
    assert.equal(byPath.get('a.txt')?.data, 'alpha\n');
    assert.equal(byPath.get('link')?.type, 'symlink');
    assert.equal(byPath.get('link')?.linkpath, 'a.txt');
    const longDir = `${'d'.repeat(60)}/${'e'.repeat(59)}`;
    const deep = `${longDir}/${'f'.repeat(90)}`;
    assert.equal(byPath.get(deep)?.data, 'deep\n');
    assert.equal(byPath.get(longDir)?.type, 'directory');
    if (format !== 'ustar') assert.equal(byPath.get('longlink')?.linkpath, deep);
    assert.equal(byPath.get('.')?.type, 'directory');
  });
}

test('a gzip-compressed archive is recognised by its magic bytes and decompressed', async () => {
  const tar = writeTar([{ path: 'x', type: 'file', content: 'hello' }], { mtime: 0 });
  const entries = await readAll(gzipSync(tar));
  assert.deepEqual(
    entries.map((e) => [e.path, e.data]),
    [['x', 'hello']],
  );
});

test('an entry body left unread is skipped and the next entry still reads', async () => {
  const tar = writeTar(
    [
      { path: 'a', type: 'file', content: 'A'.repeat(200_000) },
      { path: 'b', type: 'file', content: 'bee' },
    ],
    { mtime: 0 },
  );
  const seen: string[] = [];
  for await (const e of readTar(Readable.from([tar]), { what: 't' })) {
    if (e.header.path === 'b') {
      const chunks: Buffer[] = [];
      for await (const c of e.body) chunks.push(c as Buffer);
      seen.push(`b=${Buffer.concat(chunks).toString()}`);
    } else seen.push(e.header.path);
  }
  assert.deepEqual(seen, ['a', 'b=bee']);
});

test('dataOffset points at the entry bytes in the archive', async () => {
  const tar = writeTar(
    [
      { path: 'one', type: 'file', content: 'first file' },
      { path: 'two', type: 'file', content: 'second' },
    ],
    { mtime: 0 },
  );
  const entries = await readAll(tar);
  for (const e of entries) {
    assert.equal(tar.subarray(e.dataOffset, e.dataOffset + e.size).toString(), e.data);
  }
});

test('an archive delivered in small odd-sized chunks reads the same as in one chunk', async () => {
  const tar = writeTar(
    [
      { path: 'dir', type: 'directory' },
      { path: 'dir/file', type: 'file', content: 'x'.repeat(1500), mode: 0o600 },
    ],
    { mtime: 1700000000 },
  );
  const chunks: Buffer[] = [];
  for (let i = 0; i < tar.length; i += 7) chunks.push(tar.subarray(i, i + 7));
  const out: string[] = [];
  for await (const e of readTar(Readable.from(chunks), { what: 't' })) {
    let n = 0;
    for await (const c of e.body) n += (c as Buffer).length;
    out.push(`${e.header.path}:${e.header.type}:${n}:${e.header.mode.toString(8)}:${e.header.mtime}`);
  }
  assert.deepEqual(out, ['dir:directory:0:755:1700000000', 'dir/file:file:1500:600:1700000000']);
});

test('device files are yielded when the caller asks for them to be reported', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'dev.tar');
  // GNU tar can archive a fifo without privileges; mkfifo makes a real one.
  execFileSync('mkfifo', [join(dir, 'pipe')]);
  execFileSync('tar', ['-cf', out, '-C', dir, 'pipe']);
  const entries = await readAll(readFileSync(out), { specialFiles: 'report' });
  assert.deepEqual(
    entries.map((e) => [e.path, e.type]),
    [['pipe', 'fifo']],
  );
});

test('readTarFile gives the same entries and offsets as readTar, seeking past bodies', async (t) => {
  const tar = gnuTar(t, 'pax');
  const file = join(tempDir(t), 'same.tar');
  writeFileSync(file, tar);
  const fromStream = await readAll(tar);
  const fromFile: Read[] = [];
  for await (const e of readTarFile(file, { what: 'file' })) {
    const chunks: Buffer[] = [];
    if (e.header.path !== 'a.txt') for await (const c of e.body) chunks.push(c as Buffer);
    fromFile.push({ ...e.header, dataOffset: e.dataOffset, data: Buffer.concat(chunks).toString('utf8') });
  }
  assert.deepEqual(
    fromFile.map((e) => [e.path, e.dataOffset, e.size]),
    fromStream.map((e) => [e.path, e.dataOffset, e.size]),
  );
  const deep = fromFile.find((e) => e.path.endsWith('f'.repeat(90)));
  assert.equal(deep?.data, 'deep\n');
});

test('readTarFile reports a truncated file as INPUT_MALFORMED and a missing one as FILE_NOT_FOUND', async (t) => {
  const dir = tempDir(t);
  const tar = writeTar([{ path: 'big', type: 'file', content: 'b'.repeat(5000) }], { mtime: 0 });
  writeFileSync(join(dir, 'cut.tar'), tar.subarray(0, 3000));
  const drainFile = async (p: string) => {
    for await (const e of readTarFile(p, { what: p })) e.body.resume();
  };
  await assert.rejects(drainFile(join(dir, 'cut.tar')), { code: 'INPUT_MALFORMED' });
  await assert.rejects(drainFile(join(dir, 'absent.tar')), { code: 'FILE_NOT_FOUND' });
});
