import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertOsv, type OsvVulnerability } from '../../src/vuln/index.js';

/** The directory of real OSV records (see test/fixtures/vuln/README.md). */
export const OSV_FIXTURES = new URL('../fixtures/vuln/osv/', import.meta.url).pathname;

/** Every fixture record as raw JSON, keyed by relative path. */
export function rawFixtures(): Array<{ path: string; json: unknown }> {
  const out: Array<{ path: string; json: unknown }> = [];
  for (const dir of readdirSync(OSV_FIXTURES).sort()) {
    for (const file of readdirSync(join(OSV_FIXTURES, dir)).sort()) {
      out.push({
        path: `${dir}/${file}`,
        json: JSON.parse(readFileSync(join(OSV_FIXTURES, dir, file), 'utf8')),
      });
    }
  }
  return out;
}

/** Every fixture record, parsed. */
export function fixtureRecords(): OsvVulnerability[] {
  return rawFixtures().map((f) => assertOsv(f.json, f.path));
}
