import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { VERSION } from '../../src/version.js';

test('an unknown command is a usage error with exit 2', async () => {
  const r = await runCli(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^vouch: unknown command 'frobnicate'/);
  assert.match(r.stderr, /hint: /);
  assert.equal(r.stdout, '');
});

test('errors are one JSON object on stderr under --output json', async () => {
  const r = await runCli(['frobnicate', '--output', 'json']);
  assert.equal(r.code, 2);
  const parsed = JSON.parse(r.stderr) as { error: { code: string } };
  assert.equal(parsed.error.code, 'USAGE');
});

test('--version prints the package version', async () => {
  const r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), VERSION);
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.equal(pkg.version, VERSION);
});
