import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type TarWriteEntry, writeTar } from '../../src/archive/index.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-tarw-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const longName = `${'segment-of-a-long-path/'.repeat(12)}end.txt`; // 283 bytes: past ustar's name+prefix
const entries: TarWriteEntry[] = [
  { path: 'etc/os-release', type: 'file', content: 'ID=vouch\n' },
  { path: 'bin', type: 'directory' },
  { path: 'bin/app', type: 'file', content: '#!/bin/sh\necho hi\n', mode: 0o755 },
  { path: 'etc', type: 'directory' },
  { path: 'bin/app-link', type: 'symlink', linkpath: 'app' },
  { path: longName, type: 'file', content: 'long' },
];

test('the same entries and mtime always give the same bytes, whatever their order', () => {
  const a = writeTar(entries, { mtime: 1_700_000_000 });
  const b = writeTar([...entries].reverse(), { mtime: 1_700_000_000 });
  assert.ok(a.equals(b));
  assert.ok(!a.equals(writeTar(entries, { mtime: 1_700_000_001 })));
});

test('GNU tar lists the archive sorted, owned by 0:0, with the fixed mtime', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'a.tar');
  writeFileSync(file, writeTar(entries, { mtime: 1_700_000_000 }));
  const listing = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvf', file], {
    encoding: 'utf8',
    env: { TZ: 'UTC', PATH: '/usr/bin:/bin' },
  });
  const lines = listing.trim().split('\n');
  assert.deepEqual(
    lines.map((l) => l.split(/\s+/)[5]),
    ['bin/', 'bin/app', 'bin/app-link', 'etc/', 'etc/os-release', longName],
  );
  for (const l of lines) {
    assert.match(l, / 0\/0 /);
    assert.match(l, /2023-11-14 22:13:20/);
  }
});

test('GNU tar extracts long PAX names, modes and symlinks as written', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'a.tar');
  writeFileSync(file, writeTar(entries, { mtime: 0 }));
  execFileSync('tar', ['-xf', file, '-C', dir]);
  assert.equal(readFileSync(join(dir, longName), 'utf8'), 'long');
  assert.equal(readlinkSync(join(dir, 'bin/app-link')), 'app');
  const mode = execFileSync('stat', ['-c', '%a', join(dir, 'bin/app')], { encoding: 'utf8' }).trim();
  assert.equal(mode, '755');
});

test('an unsafe entry path is refused before anything is written', () => {
  assert.throws(() => writeTar([{ path: '../x', type: 'file', content: '' }], { mtime: 0 }), {
    code: 'UNSAFE_PATH',
  });
});

test('the same path twice is refused', () => {
  assert.throws(
    () =>
      writeTar(
        [
          { path: 'a', type: 'file', content: '1' },
          { path: './a', type: 'file', content: '2' },
        ],
        { mtime: 0 },
      ),
    { code: 'INPUT_MALFORMED' },
  );
});
