// `npm run bench [name…]`: runs the benchmarks in one process on this machine and prints each figure,
// with ratios against the peer a benchmark names. Figures go into docs/benchmarks.md by hand, with the
// command that produced them. Never used by tests: these machines are shared and noisy.
import { benchCopy } from './copy.js';
import type { BenchFigure, BenchScope } from './figure.js';

type Bench = (scope: BenchScope) => Promise<BenchFigure[]>;

const benches: Record<string, () => Promise<Bench>> = {
  copy: async () => benchCopy,
  verify: async () => (await import('./verify.js')).benchVerify,
  vuln: async () => (await import('./vuln.js')).benchVuln,
  policy: async () => (await import('./policy.js')).benchPolicy,
  'audit-ci': async () => (await import('./audit-ci.js')).benchAuditCi,
  sbom: async () => (await import('./sbom.js')).benchSbom,
  'in-toto': async () => (await import('./in-toto.js')).benchInToto,
  'audit-k8s': async () => (await import('./audit-k8s.js')).benchAuditK8s,
  'sbom-accuracy': async () => (await import('./sbom-accuracy.js')).benchSbomAccuracy,
  'sbom-stream': async () => (await import('./sbom-stream.js')).benchSbomStream,
  dsse: async () => {
    const { benchDsse } = await import('./dsse.js');
    return async () => {
      const r = await benchDsse();
      return [{ name: `dsse: ${r.name}`, value: r.opsPerSec, unit: 'envelopes/s' }];
    };
  },
  'policy-watch': async () => (await import('./policy-watch.js')).benchPolicyWatch,
  admission: async () => {
    const { benchAdmission } = await import('./admission.js');
    return async () =>
      (await benchAdmission()).map((r) => ({ name: `admission: ${r.name}`, value: r.value, unit: r.unit }));
  },
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length > 0 ? wanted : Object.keys(benches);
  let failed = false;
  for (const name of names) {
    const load = benches[name];
    if (!load) {
      console.error(`bench: unknown benchmark "${name}" (have: ${Object.keys(benches).join(', ')})`);
      failed = true;
      continue;
    }
    const cleanups: Array<() => unknown> = [];
    const scope: BenchScope = { after: (fn) => cleanups.push(fn) };
    try {
      const figures = await (await load())(scope);
      for (const f of figures)
        console.log(`${f.name.padEnd(64)} ${formatValue(f.value).padStart(12)} ${f.unit}`);
    } catch (e) {
      failed = true;
      console.error(`bench ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    } finally {
      for (const fn of cleanups.reverse()) await fn();
    }
  }
  process.exitCode = failed ? 1 : 0;
}

function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3);
}

await main();
