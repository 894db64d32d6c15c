// `audit-ci`: `vouch audit ci` over 1,000 workflow files (the shared fixtures, copied under new names
// into one repository), in-process (read + parse + every rule), against zizmor and actionlint on the same
// files when the peers are installed (scripts/install-peers.sh). Peers are timed from outside, once
// each, whatever their exit code (both exit non-zero when they find something).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { auditCi } from '../src/audit/ci/index.js';
import type { BenchFigure, BenchScope } from './figure.js';

const FILES = 1_000;
const FIXTURES = join(import.meta.dirname, '..', 'test', 'fixtures', 'audit-ci');

function peer(name: string): string | undefined {
  const p = join(process.env['VOUCH_PEERS_DIR'] ?? join(homedir(), '.cache', 'vouch-peers'), 'bin', name);
  return existsSync(p) ? p : undefined;
}

interface Timed {
  wallMs: number;
  cpuMs: number;
}

/** Runs a peer once under GNU time: wall time, and CPU time (user + sys), whatever its exit code. */
function timePeer(command: string, args: readonly string[], cwd: string): Timed {
  const out = join(cwd, '.time');
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', out, command, ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const wallMs = performance.now() - t0;
  if (r.error || r.status === null || r.status > 100)
    throw new Error(`${command} failed: ${r.error?.message ?? r.stderr.slice(-500)}`);
  const [user, sys] = readFileSync(out, 'utf8').trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
  return { wallMs, cpuMs: ((user ?? Number.NaN) + (sys ?? Number.NaN)) * 1000 };
}

export async function benchAuditCi(scope: BenchScope): Promise<BenchFigure[]> {
  const root = await mkdtemp(join(tmpdir(), 'vouch-bench-ci-'));
  scope.after(() => rm(root, { recursive: true, force: true }));
  const wfDir = join(root, '.github', 'workflows');
  await mkdir(wfDir, { recursive: true });
  const sources = (await readdir(FIXTURES)).filter(
    (f) => /\.ya?ml$/.test(f) && f !== 'dependabot.yml' && f !== 'ci-unpinned.yml',
  );
  const texts = await Promise.all(sources.map((f) => readFile(join(FIXTURES, f), 'utf8')));
  const names: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const name = `wf-${String(i).padStart(4, '0')}.yml`;
    names.push(name);
    await writeFile(join(wfDir, name), texts[i % texts.length] ?? '');
  }
  const runs: number[] = [];
  const cpu: number[] = [];
  let findings = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const inputs = await Promise.all(
      names.map(async (n) => ({ file: `.github/workflows/${n}`, content: await readFile(join(wfDir, n)) })),
    );
    const result = auditCi(inputs, { persona: 'auditor' });
    runs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    findings = result.findings.length;
  }
  runs.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const vouchMs = runs[1] ?? 0;
  const vouchCpu = cpu[1] ?? 0;
  const figures: BenchFigure[] = [
    { name: `audit-ci: vouch, ${FILES} workflows, read + audit (median of 3)`, value: vouchMs, unit: 'ms' },
    { name: `audit-ci: vouch, ${FILES} workflows, CPU time (median of 3)`, value: vouchCpu, unit: 'ms' },
    { name: 'audit-ci: vouch findings (auditor persona)', value: findings, unit: 'findings' },
  ];
  const peers: [string, string | undefined, string[]][] = [
    ['zizmor', peer('zizmor'), ['--offline', '--no-config', '--persona', 'auditor', '--format', 'json', '.']],
    [
      'actionlint',
      peer('actionlint'),
      ['-shellcheck=', '-pyflakes=', '-no-color', ...names.map((n) => `.github/workflows/${n}`)],
    ],
  ];
  for (const [name, path, args] of peers) {
    if (!path) continue;
    const t = timePeer(path, args, root);
    figures.push({ name: `audit-ci: ${name}, ${FILES} workflows, wall`, value: t.wallMs, unit: 'ms' });
    figures.push({ name: `audit-ci: ${name}, ${FILES} workflows, CPU time`, value: t.cpuMs, unit: 'ms' });
    figures.push({
      name: `audit-ci: ${name} / vouch wall-time ratio (>1 = vouch faster)`,
      value: t.wallMs / vouchMs,
      unit: 'x',
    });
    figures.push({
      name: `audit-ci: ${name} / vouch CPU-time ratio (>1 = vouch faster)`,
      value: t.cpuMs / vouchCpu,
      unit: 'x',
    });
  }
  return figures;
}
