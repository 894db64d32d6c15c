// `npm run bench sbom-accuracy`: recall and precision of vouch's catalogers on our own SBOM fixtures,
// against test/fixtures/sbom/expected-packages.json (written by expected-packages.py with Python's own
// json/tomllib/yaml/zipfile readers, not vouch's code). Deterministic: no timing, safe on a loaded machine.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSbom, openDirTree, pep503 } from '../src/sbom/index.js';
import type { BenchFigure } from './figure.js';

const FIXTURES = join(import.meta.dirname, '..', 'test', 'fixtures', 'sbom');

interface Expected {
  ecosystem: string;
  packages: string[];
}

export interface AccuracyRow {
  fixture: string;
  ecosystem: string;
  expected: number;
  found: number;
  matched: number;
  missing: string[];
  extra: string[];
}

/** Scans each fixture directory and compares name@version sets with the expected list. */
export async function sbomAccuracy(): Promise<AccuracyRow[]> {
  const table = JSON.parse(readFileSync(join(FIXTURES, 'expected-packages.json'), 'utf8')) as Record<
    string,
    Expected
  >;
  const rows: AccuracyRow[] = [];
  for (const [fixture, exp] of Object.entries(table)) {
    const r = await generateSbom(await openDirTree(join(FIXTURES, fixture)), { onBadFile: 'warn' });
    const found = new Set(
      r.components.map((c) => `${c.purl.startsWith('pkg:pypi/') ? pep503(c.name) : c.name}@${c.version}`),
    );
    const want = new Set(exp.packages);
    const matched = [...want].filter((p) => found.has(p)).length;
    rows.push({
      fixture,
      ecosystem: exp.ecosystem,
      expected: want.size,
      found: found.size,
      matched,
      missing: [...want].filter((p) => !found.has(p)),
      extra: [...found].filter((p) => !want.has(p)),
    });
  }
  return rows;
}

export async function benchSbomAccuracy(): Promise<BenchFigure[]> {
  const rows = await sbomAccuracy();
  const byEco = new Map<string, { expected: number; found: number; matched: number; fixtures: number }>();
  for (const r of rows) {
    const e = byEco.get(r.ecosystem) ?? { expected: 0, found: 0, matched: 0, fixtures: 0 };
    e.expected += r.expected;
    e.found += r.found;
    e.matched += r.matched;
    e.fixtures += 1;
    byEco.set(r.ecosystem, e);
    for (const m of r.missing) console.error(`sbom-accuracy: ${r.fixture}: missing ${m}`);
    for (const x of r.extra) console.error(`sbom-accuracy: ${r.fixture}: extra ${x}`);
  }
  const figures: BenchFigure[] = [];
  for (const [eco, e] of [...byEco].sort()) {
    figures.push({
      name: `sbom-accuracy: ${eco} recall (${e.fixtures} fixtures, ${e.expected} packages)`,
      value: e.expected === 0 ? 100 : (100 * e.matched) / e.expected,
      unit: '%',
    });
    figures.push({
      name: `sbom-accuracy: ${eco} precision (${e.found} found)`,
      value: e.found === 0 ? 100 : (100 * e.matched) / e.found,
      unit: '%',
    });
  }
  return figures;
}
