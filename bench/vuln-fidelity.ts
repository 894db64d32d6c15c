import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertOsv, matchComponents, memorySource, type OsvVulnerability } from '../src/vuln/index.js';
import { schemeForEcosystem } from '../src/vuln/versions/registry.js';

/**
 * Matcher fidelity against real PyPA advisory-database records (test/fixtures/vuln/osv-pypa, see its
 * README): OSV's `versions` list enumerates the releases each record's ranges cover, computed by
 * OSV from PyPI's release list. Every listed version must match the record through its ranges and
 * list; every "neighbour" must not: the fixed versions of the record's ranges, and releases of the
 * same package listed by other records that fall outside this record's list while being no newer than
 * its newest listed version (a release newer than that may post-date the enumeration).
 */

export interface Fidelity {
  records: number;
  listed: number;
  listedMatched: number;
  neighbours: number;
  neighboursUnmatched: number;
  /** Listed versions that are not PEP 440 (legacy `0.9-eevee`): the matcher skips such components. */
  listedUnparseable: number;
  /** Withdrawn records, left out: the matcher ignores them by design. */
  withdrawn: number;
  /** Disagreements, for the report: `id name@version expected`. */
  misses: string[];
}

export const PYPA_FIXTURES = new URL('../test/fixtures/vuln/osv-pypa/', import.meta.url).pathname;

export function loadPypaRecords(dir = PYPA_FIXTURES): OsvVulnerability[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => assertOsv(JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown, f));
}

function pep440Compare(a: string, b: string): number {
  // Only used to pick "no newer than the newest listed": numeric release segments are enough here.
  const pa = a.split(/[^0-9]+/).map(Number);
  const pb = b.split(/[^0-9]+/).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Runs the listed / neighbour check over the records. */
export function measureFidelity(records: readonly OsvVulnerability[]): Fidelity {
  const releases = new Map<string, Set<string>>();
  for (const r of records)
    for (const a of r.affected) {
      const s = releases.get(a.name.toLowerCase()) ?? new Set<string>();
      for (const v of a.versions) s.add(v);
      releases.set(a.name.toLowerCase(), s);
    }
  const f: Fidelity = {
    records: 0,
    listed: 0,
    listedMatched: 0,
    neighbours: 0,
    neighboursUnmatched: 0,
    listedUnparseable: 0,
    withdrawn: 0,
    misses: [],
  };
  const pep440 = schemeForEcosystem('PyPI');
  for (const r of records) {
    if (r.withdrawn !== undefined) {
      f.withdrawn++;
      continue;
    }
    const source = memorySource([r]);
    const hits = (name: string, version: string): boolean =>
      matchComponents(
        [{ purl: `pkg:pypi/${encodeURIComponent(name)}@${encodeURIComponent(version)}` }],
        source,
      ).findings.some((x) => x.id === r.id);
    let counted = false;
    for (const a of r.affected) {
      if (a.ecosystem !== 'PyPI' || a.versions.length === 0) continue;
      counted = true;
      const listed = new Set(a.versions);
      for (const v of a.versions) {
        f.listed++;
        if (pep440 && !pep440.parse(v).ok) f.listedUnparseable++;
        if (hits(a.name, v)) f.listedMatched++;
        else f.misses.push(`${r.id} ${a.name}@${v} listed but not matched`);
      }
      const newest = [...listed].sort(pep440Compare).at(-1) ?? '';
      const neighbours = new Set<string>();
      for (const range of a.ranges)
        for (const e of range.events)
          if (e.kind === 'fixed' && !listed.has(e.version)) neighbours.add(e.version);
      for (const v of releases.get(a.name.toLowerCase()) ?? [])
        if (!listed.has(v) && pep440Compare(v, newest) <= 0) neighbours.add(v);
      for (const v of neighbours) {
        f.neighbours++;
        if (!hits(a.name, v)) f.neighboursUnmatched++;
        else f.misses.push(`${r.id} ${a.name}@${v} not listed but matched`);
      }
    }
    if (counted) f.records++;
  }
  return f;
}
