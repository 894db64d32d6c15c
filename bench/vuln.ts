import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { buildDatabase, matchComponents, openDatabase, type PurlComponent } from '../src/vuln/index.js';
import type { BenchFigure, BenchScope } from './figure.js';
import { loadPypaRecords, measureFidelity } from './vuln-fidelity.js';

/**
 * Vulnerability database and matcher benchmark: build a database from ~50k synthetic OSV records
 * spread over five ecosystems, open it, and scan 10,000 components against it (cold: records decoded
 * on first lookup; warm: a second scan on the same open database). Seeded, so every run sees the same
 * data. Run alone with `node --import tsx bench/vuln.ts`.
 */

const RECORDS = 50_000;
const COMPONENTS = 10_000;
const PACKAGES = 20_000;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Eco {
  ecosystem: string;
  name: (i: number) => string;
  version: (a: number, b: number, c: number) => string;
  purl: (i: number, version: string) => string;
}

const ECOS: readonly Eco[] = [
  {
    ecosystem: 'npm',
    name: (i) => `pkg-${i}`,
    version: (a, b, c) => `${a}.${b}.${c}`,
    purl: (i, v) => `pkg:npm/pkg-${i}@${v}`,
  },
  {
    ecosystem: 'PyPI',
    name: (i) => `py-pkg-${i}`,
    version: (a, b, c) => `${a}.${b}.${c}`,
    purl: (i, v) => `pkg:pypi/py_pkg_${i}@${v}`,
  },
  {
    ecosystem: 'Maven',
    name: (i) => `org.example:artifact-${i}`,
    version: (a, b, c) => `${a}.${b}.${c}`,
    purl: (i, v) => `pkg:maven/org.example/artifact-${i}@${v}`,
  },
  {
    ecosystem: 'Debian:12',
    name: (i) => `src${i}`,
    version: (a, b, c) => `${a}.${b}-${c}`,
    purl: (i, v) => `pkg:deb/debian/bin${i}@${v}?distro=debian-12&upstream=src${i}`,
  },
  {
    ecosystem: 'Alpine:v3.19',
    name: (i) => `apk${i}`,
    version: (a, b, c) => `${a}.${b}.0-r${c}`,
    purl: (i, v) => `pkg:apk/alpine/apk${i}@${v}?distro=alpine-3.19.1`,
  },
];

function synthesize(rand: () => number): { records: unknown[]; components: PurlComponent[] } {
  const int = (n: number): number => Math.floor(rand() * n);
  const records: unknown[] = [];
  for (let r = 0; r < RECORDS; r++) {
    const eco = ECOS[r % ECOS.length] as Eco;
    const pkg = int(PACKAGES);
    const fixed = eco.version(1 + int(5), int(20), 1 + int(20));
    records.push({
      id: `BENCH-${r}`,
      modified: '2024-01-01T00:00:00Z',
      aliases: [`CVE-2024-${100000 + r}`],
      summary: `synthetic advisory ${r}`,
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
      affected: [
        {
          package: { ecosystem: eco.ecosystem, name: eco.name(pkg) },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
        },
      ],
      database_specific: { severity: 'HIGH' },
    });
  }
  const components: PurlComponent[] = [];
  for (let c = 0; c < COMPONENTS; c++) {
    const eco = ECOS[c % ECOS.length] as Eco;
    components.push({ purl: eco.purl(int(PACKAGES), eco.version(1 + int(5), int(20), 1 + int(20))) });
  }
  return { records, components };
}

function ms(since: number): number {
  return Math.round((performance.now() - since) * 10) / 10;
}

// CPU time of this process (user + system) in ms: steadier than wall time on a shared, loaded machine.
function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return Math.round((d.user + d.system) / 100) / 10;
}

/** Speed figures on synthetic data, then matcher fidelity on real PyPA records (bench/vuln-fidelity.ts). */
export async function benchVuln(scope: BenchScope): Promise<BenchFigure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-bench-vuln-'));
  scope.after(() => rm(dir, { recursive: true, force: true }));
  return [...(await benchSpeed(dir)), ...fidelityFigures()];
}

function fidelityFigures(): BenchFigure[] {
  const f = measureFidelity(loadPypaRecords());
  const agreed = f.listedMatched + f.neighboursUnmatched;
  const total = f.listed + f.neighbours;
  return [
    { name: `vuln fidelity: PyPA records with versions lists`, value: f.records, unit: 'records' },
    { name: 'vuln fidelity: listed versions matched', value: f.listedMatched, unit: `of ${f.listed}` },
    {
      name: 'vuln fidelity: unlisted neighbours not matched',
      value: f.neighboursUnmatched,
      unit: `of ${f.neighbours}`,
    },
    {
      name: 'vuln fidelity: agreement rate',
      value: total === 0 ? Number.NaN : agreed / total,
      unit: 'ratio',
    },
  ];
}

async function benchSpeed(dir: string): Promise<BenchFigure[]> {
  {
    const { records, components } = synthesize(seeded(42));
    const out = join(dir, 'vuln.db');
    let t = performance.now();
    let c = process.cpuUsage();
    await buildDatabase([{ kind: 'records', name: 'synthetic', records }], {
      out,
      builtAt: new Date(0),
      source: 'synthetic',
    });
    const build = ms(t);
    const buildCpu = cpuMs(c);
    const size = (await stat(out)).size;
    const opens: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      openDatabase(out).close();
      opens.push(ms(t));
    }
    opens.sort((a, b) => a - b);
    const db = openDatabase(out);
    try {
      t = performance.now();
      c = process.cpuUsage();
      const cold = matchComponents(components, db);
      const scanCold = ms(t);
      const scanColdCpu = cpuMs(c);
      t = performance.now();
      c = process.cpuUsage();
      const warm = matchComponents(components, db);
      const scanWarm = ms(t);
      const scanWarmCpu = cpuMs(c);
      return [
        { name: 'vuln db build (50k records)', value: build, unit: 'ms' },
        { name: 'vuln db build (50k records), CPU', value: buildCpu, unit: 'ms' },
        { name: 'vuln db size (50k records)', value: Math.round(size / 1024), unit: 'KiB' },
        { name: 'vuln db open (median of 5)', value: opens[2] ?? Number.NaN, unit: 'ms' },
        { name: 'vuln scan 10k components, cold', value: scanCold, unit: 'ms' },
        { name: 'vuln scan 10k components, cold, CPU', value: scanColdCpu, unit: 'ms' },
        { name: 'vuln scan 10k components, warm', value: scanWarm, unit: 'ms' },
        { name: 'vuln scan 10k components, warm, CPU', value: scanWarmCpu, unit: 'ms' },
        { name: 'vuln findings (10k components)', value: warm.findings.length, unit: 'findings' },
        {
          name: 'vuln findings agree cold/warm',
          value: cold.findings.length === warm.findings.length ? 1 : 0,
          unit: 'bool',
        },
      ];
    } finally {
      db.close();
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const cleanups: Array<() => unknown> = [];
  const figures = await benchVuln({ after: (fn) => cleanups.push(fn) });
  for (const fn of cleanups) await fn();
  for (const r of figures) process.stdout.write(`${r.name}: ${r.value} ${r.unit}\n`);
}
