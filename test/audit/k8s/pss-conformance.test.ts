/**
 * Conformance with pod-security-admission: its own fixtures (test/fixtures/k8s-audit/psa-testdata, from
 * upstream test/testdata) evaluated for every level and policy version they are listed for. A `pass`
 * pod must raise no violation; a `fail` pod must be denied by the check its fixture is named after (or
 * by the restricted check that replaces it at that version, as upstream's registry does).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseYamlSource } from '../../../src/audit/index.js';
import { collectObjects } from '../../../src/audit/k8s/objects.js';
import { readPodView } from '../../../src/audit/k8s/pss/pod-view.js';
import {
  activeChecks,
  evaluatePod,
  PSS_LATEST_MINOR,
  type PssLevel,
} from '../../../src/audit/k8s/pss/registry.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'k8s-audit', 'psa-testdata');

interface Row {
  level: PssLevel;
  result: 'pass' | 'fail';
  fixture: string;
  versions: number[];
  file: string;
}

function expand(ranges: string): number[] {
  const out: number[] = [];
  for (const r of ranges.split(',')) {
    const [a, b] = r.split('-').map((v) => Number(v.replace('v1.', '')));
    for (let v = a ?? 0; v <= (b ?? a ?? 0); v++) out.push(v);
  }
  return out;
}

const rows: Row[] = readFileSync(join(DIR, 'index.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0 && !l.startsWith('#'))
  .map((l) => {
    const [level, result, fixture, versions, file] = l.split('\t');
    return {
      level: level as PssLevel,
      result: result as 'pass' | 'fail',
      fixture: fixture ?? '',
      versions: expand(versions ?? ''),
      file: file ?? '',
    };
  });

/** A restricted check that takes a baseline check's place (policy/registry.go overrides). */
const REPLACED_BY: Record<string, string> = {
  capabilities_baseline: 'capabilities_restricted',
  seccompProfile_baseline: 'seccompProfile_restricted',
  hostPathVolumes: 'restrictedVolumes',
  procMount: 'procMount_restricted',
};

function pod(file: string) {
  const parsed = parseYamlSource(readFileSync(join(DIR, file)), file);
  assert.ok(parsed.ok, `${file} parses`);
  const { objects } = collectObjects([{ file, documents: parsed.documents, text: '' }]);
  const o = objects[0];
  assert.ok(o, `${file} holds a pod`);
  const view = readPodView(o.value.metadata, o.value.spec, ['metadata'], ['spec']);
  assert.ok(view.ok, `${file} reads as a pod`);
  return view.pod;
}

test('the fixtures cover every version from v1.0 to the newest and every stored file', () => {
  const versions = new Set(rows.flatMap((r) => r.versions));
  for (let v = 0; v <= PSS_LATEST_MINOR; v++) assert.ok(versions.has(v), `v1.${v} has fixtures`);
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
  assert.deepEqual(new Set(rows.map((r) => r.file)), new Set(files));
});

for (const level of ['baseline', 'restricted'] as const) {
  test(`every ${level} pass fixture is allowed at every version it is listed for`, () => {
    let cases = 0;
    for (const r of rows.filter((x) => x.level === level && x.result === 'pass')) {
      const p = pod(r.file);
      for (const version of r.versions) {
        const v = evaluatePod({ level, version }, p);
        assert.deepEqual(
          v.map((x) => x.id),
          [],
          `${level} v1.${version} pass/${r.fixture}: ${v.map((x) => `${x.outcome.reason} (${x.outcome.detail})`).join(', ')}`,
        );
        cases += 1;
      }
    }
    assert.ok(cases > 400, `${cases} cases`);
  });

  test(`every ${level} fail fixture is denied by its check at every version it is listed for`, () => {
    let cases = 0;
    for (const r of rows.filter((x) => x.level === level && x.result === 'fail')) {
      const p = pod(r.file);
      const named = r.fixture.replace(/\d+$/, '').toLowerCase();
      for (const version of r.versions) {
        const active = activeChecks({ level, version }).map((c) => c.id);
        const base = active.find((id) => id.toLowerCase() === named);
        const replaced = Object.entries(REPLACED_BY).find(([from]) => from.toLowerCase() === named)?.[1];
        const expected = base ?? replaced;
        assert.ok(expected && active.includes(expected), `${level} v1.${version}: ${named} runs`);
        const denied = evaluatePod({ level, version }, p).map((x) => x.id);
        assert.ok(
          denied.includes(expected),
          `${level} v1.${version} fail/${r.fixture}: expected ${expected}, got [${denied.join(', ')}]`,
        );
        cases += 1;
      }
    }
    assert.ok(cases > 400, `${cases} cases`);
  });
}
