// `vouch import-key-pair` takes the unencrypted key formats `cosign import-key-pair` takes and writes a
// cosign key pair that signs and verifies.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { ENV, tempDir } from './sign-setup.js';

const KEYS = {
  'EC (SEC1)': generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'sec1',
    format: 'pem',
  }),
  'RSA (PKCS#1)': generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs1',
    format: 'pem',
  }),
  'EC (PKCS#8)': generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }),
};

for (const [name, pem] of Object.entries(KEYS)) {
  test(`an ${name} key is imported as import-cosign.key/.pub that sign and verify`, async (t) => {
    const dir = tempDir(t, 'import');
    writeFileSync(join(dir, 'key.pem'), pem);
    writeFileSync(join(dir, 'blob.txt'), 'imported\n');
    const r = await runCli(['import-key-pair', '--key', 'key.pem'], { env: ENV, cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      readFileSync(join(dir, 'import-cosign.key'), 'utf8'),
      /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----/,
    );
    const s = await runCli(
      ['sign-blob', '--key', 'import-cosign.key', '--output-signature', 'blob.sig', 'blob.txt'],
      {
        env: ENV,
        cwd: dir,
      },
    );
    assert.equal(s.code, 0, s.stderr);
    const v = await runCli(
      ['verify-blob', '--key', 'import-cosign.pub', '--signature', 'blob.sig', 'blob.txt'],
      {
        cwd: dir,
      },
    );
    assert.equal(v.code, 0, v.stderr);
  });
}

test('import-key-pair keeps an existing key pair unless -y is given', async (t) => {
  const dir = tempDir(t, 'import-twice');
  writeFileSync(join(dir, 'key.pem'), KEYS['EC (SEC1)']);
  assert.equal((await runCli(['import-key-pair', '-k', 'key.pem'], { env: ENV, cwd: dir })).code, 0);
  const again = await runCli(['import-key-pair', '-k', 'key.pem'], { env: ENV, cwd: dir });
  assert.equal(again.code, 2);
  assert.equal((await runCli(['import-key-pair', '-y', '-k', 'key.pem'], { env: ENV, cwd: dir })).code, 0);
});

test('a file that is not a private key is bad input and writes nothing', async (t) => {
  const dir = tempDir(t, 'import-bad');
  writeFileSync(join(dir, 'key.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  const r = await runCli(['import-key-pair', '--key', 'key.pem', '-o', 'x'], { env: ENV, cwd: dir });
  assert.equal(r.code, 2);
  assert.throws(() => readFileSync(join(dir, 'x.key')));
});
