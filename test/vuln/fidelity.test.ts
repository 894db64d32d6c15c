import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPypaRecords, measureFidelity } from '../../bench/vuln-fidelity.js';
import { matchComponents, memorySource } from '../../src/vuln/index.js';

test('every version a real PyPA record lists matches it, and no unlisted neighbour does', () => {
  const f = measureFidelity(loadPypaRecords());
  assert.ok(f.records >= 40, `${f.records} records`);
  assert.ok(f.listed > 3000 && f.neighbours > 300);
  assert.deepEqual(f.misses, []);
  assert.equal(f.listedMatched, f.listed);
  assert.equal(f.neighboursUnmatched, f.neighbours);
});

test('a legacy non-PEP 440 version matches a record that lists it verbatim, and only then', () => {
  const records = loadPypaRecords().filter((r) => r.id === 'PYSEC-2008-8');
  assert.equal(records.length, 1);
  const r = matchComponents(
    [{ purl: 'pkg:pypi/paramiko@0.9-eevee' }, { purl: 'pkg:pypi/paramiko@0.9-pikachu' }],
    memorySource(records),
  );
  assert.deepEqual(
    r.findings.map((x) => `${x.id} ${x.version}`),
    ['PYSEC-2008-8 0.9-eevee'],
  );
  assert.deepEqual(
    r.stats.skipped.map((s) => s.reason),
    ['unparseable-version'],
  );
});
