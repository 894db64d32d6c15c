// SIGINT/SIGTERM stop any command: its registry requests abort, its partial output is removed and
// the process exits 130/143, as a shell reports a process ended by the signal. --timeout does the same
// with exit 3 (TIMEOUT). A real process, since signals and exit statuses are what is under test.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type LyingRegistry, SLOW_IMAGE, startLyingRegistry } from '../support/lying-registry.js';
import { createOciLayoutWriter } from '../../src/oci/layout-dir.js';
import { runCli } from '../support/cli.js';

const ENTRY = new URL('../support/vouch-process.ts', import.meta.url).pathname;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-signal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `dir`, relative, recursively. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1));
}

async function layerRequested(reg: LyingRegistry): Promise<void> {
  while (!reg.requests.some((r) => r.path.includes(SLOW_IMAGE.layerDigest))) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const [sig, status] of [
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const) {
  test(`${sig} during a copy exits ${status} and leaves no partial output`, async (t) => {
    const reg = await startLyingRegistry({ kind: 'slow-layer', intervalMs: 5 });
    t.after(() => reg.close());
    const out = join(tempDir(t), 'out');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', ENTRY, 'copy', '--insecure-registry', `${reg.host}/app:v1`, `oci-dir:${out}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await layerRequested(reg);
    // The copy is writing the layer: its temp blob and the directory it created exist now.
    assert.ok(existsSync(out));
    child.kill(sig);
    assert.equal(await exited, status, stderr);
    assert.match(stderr, new RegExp(`interrupted by ${sig}`));
    assert.equal(existsSync(out), false, `left behind: ${files(out).join(', ')}`);
    assert.ok(reg.requests.find((r) => r.path.includes(SLOW_IMAGE.layerDigest))?.closedEarly);
  });
}

test('SIGTERM during a copy into an existing layout removes only the blobs it was writing', async (t) => {
  const reg = await startLyingRegistry({ kind: 'slow-layer', intervalMs: 5 });
  t.after(() => reg.close());
  const out = join(tempDir(t), 'layout');
  // A layout that exists already is kept exactly as it was.
  await (await createOciLayoutWriter(out)).commit();
  const before = files(out).sort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ENTRY, 'copy', '--insecure-registry', `${reg.host}/app:v1`, `oci-dir:${out}`],
    { stdio: 'ignore' },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await layerRequested(reg);
  child.kill('SIGTERM');
  assert.equal(await exited, 143);
  assert.deepEqual(files(out).sort(), before);
});

test('--timeout stops a copy stuck on a slow registry with TIMEOUT (exit 3) and no partial output', async (t) => {
  const reg = await startLyingRegistry({ kind: 'slow-layer', intervalMs: 5 });
  t.after(() => reg.close());
  const out = join(tempDir(t), 'out');
  const r = await runCli([
    'copy',
    '--timeout',
    '300ms',
    '--insecure-registry',
    `${reg.host}/app:v1`,
    `oci-dir:${out}`,
  ]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /did not finish within 300ms \(--timeout\)/);
  assert.equal(existsSync(out), false);
});

test('--timeout that is not a duration is a usage error', async () => {
  const r = await runCli(['digest', '--timeout', 'soon', 'registry.example.com/app:1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--timeout: "soon" is not a duration/);
});
