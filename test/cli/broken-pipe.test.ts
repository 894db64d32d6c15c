// `vouch sbom dir:. | head -1`: the reader leaves early; vouch ends quietly with exit 0 (no EPIPE stack).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');

test('a pipe closed by the reader ends vouch with exit 0 and nothing on stderr', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-epipe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // bin/vouch.js runs the built dist/; this is the same entry point over the sources.
  const entry = join(dir, 'vouch.mjs');
  writeFileSync(
    entry,
    [
      `import { guardBrokenPipe } from ${JSON.stringify(join(ROOT, 'src/cli/broken-pipe.ts'))};`,
      `import { run } from ${JSON.stringify(join(ROOT, 'src/cli/main.ts'))};`,
      'const pipe = guardBrokenPipe([process.stdout, process.stderr]);',
      'const code = await run({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd(),',
      '  stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, isTTY: false });',
      'process.exitCode = pipe.closed() ? 0 : code;',
    ].join('\n'),
  );
  // More than a pipe buffer of output (the SPDX document of every SBOM fixture), read one line.
  const r = spawnSync(
    'bash',
    [
      '-c',
      `node --import tsx ${JSON.stringify(entry)} sbom -q -o spdx-json dir:test/fixtures/sbom 2>${JSON.stringify(join(dir, 'err'))} | head -c 1 >/dev/null; echo "\${PIPESTATUS[0]}"; cat ${JSON.stringify(join(dir, 'err'))}`,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const [status, ...rest] = r.stdout.split('\n');
  assert.equal(status, '0', r.stdout);
  assert.equal(rest.join('\n').trim(), '', 'stderr of vouch');
});
