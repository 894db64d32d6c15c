import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { OSV_DIR, SBOMS, scanEnv } from './scan-setup.js';

function zipDir(dir: string, out: string): void {
  const r = spawnSync('zip', ['-q', '-X', '-r', out, '.'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, `zip is needed (apt-get install zip): ${r.stderr ?? String(r.error)}`);
}

/** A loopback server serving `<ecosystem>/all.zip` from a map of ecosystem -> bytes. */
async function osvServer(
  t: TestContext,
  zips: Map<string, Buffer>,
): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(req.url ?? '');
    hits.push(path);
    const m = /^\/([^/]+)\/all\.zip$/.exec(path);
    const body = m?.[1] === undefined ? undefined : zips.get(m[1]);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

/** all.zip per fixture ecosystem directory, as OSV's bucket lays them out (one record per entry). */
async function fixtureZips(work: string): Promise<Map<string, Buffer>> {
  const names: Record<string, string> = { npm: 'npm', pypi: 'PyPI', maven: 'Maven' };
  const out = new Map<string, Buffer>();
  for (const [dir, eco] of Object.entries(names)) {
    const zip = join(work, `${eco}.zip`);
    zipDir(join(OSV_DIR, dir), zip);
    out.set(eco, await readFile(zip));
  }
  return out;
}

test('db status reports source, build time, age and records per ecosystem as JSON', async (t) => {
  const { vouch, db } = await scanEnv(t);
  const r = await vouch(['db', 'status', '-o', 'json', '--verify']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(s['path'], db);
  assert.equal(s['builtAt'], '2023-11-14T22:13:20.000Z');
  assert.equal(s['ageSeconds'], 0);
  assert.equal(s['records'], 13);
  assert.deepEqual((s['ecosystems'] as Record<string, number>)['PyPI'], 2);
  assert.equal(s['verified'], true);
  const table = await vouch(['db', 'status']);
  assert.match(table.stdout, /^records: +13 /m);
});

test('a missing database fails scan with exit 3 and says how to get one', async (t) => {
  const { vouch } = await scanEnv(t, { build: false });
  const r = await vouch(['scan', join(SBOMS, 'syft-cdx-1.4.json')]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /vouch db update/);
});

test('a truncated database fails scan and status with exit 3 and "run vouch db update"', async (t) => {
  const { vouch, db } = await scanEnv(t);
  await truncate(db, (await stat(db)).size - 10);
  const r = await vouch(['scan', join(SBOMS, 'syft-cdx-1.4.json')]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /run "vouch db update"/);
  assert.equal((await vouch(['db', 'status'])).code, 3);
});

test('a database with a flipped record byte is refused by db status --verify', async (t) => {
  const { vouch, db } = await scanEnv(t);
  const bytes = await readFile(db);
  bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0xff;
  await writeFile(db, bytes);
  const r = await vouch(['db', 'status', '--verify']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /checksum/);
});

test('db build skips malformed OSV records with a count and keeps the good ones', async (t) => {
  const { vouch, dir } = await scanEnv(t, { build: false });
  const src = join(dir, 'osv');
  await mkdir(src);
  await copyFile(join(OSV_DIR, 'npm', 'GHSA-35jh-r3h4-6jhm.json'), join(src, 'good.json'));
  await writeFile(join(src, 'truncated.json'), '{"id": "GHSA-xxxx", "affected": [');
  await writeFile(
    join(src, 'no-id.json'),
    JSON.stringify({ modified: '2024-01-01T00:00:00Z', affected: [] }),
  );
  const r = await vouch(['db', 'build', '--from', src]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /1 records, .* 2 skipped/);
  assert.match(r.stderr, /skipped .*truncated\.json/);
});

test('db build with no usable record fails with exit 2 and writes nothing', async (t) => {
  const { vouch, dir, db } = await scanEnv(t, { build: false });
  const src = join(dir, 'osv');
  await mkdir(src);
  await writeFile(join(src, 'bad.json'), '[]x');
  const r = await vouch(['db', 'build', '--from', src]);
  assert.equal(r.code, 2);
  await assert.rejects(stat(db), { code: 'ENOENT' });
});

test('db update downloads each ecosystem all.zip from the source and builds the database', async (t) => {
  const { vouch, dir } = await scanEnv(t, { build: false });
  const server = await osvServer(t, await fixtureZips(dir));
  const r = await vouch([
    'db',
    'update',
    '--source',
    `${server.url}/`,
    '--ecosystem',
    'npm',
    '--ecosystem',
    'PyPI',
    '--ecosystem',
    'Maven',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(server.hits, ['/npm/all.zip', '/PyPI/all.zip', '/Maven/all.zip']);
  const s = JSON.parse((await vouch(['db', 'status', '-o', 'json'])).stdout) as Record<string, unknown>;
  assert.equal(s['records'], 5);
  assert.match(String(s['source']), /^http:\/\/127\.0\.0\.1:\d+ \(npm, PyPI, Maven\)$/);
  const scan = await vouch(['scan', join(SBOMS, 'syft-cdx-1.4.json'), '--fail-on', 'critical']);
  assert.equal(scan.code, 1, 'log4j (Maven, critical) comes from the downloaded database');
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f.startsWith('.')),
    [],
    'no temp files left',
  );
});

test('db update with a corrupt download keeps the old database and leaves no temp files', async (t) => {
  const { vouch, dir, db } = await scanEnv(t);
  const before = await readFile(db);
  const zips = await fixtureZips(dir);
  const npm = Buffer.from(zips.get('npm') ?? Buffer.alloc(0));
  // Flip a byte inside the first entry's data: its CRC-32 no longer matches.
  npm[60] = (npm[60] ?? 0) ^ 0xff;
  zips.set('npm', npm);
  const server = await osvServer(t, zips);
  const r = await vouch([
    'db',
    'update',
    '--source',
    server.url,
    '--ecosystem',
    'PyPI',
    '--ecosystem',
    'npm',
  ]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /CRC-32|not a readable zip/);
  assert.ok((await readFile(db)).equals(before), 'old database untouched');
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f.startsWith('.')),
    [],
  );
});

test('db update fails when the source has no export for an ecosystem', async (t) => {
  const { vouch, dir } = await scanEnv(t, { build: false });
  const server = await osvServer(t, await fixtureZips(dir));
  const r = await vouch(['db', 'update', '--source', server.url, '--ecosystem', 'NoSuchEcosystem']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /HTTP 404/);
});
