// cosign's flag habits, as its documentation and users' scripts type them: `--yes`, `--tlog-upload=false`,
// `=value` booleans (pflag), the global `--output-file`, `--allow-http-registry` /
// `--allow-insecure-registry`, and plain HTTP to loopback registries without a flag
// (go-containerregistry's name.Registry.Scheme() picks http for localhost and 127.0.0.1).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { normalizeArgv } from '../../src/cli/argv-normalize.js';
import { isLoopbackRegistry } from '../../src/cli/image-options.js';
import { runCli } from '../support/cli.js';
import { startRegistry } from '../support/registry.js';
import { ENV, fileScope, keyPair, pushImage, tempDir } from './sign-setup.js';

const reg = await startRegistry(fileScope);
const keys = await keyPair(fileScope);

test('cosign sign --yes --tlog-upload=false works against a loopback registry without --insecure-registry', async (t) => {
  const ref = `${reg.host}/flags/app:v1`;
  await pushImage(t, ref, 'flags\n');
  const sign = await runCli(['sign', '--yes', '--tlog-upload=false', '--key', keys.key, ref], { env: ENV });
  assert.equal(sign.code, 0, sign.stderr);
  const verify = await runCli(['verify', '--insecure-ignore-tlog=true', '--key', keys.pub, ref]);
  assert.equal(verify.code, 0, verify.stderr);
  const payload = JSON.parse(verify.stdout.split('\n')[0] ?? '') as { critical: { type: string } };
  assert.equal(payload.critical.type, 'cosign container image signature');
});

test('--allow-http-registry and --allow-insecure-registry are accepted as cosign spells them', async (t) => {
  const ref = `${reg.host}/allow/app:v1`;
  await pushImage(t, ref, 'allow\n');
  for (const flag of ['--allow-http-registry', '--allow-insecure-registry', '--allow-http-registry=true']) {
    const r = await runCli(['digest', flag, ref]);
    assert.equal(r.code, 0, `${flag}: ${r.stderr}`);
    assert.match(r.stdout, /sha256:[0-9a-f]{64}/);
  }
});

test('an explicit --tlog-upload with --key is refused, not silently ignored (vouch signs offline)', async (t) => {
  const ref = `${reg.host}/tlog/app:v1`;
  await pushImage(t, ref, 'tlog\n');
  for (const flag of ['--tlog-upload', '--tlog-upload=true']) {
    const r = await runCli(['sign', flag, '--key', keys.key, ref], { env: ENV });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--tlog-upload with --key/);
  }
});

test('a boolean flag with a value that is not a boolean is a usage error naming the flag', async () => {
  const r = await runCli(['verify', '--insecure-ignore-tlog=maybe', '--key', keys.pub, `${reg.host}/x:v1`]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--insecure-ignore-tlog=maybe: a boolean flag takes true or false/);
});

test('--output-file receives what stdout would have carried, and stdout stays empty', async (t) => {
  const ref = `${reg.host}/outfile/app:v1`;
  await pushImage(t, ref, 'outfile\n');
  assert.equal((await runCli(['sign', '-y', '--key', keys.key, ref], { env: ENV })).code, 0);
  const dir = tempDir(t, 'outfile');
  const r = await runCli(['verify', '--output-file', 'verified.json', '--key', keys.pub, ref], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(readFileSync(join(dir, 'verified.json'), 'utf8'), /cosign container image signature/);
});

test('--output-file is not written when the command fails', async (t) => {
  const dir = tempDir(t, 'outfile-fail');
  const r = await runCli(
    ['verify', `--output-file=out.txt`, '--key', keys.pub, `${reg.host}/absent/app:v1`],
    {
      cwd: dir,
    },
  );
  assert.notEqual(r.code, 0);
  assert.equal(existsSync(join(dir, 'out.txt')), false);
});

test('an unknown flag still fails with a suggestion', async () => {
  const r = await runCli(['verify', '--insecure-ignore-tlogg', '--key', keys.pub, `${reg.host}/x:v1`]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /unknown option '--insecure-ignore-tlogg'[\s\S]*Did you mean --insecure-ignore-tlog\?/,
  );
});

test('normalizeArgv: =true is the bare flag, =false the --no- form or nothing, values of other flags are kept', () => {
  const program = new Command('vouch');
  program
    .command('sign')
    .argument('<ref>')
    .option('--key <file>')
    .option('--recursive')
    .option('--tlog-upload')
    .option('--no-tlog-upload');
  assert.deepEqual(
    normalizeArgv(program, ['sign', '--key', '--recursive=x', '--recursive=True', '--tlog-upload=0', 'ref'])
      .argv,
    ['sign', '--key', '--recursive=x', '--recursive', '--no-tlog-upload', 'ref'],
  );
  assert.deepEqual(normalizeArgv(program, ['sign', '--recursive=false', 'ref']).argv, ['sign', 'ref']);
  assert.deepEqual(normalizeArgv(program, ['sign', 'ref', '--', '--recursive=true']).argv, [
    'sign',
    'ref',
    '--',
    '--recursive=true',
  ]);
  assert.deepEqual(normalizeArgv(program, ['sign', '--output-file=o', 'ref']), {
    argv: ['sign', 'ref'],
    outputFile: 'o',
  });
});

test('loopback registries are localhost, 127.0.0.0/8 and [::1], with or without a port', () => {
  for (const h of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000', '[::1]'])
    assert.equal(isLoopbackRegistry(h), true, h);
  for (const h of ['localhost.example.com', '127.0.0.1.nip.io', '10.0.0.1:5000', 'registry.local', 'ghcr.io'])
    assert.equal(isLoopbackRegistry(h), false, h);
});
