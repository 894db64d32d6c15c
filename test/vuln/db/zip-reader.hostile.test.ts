import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { deflateRawSync } from 'node:zlib';
import { test } from 'node:test';
import { buildDatabase, listZip, readZipEntry } from '../../../src/vuln/index.js';

// Archives are made by python3's zipfile (a real zip writer that allows any entry name, which is
// what an attacker's tool would do): entries name -> text, method 'stored' | 'deflated'. All the
// archives this file needs are made by one python3 run (see PRELOAD), since each run costs a
// process start.
type Method = 'stored' | 'deflated';
type ZipSpec = [entries: Record<string, string>, method: Method, zip64: boolean];

function makeZips(specs: readonly ZipSpec[]): Buffer[] {
  const script = [
    'import base64, io, json, sys, zipfile',
    'out = []',
    'limits = (zipfile.ZIP_FILECOUNT_LIMIT, zipfile.ZIP64_LIMIT)',
    'for entries, method, zip64 in json.load(sys.stdin):',
    // Lowering zipfile's own thresholds makes it write real Zip64 end records and extra fields
    // for a small archive, as it would for OSV's largest all.zip files.
    '    zipfile.ZIP_FILECOUNT_LIMIT, zipfile.ZIP64_LIMIT = (1, 1) if zip64 else limits',
    '    buf = io.BytesIO()',
    '    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED if method == "stored" else zipfile.ZIP_DEFLATED) as z:',
    '        for name, text in entries.items():',
    '            info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))',
    '            info.compress_type = z.compression',
    '            z.writestr(info, text)',
    '    out.append(base64.b64encode(buf.getvalue()).decode())',
    'print(json.dumps(out))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script], {
    input: JSON.stringify(specs),
    maxBuffer: 64 << 20,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `python3 is needed (apt-get install python3): ${r.stderr}`);
  return (JSON.parse(r.stdout) as string[]).map((b) => Buffer.from(b, 'base64'));
}

const made = new Map<string, Buffer>();

function pyZip(entries: Record<string, string>, method: Method = 'deflated', zip64 = false): Buffer {
  const key = JSON.stringify([entries, method, zip64]);
  let zip = made.get(key);
  if (!zip) {
    zip = makeZips([[entries, method, zip64]])[0] ?? Buffer.alloc(0);
    made.set(key, zip);
  }
  return Buffer.from(zip);
}

const REC = JSON.stringify({ id: 'GHSA-aaaa-bbbb-cccc', modified: '2024-01-01T00:00:00Z', affected: [] });
const SLIP_NAMES = ['../evil.json', 'a/../../evil.json', '/etc/passwd', 'C:/x.json', 'a\\..\\b.json'];
const GOOD_AND_JUNK = {
  'good.json': JSON.stringify({ ...JSON.parse(REC), x_unknown: { deep: [1, 2] } }),
  'junk.json': '{"id": "GHSA-trunc',
  'README.txt': 'not a record',
};
const PRELOAD: ZipSpec[] = [
  [{ 'a.json': REC, 'dir/b.json': 'x'.repeat(5000) }, 'stored', false],
  [{ 'a.json': REC, 'dir/b.json': 'x'.repeat(5000) }, 'deflated', false],
  [{ 'a.json': REC, 'b.json': 'z'.repeat(3000) }, 'deflated', true],
  ...SLIP_NAMES.map((name): ZipSpec => [{ [name]: REC }, 'deflated', false]),
  [{ 'a.json': REC }, 'deflated', false],
  [{ 'a.json': REC }, 'stored', false],
  [{ 'bomb.json': '0'.repeat(1_000_000) }, 'deflated', false],
  [{ 'a.json': REC, 'b.json': REC, 'c.json': 'y'.repeat(10_000) }, 'deflated', false],
  [GOOD_AND_JUNK, 'deflated', false],
];
for (const [i, zip] of makeZips(PRELOAD).entries()) made.set(JSON.stringify(PRELOAD[i]), zip);

test('entries are listed and read back byte for byte, stored and deflated', () => {
  for (const method of ['stored', 'deflated'] as const) {
    const zip = pyZip({ 'a.json': REC, 'dir/b.json': 'x'.repeat(5000) }, method);
    const entries = listZip(zip, 'all.zip');
    assert.deepEqual(
      entries.map((e) => e.name),
      ['a.json', 'dir/b.json'],
    );
    const [a, b] = entries;
    assert.ok(a && b);
    assert.equal(readZipEntry(zip, a, 'all.zip').toString(), REC);
    assert.equal(readZipEntry(zip, b, 'all.zip').toString(), 'x'.repeat(5000));
  }
});

