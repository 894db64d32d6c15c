import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeKeyPairFiles } from '../../src/sign/index.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-keyfile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const pair = { privatePem: 'PRIVATE\n', publicPem: 'PUBLIC\n' };

test('a key pair is written as <prefix>.key (0600) and <prefix>.pub with no temp files left', async (t) => {
  const dir = tempDir(t);
  const { keyPath, pubPath } = await writeKeyPairFiles(join(dir, 'cosign'), pair);
  assert.equal(readFileSync(keyPath, 'utf8'), 'PRIVATE\n');
  assert.equal(readFileSync(pubPath, 'utf8'), 'PUBLIC\n');
  assert.equal(statSync(keyPath).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir).sort(), ['cosign.key', 'cosign.pub']);
});

test('an existing key file is never overwritten unless asked', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'cosign.key'), 'OLD');
  await assert.rejects(writeKeyPairFiles(join(dir, 'cosign'), pair), { code: 'USAGE' });
  assert.equal(readFileSync(join(dir, 'cosign.key'), 'utf8'), 'OLD');
  assert.deepEqual(readdirSync(dir), ['cosign.key']);
});

test('an existing public key blocks the pair and the fresh private key is removed again', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'cosign.pub'), 'OLD');
  await assert.rejects(writeKeyPairFiles(join(dir, 'cosign'), pair), { code: 'USAGE' });
  assert.deepEqual(readdirSync(dir), ['cosign.pub']);
});

test('overwrite replaces both files when asked', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'cosign.key'), 'OLD');
  writeFileSync(join(dir, 'cosign.pub'), 'OLD');
  await writeKeyPairFiles(join(dir, 'cosign'), pair, { overwrite: true });
  assert.equal(readFileSync(join(dir, 'cosign.key'), 'utf8'), 'PRIVATE\n');
  assert.deepEqual(readdirSync(dir).sort(), ['cosign.key', 'cosign.pub']);
});

test('a missing directory is an IO_ERROR, not a crash', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(writeKeyPairFiles(join(dir, 'nope', 'cosign'), pair), { code: 'IO_ERROR' });
});
