// --key values are user input: every bad one ends in a clear code, never a crash or a stack trace.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSigningKey, loadVerificationKey, PEM_MAX_BYTES } from '../../src/sign/index.js';
import { tempDir } from '../cli/sign-setup.js';
import { fixture } from './test-material.js';

const noPassword = async (): Promise<string> => {
  throw new Error('the password must not be asked for');
};

test('an unset env://VAR key is a usage error', async () => {
  await assert.rejects(loadVerificationKey('env://NOPE', { env: {}, cwd: '/' }), { code: 'USAGE' });
});

test('a KMS or remote key reference is refused as unsupported', async () => {
  await assert.rejects(loadVerificationKey('awskms://alias/key', { env: {}, cwd: '/' }), {
    code: 'UNSUPPORTED',
  });
});

test('a missing key file is FILE_NOT_FOUND', async (t) => {
  const dir = tempDir(t, 'keyref');
  await assert.rejects(loadVerificationKey('absent.pub', { env: {}, cwd: dir }), { code: 'FILE_NOT_FOUND' });
});

test('a directory given as --key is refused as malformed input', async (t) => {
  const dir = tempDir(t, 'keyref');
  mkdirSync(join(dir, 'cosign.pub'));
  await assert.rejects(loadVerificationKey('cosign.pub', { env: {}, cwd: dir }), { code: 'INPUT_MALFORMED' });
});

test('an oversized key file is refused before it is read', async (t) => {
  const dir = tempDir(t, 'keyref');
  writeFileSync(join(dir, 'big.pub'), Buffer.alloc(PEM_MAX_BYTES + 1, 0x41));
  await assert.rejects(loadVerificationKey('big.pub', { env: {}, cwd: dir }), { code: 'INPUT_TOO_LARGE' });
});

test('a truncated PEM key is malformed input', async (t) => {
  const dir = tempDir(t, 'keyref');
  const pem = fixture('cosign-keys', 'ec-p256-pkcs8.key');
  writeFileSync(join(dir, 'cut.key'), pem.subarray(0, pem.length - 40));
  await assert.rejects(loadSigningKey('cut.key', { env: {}, cwd: dir, password: noPassword }), {
    code: 'INPUT_MALFORMED',
  });
});

test('an unencrypted key is loaded without asking for a password', async (t) => {
  const dir = tempDir(t, 'keyref');
  writeFileSync(join(dir, 'plain.key'), fixture('cosign-keys', 'ec-p256-pkcs8.key'));
  const k = await loadSigningKey('plain.key', { env: {}, cwd: dir, password: noPassword });
  assert.equal(k.algorithm, 'ecdsa-p256');
});

test('a private key given where a public key is expected is malformed input', async (t) => {
  const dir = tempDir(t, 'keyref');
  writeFileSync(join(dir, 'wrong.pub'), fixture('cosign-keys', 'ec-p256-pkcs8.key'));
  await assert.rejects(loadVerificationKey('wrong.pub', { env: {}, cwd: dir }), { code: 'INPUT_MALFORMED' });
});

test('a cosign key with the wrong password is WRONG_PASSWORD naming the key', async () => {
  const pem = fixture('cosign-keys', 'sigstore-n32768.key').toString('utf8');
  await assert.rejects(
    loadSigningKey('env://KEY', { env: { KEY: pem }, cwd: '/', password: async () => 'not hello' }),
    { code: 'WRONG_PASSWORD', message: 'wrong password for env://KEY' },
  );
});