test('Zip64 end records and extra fields are read', () => {
  const zip = pyZip({ 'a.json': REC, 'b.json': 'z'.repeat(3000) }, 'deflated', true);
  assert.ok(zip.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])), 'python wrote a Zip64 end record');
  const entries = listZip(zip, 'all.zip');
  assert.deepEqual(
    entries.map((e) => [e.name, e.size]),
    [
      ['a.json', REC.length],
      ['b.json', 3000],
    ],
  );
  const b = entries[1];
  assert.ok(b);
  assert.equal(readZipEntry(zip, b, 'all.zip').toString(), 'z'.repeat(3000));
});

test('hostile: entry names that climb out or are absolute are UNSAFE_PATH', () => {
  for (const name of SLIP_NAMES) {
    assert.throws(() => listZip(pyZip({ [name]: REC }), 'all.zip'), { code: 'UNSAFE_PATH' }, name);
  }
});

test('hostile: a truncated archive is INPUT_MALFORMED', () => {
  const zip = pyZip({ 'a.json': REC });
  for (const cut of [0, 10, zip.length - 30, Math.floor(zip.length / 2)]) {
    assert.throws(() => listZip(zip.subarray(0, cut), 'all.zip'), { code: 'INPUT_MALFORMED' }, `cut ${cut}`);
  }
  assert.throws(() => listZip(Buffer.from('not a zip at all, just some words to fill the buffer'), 'x'), {
    code: 'INPUT_MALFORMED',
  });
});

test('hostile: content that fails its CRC-32 is INPUT_MALFORMED', () => {
  const zip = Buffer.from(pyZip({ 'a.json': REC }, 'stored'));
  const at = zip.indexOf('GHSA');
  zip[at] = 0x78;
  const [entry] = listZip(zip, 'all.zip');
  assert.ok(entry);
  assert.throws(() => readZipEntry(zip, entry, 'all.zip'), { code: 'INPUT_MALFORMED' });
});

test('hostile: an entry that inflates past its declared size stops at the declared size (zip bomb)', () => {
  const zip = Buffer.from(pyZip({ 'bomb.json': '0'.repeat(1_000_000) }));
  // Lower the central directory's uncompressed size (offset 24 in the central header) to 100 bytes.
  const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.writeUInt32LE(100, central + 24);
  const [entry] = listZip(zip, 'all.zip');
  assert.ok(entry);
  assert.equal(entry.size, 100);
  assert.throws(() => readZipEntry(zip, entry, 'all.zip'), { code: 'INPUT_TOO_LARGE' });
});

test('hostile: entry count and sizes over the limits are INPUT_TOO_LARGE before anything is inflated', () => {
  const zip = pyZip({ 'a.json': REC, 'b.json': REC, 'c.json': 'y'.repeat(10_000) });
  assert.throws(() => listZip(zip, 'all.zip', { zipEntriesMax: 2 }), { code: 'INPUT_TOO_LARGE' });
  assert.throws(() => listZip(zip, 'all.zip', { zipEntryMaxBytes: 1000 }), { code: 'INPUT_TOO_LARGE' });
  assert.throws(() => listZip(zip, 'all.zip', { zipExpandedMaxBytes: 5000 }), { code: 'INPUT_TOO_LARGE' });
});

test('hostile: a compression method other than stored or deflate is UNSUPPORTED', () => {
  const zip = Buffer.from(pyZip({ 'a.json': REC }, 'stored'));
  const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.writeUInt16LE(12, central + 10); // bzip2
  assert.throws(() => listZip(zip, 'all.zip'), { code: 'UNSUPPORTED' });
});

test('hostile: garbage deflate data is INPUT_MALFORMED', () => {
  const zip = Buffer.from(pyZip({ 'a.json': REC }, 'deflated'));
  const [entry] = listZip(zip, 'all.zip');
  assert.ok(entry);
  const start =
    entry.localHeaderOffset +
    30 +
    zip.readUInt16LE(entry.localHeaderOffset + 26) +
    zip.readUInt16LE(entry.localHeaderOffset + 28);
  zip.fill(0xff, start, start + entry.compressedSize);
  assert.throws(() => readZipEntry(zip, entry, 'all.zip'), { code: 'INPUT_MALFORMED' });
  assert.ok(deflateRawSync(REC).length > 0);
});

test('hostile: a zip of records with junk, unknown fields and non-JSON entries still builds from the good ones', async (t) => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'vouch-zip-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const zip = pyZip(GOOD_AND_JUNK);
  writeFileSync(join(dir, 'all.zip'), zip);
  const r = await buildDatabase([{ kind: 'path', path: join(dir, 'all.zip') }], {
    out: join(dir, 'v.db'),
    builtAt: new Date(0),
  });
  assert.equal(r.meta.records, 1);
  assert.equal(r.meta.skipped, 1);
  assert.match(r.skipped[0]?.where ?? '', /junk\.json$/);
});
