// grype's `db import|check|list` on vouch's database.
import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { scanEnv } from './scan-setup.js';

test('db import installs a database built elsewhere, after checking it whole', async (t) => {
  const built = await scanEnv(t);
  const target = await scanEnv(t, { build: false });
  const r = await target.vouch(['db', 'import', built.db]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await readFile(target.db), await readFile(built.db));
  const status = await target.vouch(['db', 'status', '--verify']);
  assert.equal(status.code, 0, status.stderr);
});

test('db import of a truncated or foreign file fails, keeps the old database and leaves no temp file', async (t) => {
  const env = await scanEnv(t);
  const before = await readFile(env.db);
  const bad = join(env.dir, 'bad.db');
  await copyFile(env.db, bad);
  await truncate(bad, before.length - 100);
  const truncated = await env.vouch(['db', 'import', bad]);
  assert.equal(truncated.code, 3, truncated.stderr);
  await writeFile(join(env.dir, 'foreign.db'), 'SQLite format 3\0 not ours');
  const foreign = await env.vouch(['db', 'import', 'foreign.db']);
  assert.equal(foreign.code, 3, foreign.stderr);
  assert.deepEqual(await readFile(env.db), before);
  assert.deepEqual(
    (await readdir(env.dir)).filter((n) => n.endsWith('.import')),
    [],
  );
});

test('db check: 0 for a fresh database, 1 for an old or missing one (update available)', async (t) => {
  const env = await scanEnv(t);
  // scanEnv builds at SOURCE_DATE_EPOCH (2023-11-14); "now" for the check is a day and a week later.
  const at = (epoch: number) =>
    runCli(['db', 'check', '--db', env.db], { env: { SOURCE_DATE_EPOCH: String(epoch) }, cwd: env.dir });
  const fresh = await at(1700000000 + 86400);
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.match(fresh.stdout, /^No update available/);
  const old = await at(1700000000 + 7 * 86400);
  assert.equal(old.code, 1, old.stderr);
  assert.match(old.stdout, /^Update available: built 2023-11-14/);
  const missing = await runCli(['db', 'check', '--db', join(env.dir, 'none.db')], { cwd: env.dir });
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /^Update available: no vulnerability database/);
});

test('db list names the OSV exports db update fetches', async (t) => {
  const env = await scanEnv(t, { build: false });
  const r = await env.vouch(['db', 'list', '--source', 'https://mirror.example/osv/']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^npm\thttps:\/\/mirror\.example\/osv\/npm\/all\.zip$/m);
});
