import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { runCli } from '../support/cli.js';

function dirs(t: TestContext): { dir: string; policies: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-serve-hostile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const policies = join(dir, 'policies');
  mkdirSync(policies);
  return { dir, policies };
}

const serve = (policies: string, ...extra: string[]) => [
  'admission',
  'serve',
  '--policies',
  policies,
  '--host',
  '127.0.0.1',
  '--port',
  '0',
  '--self-signed',
  ...extra,
];

test('an --image-store that is not oci-dir:<path> is a usage error', async (t) => {
  const { policies } = dirs(t);
  const r = await runCli(serve(policies, '--image-store', 'registry:ghcr.io/x'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--image-store takes oci-dir:<path>/);
});

test('an --image-store layout that does not exist stops the webhook at start (exit 3)', async (t) => {
  const { dir, policies } = dirs(t);
  const r = await runCli(serve(policies, '--image-store', `oci-dir:${join(dir, 'nope')}`));
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^vouch: /);
});

test('a port that is not a number is a usage error', async (t) => {
  const { policies } = dirs(t);
  const r = await runCli(['admission', 'serve', '--policies', policies, '--self-signed', '--port', 'eighty']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--port needs a non-negative number/);
});

test('a --trusted-root that is not a Sigstore trusted root is refused (exit 2)', async (t) => {
  const { dir, policies } = dirs(t);
  writeFileSync(join(dir, 'root.json'), '{"mediaType": "not a trusted root"');
  const r = await runCli(serve(policies, '--trusted-root', join(dir, 'root.json')));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^vouch: /);
});

test('a --namespaces file with an alias bomb is refused (exit 2)', async (t) => {
  const { dir, policies } = dirs(t);
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 0; i < 8; i++)
    bomb.push(
      `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
    );
  writeFileSync(join(dir, 'ns.yaml'), `${bomb.join('\n')}\n`);
  const r = await runCli(serve(policies, '--namespaces', join(dir, 'ns.yaml')));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /namespaces file/);
});

test('vouch demo with --out naming a regular file is an environment error, not a crash', async (t) => {
  const { dir } = dirs(t);
  const file = join(dir, 'not-a-dir');
  writeFileSync(file, 'x');
  const r = await runCli(['demo', '--out', file]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^vouch: cannot create /);
  assert.doesNotMatch(r.stderr, /internal error/);
});
