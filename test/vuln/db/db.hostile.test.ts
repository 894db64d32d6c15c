import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { buildDatabase, openDatabase } from '../../../src/vuln/index.js';
import { OSV_FIXTURES } from '../fixture-records.js';

async function built(t: TestContext): Promise<{ dir: string; bytes: Buffer }> {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-vulndb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await buildDatabase([{ kind: 'path', path: OSV_FIXTURES }], {
    out: join(dir, 'good.db'),
    builtAt: new Date(0),
  });
  return { dir, bytes: readFileSync(join(dir, 'good.db')) };
}

function variant(dir: string, name: string, bytes: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

// Where the sections start, read the same way the reader does.
function layout(bytes: Buffer): { body: number; keyLength: number } {
  const headerLength = bytes.readUInt32LE(8);
  const header = JSON.parse(bytes.subarray(44, 44 + headerLength).toString('utf8')) as {
    keyTable: { length: number };
  };
  return { body: 44 + headerLength, keyLength: header.keyTable.length };
}

test('hostile: a truncated database is DB_CORRUPT with the rebuild hint', async (t) => {
  const { dir, bytes } = await built(t);
  for (const cut of [0, 10, 44, 100, bytes.length - 1]) {
    assert.throws(
      () => openDatabase(variant(dir, `cut-${cut}.db`, bytes.subarray(0, cut))),
      { code: 'DB_CORRUPT' },
      `cut at ${cut}`,
    );
  }
});

test('hostile: bytes appended to a database are DB_CORRUPT', async (t) => {
  const { dir, bytes } = await built(t);
  assert.throws(() => openDatabase(variant(dir, 'long.db', Buffer.concat([bytes, Buffer.from('x')]))), {
    code: 'DB_CORRUPT',
  });
});

test('hostile: a flipped byte in the header or key table fails its checksum at open', async (t) => {
  const { dir, bytes } = await built(t);
  const { body } = layout(bytes);
  for (const at of [0, 50, body + 5]) {
    const b = Buffer.from(bytes);
    b[at] = (b[at] ?? 0) ^ 0x01;
    assert.throws(
      () => openDatabase(variant(dir, `flip-${at}.db`, b)),
      { code: 'DB_CORRUPT' },
      `flip at ${at}`,
    );
  }
});

test('hostile: a flipped byte in a record fails its CRC when looked up, and verify() finds it', async (t) => {
  const { dir, bytes } = await built(t);
  const { body, keyLength } = layout(bytes);
  const b = Buffer.from(bytes);
  const at = body + keyLength + 3;
  b[at] = (b[at] ?? 0) ^ 0x20;
  const db = openDatabase(variant(dir, 'record.db', b));
  t.after(() => db.close());
  assert.throws(() => db.verify(), { code: 'DB_CORRUPT' });
  // The first record by id holds the flipped byte: ALPINE-CVE-2023-5363 sorts first.
  assert.throws(() => db.lookup('Alpine:v3.18', 'openssl'), { code: 'DB_CORRUPT' });
});

test('hostile: a file that is not a vouch database is DB_CORRUPT', async (t) => {
  const { dir } = await built(t);
  assert.throws(() => openDatabase(variant(dir, 'json.db', Buffer.from('{"records":[]}'.repeat(10)))), {
    code: 'DB_CORRUPT',
  });
  const huge = Buffer.alloc(64);
  Buffer.from('VOUCHDB\x01', 'latin1').copy(huge);
  huge.writeUInt32LE(0xffffffff, 8);
  assert.throws(() => openDatabase(variant(dir, 'huge.db', huge)), { code: 'DB_CORRUPT' });
});

test('hostile: a directory where the database should be is DB_CORRUPT, not a crash', async (t) => {
  const { dir } = await built(t);
  assert.throws(() => openDatabase(dir), { code: 'DB_CORRUPT' });
});
