// Runs a command once and measures it from outside: wall time, and CPU time (user + sys) from GNU time,
// which these shared, overloaded machines (load ~12 on 2 cores) distort far less than wall time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface ProcessTime {
  wallMs: number;
  cpuMs: number;
}

const TIME = '/usr/bin/time';

/** Runs `command args` under GNU time; throws with the tail of stderr when it fails. */
export function timeProcess(
  command: string,
  args: readonly string[],
  opts: { env?: Record<string, string>; cwd?: string } = {},
): ProcessTime {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-bench-time-'));
  try {
    const out = join(dir, 'time.txt');
    const t0 = performance.now();
    const r = spawnSync(TIME, ['-f', '%U %S', '-o', out, command, ...args], {
      env: { ...process.env, ...opts.env },
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const wallMs = performance.now() - t0;
    if (r.error) throw new Error(`${TIME} not runnable (apt-get install -y time): ${r.error.message}`);
    if (r.status !== 0) throw new Error(`${command} exited ${r.status}: ${r.stderr.slice(-2000)}`);
    const [user, sys] = readFileSync(out, 'utf8').trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
    if (user === undefined || sys === undefined || Number.isNaN(user) || Number.isNaN(sys)) {
      throw new Error(`${TIME}: unexpected output in ${out}`);
    }
    return { wallMs, cpuMs: (user + sys) * 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
