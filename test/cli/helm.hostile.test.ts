/** Hostile inputs for `vouch helm`: each ends with its documented exit code and message, nothing written. */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as openpgp from 'openpgp';
import { runCli } from '../support/cli.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'helm');
const CHART = 'hashtest-1.2.3.tgz';

async function dirWith(prov?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-helm-h-'));
  await copyFile(join(FIX, CHART), join(dir, CHART));
  if (prov !== undefined) await writeFile(join(dir, `${CHART}.prov`), prov);
  return dir;
}
const verify = (dir: string, keyring = join(FIX, 'helm-test-key.pub')) =>
  runCli(['helm', 'verify', CHART, '--keyring', keyring], { cwd: dir });

test('a .prov that is not a signed message: exit 1, signature block not found', async () => {
  const r = await verify(await dirWith('files:\n  hashtest-1.2.3.tgz: sha256:00\n'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /hashtest-1\.2\.3\.tgz\.prov: signature block not found/);
});

test("helm's tampered message block fixture does not verify", async () => {
  const r = await verify(await dirWith(await readFile(join(FIX, 'msgblock.yaml.tampered'), 'utf8')));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /invalid signature/);
});

test('a .prov signed for another file name: exit 1, no SHA for this file', async () => {
  const prov = await readFile(join(FIX, `${CHART}.prov`), 'utf8');
  const dir = await mkdtemp(join(tmpdir(), 'vouch-helm-h-'));
  await copyFile(join(FIX, CHART), join(dir, 'renamed-1.2.3.tgz'));
  await writeFile(join(dir, 'renamed-1.2.3.tgz.prov'), prov);
  const r = await runCli(
    ['helm', 'verify', 'renamed-1.2.3.tgz', '--keyring', join(FIX, 'helm-test-key.pub')],
    {
      cwd: dir,
    },
  );
  assert.equal(r.code, 1);
  assert.match(r.stderr, /provenance does not contain a SHA for a file named "renamed-1\.2\.3\.tgz"/);
});

test('a truncated chart archive cannot be signed (exit 2) and leaves no .prov', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-helm-h-'));
  const bytes = await readFile(join(FIX, CHART));
  await writeFile(join(dir, CHART), bytes.subarray(0, 200));
  const r = await runCli(
    ['helm', 'sign', CHART, '--keyring', join(FIX, 'helm-test-key.secret'), '--key', 'helm-testing'],
    {
      cwd: dir,
    },
  );
  assert.equal(r.code, 2);
  await assert.rejects(readFile(join(dir, `${CHART}.prov`)), { code: 'ENOENT' });
});

test('signing with a public keyring is refused as helm refuses it', async () => {
  const r = await runCli(
    ['helm', 'sign', CHART, '--keyring', join(FIX, 'helm-test-key.pub'), '--key', 'helm-testing'],
    {
      cwd: await dirWith(),
    },
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, /provided key is not a private key/);
});

test('a key name matching no identity, or several keys, is refused', async () => {
  const none = await runCli(
    ['helm', 'sign', CHART, '--keyring', join(FIX, 'helm-test-key.secret'), '--key', 'nobody'],
    {
      cwd: await dirWith(),
    },
  );
  assert.equal(none.code, 2);
  assert.match(none.stderr, /private key not found/);
});

test('an ASCII-armored keyring works as the binary one does', async () => {
  const [key] = await openpgp.readKeys({ binaryKeys: await readFile(join(FIX, 'helm-test-key.pub')) });
  assert.ok(key);
  const dir = await dirWith(await readFile(join(FIX, `${CHART}.prov`), 'utf8'));
  await writeFile(join(dir, 'pub.asc'), key.armor());
  const r = await verify(dir, join(dir, 'pub.asc'));
  assert.equal(r.code, 0, r.stderr);
});
