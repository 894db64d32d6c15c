// `verify-blob --key` with a bundle's transparency-log entry, invoked exactly as cosign's conformance
// adapter (sigstore/cosign cmd/conformance/main.go) invokes cosign for the sigstore-conformance
// managed-key cases: `verify-blob --bundle B --new-bundle-format [--trusted-root T] --key K FILE_OR_DIGEST`.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { ENV, fileScope, keyPair, tempDir } from './sign-setup.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'sign', 'conformance-managed-key');
const A_TXT = join(DIR, 'a.txt');
const A_TXT_DIGEST = 'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf';
const withRoot = (f: string): string => join(DIR, 'with-trusted-root', f);
const publicGood = (f: string): string => join(DIR, 'public-good', f);

function adapterArgs(bundle: string, key: string, input: string, trustedRoot?: string): string[] {
  return [
    'verify-blob',
    '--bundle',
    bundle,
    '--new-bundle-format',
    ...(trustedRoot !== undefined ? ['--trusted-root', trustedRoot] : []),
    '--key',
    key,
    input,
  ];
}

test('a key-signed bundle verifies with --key and --trusted-root, by file and by sha256 digest', async () => {
  for (const input of [A_TXT, A_TXT_DIGEST]) {
    const r = await runCli(
      adapterArgs(
        withRoot('bundle.sigstore.json'),
        withRoot('key.pub'),
        input,
        withRoot('trusted_root.json'),
      ),
    );
    assert.equal(r.code, 0, `${input}: ${r.stderr}`);
    assert.match(r.stderr, /Verified OK .*transparency log checked/);
  }
});

test('with --key and --trusted-root, a log entry the root does not vouch for is refused (exit 1)', async () => {
  const r = await runCli(
    adapterArgs(
      publicGood('bundle.sigstore.json'),
      publicGood('key.pub'),
      A_TXT,
      withRoot('trusted_root.json'),
    ),
  );
  assert.equal(r.code, 1, r.stderr);
});

test('without --trusted-root, the log entry of a key-signed bundle is checked against the bundled public-good root', async () => {
  const ok = await runCli(
    adapterArgs(publicGood('bundle.sigstore.json'), publicGood('key.pub'), A_TXT_DIGEST),
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /public-good/);
  // The other case's entry is from a private log: present, so checked, and not in the public-good root.
  const bad = await runCli(adapterArgs(withRoot('bundle.sigstore.json'), withRoot('key.pub'), A_TXT));
  assert.equal(bad.code, 1, bad.stderr);
  const ignored = await runCli([
    ...adapterArgs(withRoot('bundle.sigstore.json'), withRoot('key.pub'), A_TXT),
    '--insecure-ignore-tlog=true',
  ]);
  assert.equal(ignored.code, 0, ignored.stderr);
});

test('another artifact than the signed one fails with --key and --trusted-root', async (t) => {
  const other = join(tempDir(t, 'other'), 'b.txt');
  writeFileSync(other, 'not a.txt\n');
  const r = await runCli(
    adapterArgs(withRoot('bundle.sigstore.json'), withRoot('key.pub'), other, withRoot('trusted_root.json')),
  );
  assert.equal(r.code, 1, r.stderr);
});

test('a bundle vouch signed offline verifies with --key alone but not once a --trusted-root asks for its log entry', async (t) => {
  const keys = await keyPair(fileScope);
  const dir = tempDir(t, 'offline');
  writeFileSync(join(dir, 'f.txt'), 'offline\n');
  const s = await runCli(
    ['sign-blob', '--yes', '--tlog-upload=false', '--key', keys.key, '--bundle', 'f.bundle', 'f.txt'],
    { env: ENV, cwd: dir },
  );
  assert.equal(s.code, 0, s.stderr);
  const offline = await runCli(['verify-blob', '--bundle', 'f.bundle', '--key', keys.pub, 'f.txt'], {
    cwd: dir,
  });
  assert.equal(offline.code, 0, offline.stderr);
  const logged = await runCli(
    [
      'verify-blob',
      '--bundle',
      'f.bundle',
      '--trusted-root',
      withRoot('trusted_root.json'),
      '--key',
      keys.pub,
      'f.txt',
    ],
    { cwd: dir },
  );
  assert.equal(logged.code, 1, logged.stderr);
});
