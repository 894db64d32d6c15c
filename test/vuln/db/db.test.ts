import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { buildDatabase, matchComponents, memorySource, openDatabase } from '../../../src/vuln/index.js';
import { fixtureRecords, OSV_FIXTURES, rawFixtures } from '../fixture-records.js';

const builtAt = new Date('2026-11-23T12:00:00Z');

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-vulndb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function zipCli(args: string[], cwd: string): void {
  const r = spawnSync('zip', args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `zip is needed (apt-get install zip): ${r.stderr ?? r.error}`);
}

const PURLS = [
  'pkg:npm/lodash@4.17.15',
  'pkg:pypi/requests@2.28.0',
  'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
  'pkg:golang/gopkg.in/yaml.v2@v2.2.2',
  'pkg:deb/debian/libc6@2.36-9+deb12u1?distro=debian-12&upstream=glibc',
  'pkg:apk/alpine/libcrypto3@3.1.3-r0?distro=alpine-3.18.4&upstream=openssl',
  'pkg:rpm/almalinux/openssl-libs@3.0.1-43.el9_0?epoch=1&distro=almalinux-9.1',
  'pkg:npm/left-pad@1.0.0',
].map((purl) => ({ purl }));

test('a database built from a directory of OSV files answers as the records do in memory', async (t) => {
  const out = join(tempDir(t), 'vuln.db');
  const result = await buildDatabase([{ kind: 'path', path: OSV_FIXTURES }], {
    out,
    builtAt,
    source: 'fixtures',
  });
  assert.equal(result.meta.records, 13);
  assert.equal(result.meta.skipped, 0);
  assert.equal(result.meta.builtAt, '2026-11-23T12:00:00.000Z');
  assert.equal(result.meta.source, 'fixtures');
  assert.deepEqual(result.meta.ecosystems, {
    AlmaLinux: 1,
    Alpine: 1,
    Debian: 1,
    Go: 1,
    Maven: 1,
    NuGet: 1,
    Packagist: 1,
    PyPI: 2,
    RubyGems: 1,
    'crates.io': 1,
    npm: 2,
  });
  const db = openDatabase(out);
  t.after(() => db.close());
  assert.deepEqual(db.meta, result.meta);
  const fromDb = matchComponents(PURLS, db);
  const fromMemory = matchComponents(PURLS, memorySource(fixtureRecords()));
  assert.deepEqual(fromDb, fromMemory);
  assert.equal(fromDb.findings.length, 8);
});

test('a record affecting several packages is stored once and found under each', async (t) => {
  const out = join(tempDir(t), 'vuln.db');
  await buildDatabase([{ kind: 'path', path: OSV_FIXTURES }], { out, builtAt });
  const db = openDatabase(out);
  t.after(() => db.close());
  const a = db.lookup('npm', 'lodash').map((r) => r.id);
  const b = db.lookup('npm', 'lodash-es').map((r) => r.id);
  assert.deepEqual(a, ['GHSA-35jh-r3h4-6jhm', 'GHSA-p6mc-m468-83gw']);
  assert.deepEqual(b, ['GHSA-p6mc-m468-83gw']);
  assert.equal(readFileSync(out).toString('utf8').split('"id":"GHSA-p6mc-m468-83gw"').length - 1, 1);
  assert.deepEqual(db.lookup('npm', 'no-such-package'), []);
});

test('OSV all.zip archives, deflated and stored, build the same database', async (t) => {
  const dir = tempDir(t);
  for (const f of rawFixtures()) writeFileSync(join(dir, f.path.replace('/', '_')), JSON.stringify(f.json));
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  zipCli(['-q', '-X', 'deflated.zip', ...files], dir);
  zipCli(['-q', '-X', '-0', 'stored.zip', ...files], dir);
  const a = await buildDatabase([{ kind: 'path', path: join(dir, 'deflated.zip') }], {
    out: join(dir, 'a.db'),
    builtAt,
    source: 's',
  });
  const b = await buildDatabase([{ kind: 'path', path: join(dir, 'stored.zip') }], {
    out: join(dir, 'b.db'),
    builtAt,
    source: 's',
  });
  assert.equal(a.meta.records, 13);
  assert.deepEqual(b.meta, a.meta);
  assert.deepEqual(readFileSync(join(dir, 'a.db')), readFileSync(join(dir, 'b.db')));
});

test('malformed records are skipped and counted; the build fails only when none is usable', async (t) => {
  const dir = tempDir(t);
  const good = {
    id: 'GHSA-aaaa-bbbb-cccc',
    modified: '2024-01-01T00:00:00Z',
    affected: [{ package: { ecosystem: 'npm', name: 'x' } }],
  };
  const r = await buildDatabase(
    [{ kind: 'records', name: 'inline', records: [good, { id: 5 }, 'junk', null] }],
    { out: join(dir, 'ok.db'), builtAt },
  );
  assert.equal(r.meta.records, 1);
  assert.equal(r.meta.skipped, 3);
  assert.deepEqual(
    r.skipped.map((s) => s.where),
    ['inline[1]', 'inline[2]', 'inline[3]'],
  );
  await assert.rejects(
    buildDatabase([{ kind: 'records', name: 'inline', records: [{ id: 5 }] }], {
      out: join(dir, 'none.db'),
      builtAt,
    }),
    { code: 'INPUT_MALFORMED' },
  );
  assert.deepEqual(readdirSync(dir).sort(), ['ok.db']);
});

test('of two copies of one record the newer modified time wins', async (t) => {
  const dir = tempDir(t);
  const rec = (modified: string, summary: string) => ({
    id: 'GHSA-aaaa-bbbb-cccc',
    modified,
    summary,
    affected: [{ package: { ecosystem: 'npm', name: 'x' } }],
  });
  const r = await buildDatabase(
    [
      {
        kind: 'records',
        name: 'r',
        records: [rec('2024-05-01T00:00:00Z', 'new'), rec('2024-01-01T00:00:00Z', 'old')],
      },
    ],
    { out: join(dir, 'v.db'), builtAt },
  );
  assert.equal(r.duplicates, 1);
  const db = openDatabase(join(dir, 'v.db'));
  t.after(() => db.close());
  assert.equal(db.lookup('npm', 'x')[0]?.summary, 'new');
});

test('a failed rebuild leaves the previous database in place', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'vuln.db');
  await buildDatabase([{ kind: 'path', path: OSV_FIXTURES }], { out, builtAt });
  const before = readFileSync(out);
  await assert.rejects(buildDatabase([{ kind: 'records', name: 'x', records: [] }], { out, builtAt }), {
    code: 'INPUT_MALFORMED',
  });
  await assert.rejects(buildDatabase([{ kind: 'path', path: join(dir, 'missing') }], { out, builtAt }), {
    code: 'FILE_NOT_FOUND',
  });
  assert.deepEqual(readFileSync(out), before);
  assert.deepEqual(readdirSync(dir), ['vuln.db']);
});

test('opening a database that does not exist is DB_MISSING (exit 3)', () => {
  assert.throws(
    () => openDatabase(join(tmpdir(), 'vouch-no-such-dir', 'vuln.db')),
    (e: unknown) => {
      assert.ok(e instanceof Error && 'code' in e && e.code === 'DB_MISSING');
      assert.equal((e as unknown as { exitCode: number }).exitCode, 3);
      assert.match((e as unknown as { hint: string }).hint, /vouch db update/);
      return true;
    },
  );
});
