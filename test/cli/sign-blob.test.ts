import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { ENV, fileScope, keyPair, tempDir } from './sign-setup.js';

const keys = await keyPair(fileScope);

test('sign-blob --bundle then verify-blob --bundle verifies the file', async (t) => {
  const dir = tempDir(t, 'blob');
  writeFileSync(join(dir, 'artifact.txt'), 'release 1.0\n');
  const s = await runCli(
    ['sign-blob', '--key', keys.key, '--bundle', 'artifact.sigstore.json', 'artifact.txt'],
    { env: ENV, cwd: dir },
  );
  assert.equal(s.code, 0, s.stderr);
  const bundle = JSON.parse(readFileSync(join(dir, 'artifact.sigstore.json'), 'utf8')) as {
    mediaType: string;
  };
  assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  const v = await runCli(
    ['verify-blob', '--key', keys.pub, '--bundle', 'artifact.sigstore.json', 'artifact.txt'],
    { cwd: dir },
  );
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stderr, /Verified OK/);
});

test('sign-blob prints a base64 signature that verify-blob --signature checks', async (t) => {
  const dir = tempDir(t, 'blob');
  writeFileSync(join(dir, 'a.txt'), 'payload\n');
  const s = await runCli(['sign-blob', '--key', keys.key, '--output-signature', 'a.sig', 'a.txt'], {
    env: ENV,
    cwd: dir,
  });
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stdout.trim(), readFileSync(join(dir, 'a.sig'), 'utf8'));
  const v = await runCli(['verify-blob', '--key', keys.pub, '--signature', 'a.sig', 'a.txt'], { cwd: dir });
  assert.equal(v.code, 0, v.stderr);
});

test('a file changed after signing fails verify-blob with its digest', async (t) => {
  const dir = tempDir(t, 'blob');
  writeFileSync(join(dir, 'a.txt'), 'original\n');
  const s = await runCli(['sign-blob', '--key', keys.key, '--bundle', 'b.json', 'a.txt'], {
    env: ENV,
    cwd: dir,
  });
  assert.equal(s.code, 0, s.stderr);
  writeFileSync(join(dir, 'a.txt'), 'changed\n');
  const v = await runCli(['verify-blob', '--key', keys.pub, '--bundle', 'b.json', 'a.txt'], { cwd: dir });
  assert.equal(v.code, 1);
  assert.match(v.stderr, /signs sha256:[0-9a-f]{64} but the artifact is sha256:[0-9a-f]{64}/);
});

test('a truncated bundle file is bad input, exit 2', async (t) => {
  const dir = tempDir(t, 'blob');
  writeFileSync(join(dir, 'a.txt'), 'x\n');
  await runCli(['sign-blob', '--key', keys.key, '--bundle', 'b.json', 'a.txt'], { env: ENV, cwd: dir });
  const whole = readFileSync(join(dir, 'b.json'));
  writeFileSync(join(dir, 'b.json'), whole.subarray(0, whole.length - 20));
  const v = await runCli(['verify-blob', '--key', keys.pub, '--bundle', 'b.json', 'a.txt'], { cwd: dir });
  assert.equal(v.code, 2);
  assert.match(v.stderr, /truncated/);
});

test('a blob signature from another key is refused', async (t) => {
  const other = await keyPair(t, 'other');
  const dir = tempDir(t, 'blob');
  writeFileSync(join(dir, 'a.txt'), 'x\n');
  await runCli(['sign-blob', '--key', other.key, '--output-signature', 'a.sig', 'a.txt'], {
    env: ENV,
    cwd: dir,
  });
  const v = await runCli(['verify-blob', '--key', keys.pub, '--signature', 'a.sig', 'a.txt'], { cwd: dir });
  assert.equal(v.code, 1);
  assert.match(v.stderr, /signature does not verify with key [0-9a-f]{16}/);
});
