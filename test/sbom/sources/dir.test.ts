import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { FileTree, TreeWarning } from '../../../src/sbom/index.js';
import { openDirTree } from '../../../src/sbom/index.js';

function tempTree(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), 'vouch-sbom-dir-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

async function list(
  tree: FileTree,
  maxBytes = 1 << 20,
): Promise<{ paths: string[]; warnings: TreeWarning[] }> {
  const warnings: TreeWarning[] = [];
  const paths: string[] = [];
  for await (const f of tree.files(() => true, { maxBytes, onWarning: (w) => warnings.push(w) }))
    paths.push(f.path);
  return { paths: paths.sort(), warnings };
}

test('a symlink loop is entered once and the walk ends', async (t) => {
  const root = tempTree(t);
  mkdirSync(join(root, 'a'));
  writeFileSync(join(root, 'a', 'go.mod'), 'module x\n');
  symlinkSync('..', join(root, 'a', 'up'));
  symlinkSync('self', join(root, 'self'));
  const { paths, warnings } = await list(await openDirTree(root));
  assert.deepEqual(paths, ['a/go.mod']);
  assert.ok(warnings.some((w) => w.path === 'self'));
});

test('symlinks that leave the root are not followed, and say so', async (t) => {
  const root = tempTree(t);
  const outside = tempTree(t);
  writeFileSync(join(outside, 'secret.txt'), 'x');
  symlinkSync(outside, join(root, 'escape'));
  symlinkSync(join(outside, 'secret.txt'), join(root, 'file-escape'));
  const { paths, warnings } = await list(await openDirTree(root));
  assert.deepEqual(paths, []);
  assert.deepEqual(warnings.map((w) => w.path).sort(), ['escape', 'file-escape']);
});

test('symlinks inside the root are followed', async (t) => {
  const root = tempTree(t);
  mkdirSync(join(root, 'real'));
  writeFileSync(join(root, 'real', 'Cargo.lock'), 'version = 4\n');
  symlinkSync('real/Cargo.lock', join(root, 'link.lock'));
  const { paths } = await list(await openDirTree(root));
  assert.deepEqual(paths, ['link.lock', 'real/Cargo.lock']);
});

test('.git is never walked; node_modules is skipped next to a lockfile unless asked', async (t) => {
  const root = tempTree(t);
  mkdirSync(join(root, '.git', 'objects'), { recursive: true });
  writeFileSync(join(root, '.git', 'objects', 'package.json'), '{}');
  writeFileSync(join(root, 'package-lock.json'), '{}');
  mkdirSync(join(root, 'node_modules', 'ms'), { recursive: true });
  writeFileSync(join(root, 'node_modules', 'ms', 'package.json'), '{}');
  assert.deepEqual((await list(await openDirTree(root))).paths, ['package-lock.json']);
  assert.deepEqual((await list(await openDirTree(root, { nodeModules: 'always' }))).paths, [
    'node_modules/ms/package.json',
    'package-lock.json',
  ]);
});

test('a selected file over the byte limit is skipped with a warning, never truncated', async (t) => {
  const root = tempTree(t);
  writeFileSync(join(root, 'big.lock'), Buffer.alloc(2048));
  const { paths, warnings } = await list(await openDirTree(root), 1024);
  assert.deepEqual(paths, []);
  assert.match(warnings[0]?.message ?? '', /over the 1024-byte limit/);
});

test('a missing source is FILE_NOT_FOUND', async () => {
  await assert.rejects(openDirTree('/nonexistent/vouch/source'), { code: 'FILE_NOT_FOUND' });
});

test('a single file is a tree of one file', async (t) => {
  const root = tempTree(t);
  writeFileSync(join(root, 'go.sum'), '');
  assert.deepEqual((await list(await openDirTree(join(root, 'go.sum')))).paths, ['go.sum']);
});

test('an unreadable directory is a warning and the scan goes on', (t) => {
  const base = tempTree(t);
  const root = join(base, 'root');
  mkdirSync(join(root, 'locked'), { recursive: true });
  mkdirSync(join(root, 'ok'));
  writeFileSync(join(root, 'ok', 'go.mod'), 'module x\n');
  chmodSync(join(root, 'locked'), 0o000);
  chmodSync(base, 0o755);
  chmodSync(root, 0o755);
  const dirModule = fileURLToPath(new URL('../../../src/sbom/sources/dir.ts', import.meta.url));
  const script = join(base, 'scan.mjs');
  writeFileSync(
    script,
    `import { openDirTree } from ${JSON.stringify(dirModule)};
const tree = await openDirTree(${JSON.stringify(root)});
const out = { paths: [], warnings: [] };
for await (const f of tree.files(() => true, { maxBytes: 1e6, onWarning: (w) => out.warnings.push(w) })) out.paths.push(f.path);
process.stdout.write(JSON.stringify(out));`,
  );
  chmodSync(script, 0o644);
  // root reads any directory through CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH, so as root the scan runs
  // without them (util-linux setpriv). It stays uid 0, so it can still read a checkout that lives
  // under a directory only root may enter (a mktemp -d clone).
  const asRoot = process.getuid?.() === 0;
  const node = [process.execPath, '--import', 'tsx', script];
  const cmd = asRoot ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--', ...node] : node;
  const r = spawnSync(cmd[0] ?? '', cmd.slice(1), {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    env: { ...process.env, HOME: base },
    encoding: 'utf8',
  });
  assert.equal(r.error, undefined, 'setpriv is missing: apt-get install -y util-linux');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { paths: string[]; warnings: Array<{ path: string; message: string }> };
  assert.deepEqual(out.paths, ['ok/go.mod']);
  assert.equal(out.warnings[0]?.path, 'locked');
  assert.match(out.warnings[0]?.message ?? '', /unreadable directory/);
});
