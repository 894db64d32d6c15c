// syft's invocations on vouch sbom: a single file as the source, `--exclude` globs, `-q`, `--scope`.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { runCli } from '../support/cli.js';

const WORKSPACES = join(import.meta.dirname, '..', 'fixtures', 'sbom', 'npm-workspaces');

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-syft-surface-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function purls(stdout: string): string[] {
  return (
    (JSON.parse(stdout) as { components?: Array<{ purl?: string }> }).components
      ?.map((c) => c.purl ?? '')
      .sort() ?? []
  );
}

test('sbom <lockfile> catalogs that one file, as syft <file> does', async () => {
  const r = await runCli(['sbom', '-o', 'cyclonedx-json', join(WORKSPACES, 'package-lock.json')]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(purls(r.stdout).includes('pkg:npm/ms@2.1.3'));
});

test('sbom <file no cataloger knows> says so on stderr instead of a silent empty document', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'notes.txt'), 'hello\n');
  const r = await runCli(['sbom', '-o', 'cyclonedx-json', 'notes.txt'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(purls(r.stdout), []);
  assert.match(r.stderr, /notes\.txt: no cataloger recognises this file/);
});

test("--exclude './node_modules/**' and '**/package-lock.json' leave those files out", async (t) => {
  const dir = tempDir(t);
  cpSync(WORKSPACES, join(dir, 'src'), { recursive: true });
  const all = await runCli(['sbom', '-o', 'cyclonedx-json', 'dir:src'], { cwd: dir });
  assert.equal(all.code, 0, all.stderr);
  assert.ok(purls(all.stdout).length > 0);
  const none = await runCli(
    [
      'sbom',
      '-o',
      'cyclonedx-json',
      '--exclude',
      '**/package-lock.json',
      '--exclude',
      './packages/**',
      'dir:src',
    ],
    {
      cwd: dir,
    },
  );
  assert.equal(none.code, 0, none.stderr);
  assert.ok(purls(none.stdout).length < purls(all.stdout).length);
  assert.ok(!purls(none.stdout).includes('pkg:npm/ms@2.1.3'));
});

test('-q leaves stderr empty; --scope squashed is accepted and all-layers is refused, not ignored', async () => {
  const q = await runCli(['sbom', '-q', '-o', 'cyclonedx-json', join(WORKSPACES, 'package-lock.json')]);
  assert.equal(q.code, 0, q.stderr);
  assert.equal(q.stderr, '');
  const squashed = await runCli(['sbom', '--scope', 'squashed', '-o', 'cyclonedx-json', WORKSPACES]);
  assert.equal(squashed.code, 0, squashed.stderr);
  const layers = await runCli(['sbom', '--scope', 'all-layers', WORKSPACES]);
  assert.equal(layers.code, 2);
  assert.match(layers.stderr, /all-layers/);
});
