// vouch as the peer comparison runs it: compiled JavaScript (as `npm run build` makes for bin/vouch.js),
// so the timing is node + vouch, not a TypeScript transpiler. Built at bench time into .bench/vouch-dist
// (inside the project, so node_modules resolves) with an entry that mirrors bin/vouch.js.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
const OUT = join(ROOT, '.bench', 'vouch-dist');

/** Compiles src/ into .bench/vouch-dist; returns the entry script. */
export function buildVouch(): string {
  rmSync(OUT, { recursive: true, force: true });
  // Type errors elsewhere in a shared working tree do not stop tsc from emitting; a missing CLI does.
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(ROOT, 'tsconfig.build.json'),
      '--outDir',
      OUT,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  );
  if (!existsSync(join(OUT, 'cli', 'main.js'))) {
    throw new Error(`building vouch failed (tsc exit ${r.status}): ${r.stdout.slice(-2000)}`);
  }
  writeFileSync(join(OUT, 'package.json'), '{"type":"module"}\n');
  const entry = join(OUT, 'vouch.mjs');
  writeFileSync(
    entry,
    `import { run } from './cli/main.js';
process.exitCode = await run({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: false,
});
`,
  );
  return entry;
}
