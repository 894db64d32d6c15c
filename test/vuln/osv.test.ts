import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertOsv, parseOsv } from '../../src/vuln/index.js';
import { severityOf } from '../../src/vuln/cvss.js';
import { rawFixtures } from './fixture-records.js';

const base = { id: 'GHSA-aaaa-bbbb-cccc', modified: '2024-01-01T00:00:00Z' };

test('every real fixture record parses without dropping a field', () => {
  const fixtures = rawFixtures();
  assert.ok(fixtures.length >= 13);
  for (const f of fixtures) {
    const r = parseOsv(f.json);
    assert.ok(r.ok, f.path);
    assert.deepEqual(r.problems, [], f.path);
    assert.ok(r.record.affected.length > 0, f.path);
  }
});

test('ranges, events, versions, aliases and severity labels are read as the schema defines them', () => {
  const r = assertOsv({
    ...base,
    aliases: ['CVE-2024-0001'],
    related: ['CVE-2024-0002'],
    upstream: ['CVE-2024-0003'],
    withdrawn: '2024-02-01T00:00:00Z',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected: [
      {
        package: { ecosystem: 'npm', name: 'x', purl: 'pkg:npm/x' },
        ranges: [
          { type: 'SEMVER', events: [{ introduced: '0' }, { last_affected: '1.0.0' }, { limit: '2.0.0' }] },
        ],
        versions: ['0.1.0', '1.0.0'],
        ecosystem_specific: { severity: 'HIGH' },
      },
    ],
    database_specific: { severity: 'MODERATE' },
  });
  assert.deepEqual(r.aliases, ['CVE-2024-0001']);
  assert.deepEqual(r.related, ['CVE-2024-0002']);
  assert.deepEqual(r.upstream, ['CVE-2024-0003']);
  assert.equal(r.withdrawn, '2024-02-01T00:00:00Z');
  assert.equal(r.severityLabel, 'MODERATE');
  const a = r.affected[0];
  assert.ok(a);
  assert.equal(a.purl, 'pkg:npm/x');
  assert.equal(a.severityLabel, 'HIGH');
  assert.deepEqual(a.versions, ['0.1.0', '1.0.0']);
  assert.deepEqual(a.ranges[0]?.events, [
    { kind: 'introduced', version: '0' },
    { kind: 'last_affected', version: '1.0.0' },
    { kind: 'limit', version: '2.0.0' },
  ]);
});

test('unknown fields are ignored without a problem', () => {
  const r = parseOsv({ ...base, schema_version: '1.9.0', credits: [{ name: 'x' }], future_field: { a: 1 } });
  assert.ok(r.ok);
  assert.deepEqual(r.problems, []);
});

test('a bad range or event is dropped and listed by path, the rest of the record is kept', () => {
  const r = parseOsv({
    ...base,
    affected: [
      {
        package: { ecosystem: 'PyPI', name: 'x' },
        ranges: [
          { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: 5 }, { introduced: '1', fixed: '2' }] },
          { type: 'WEIRD', events: [{ introduced: '0' }] },
          { type: 'ECOSYSTEM', events: [{ fixed: '1.0' }] },
        ],
      },
      { package: { ecosystem: 'PyPI' } },
    ],
    severity: [{ type: 'CVSS_V3' }],
  });
  assert.ok(r.ok);
  assert.deepEqual(r.problems, [
    '$.severity[0]',
    '$.affected[0].ranges[0].events[1]',
    '$.affected[0].ranges[0].events[2]',
    '$.affected[0].ranges[1].type',
    '$.affected[0].ranges[2].events',
    '$.affected[1].package',
  ]);
  assert.equal(r.record.affected.length, 1);
  assert.deepEqual(r.record.affected[0]?.ranges[0]?.events, [{ kind: 'introduced', version: '0' }]);
});

test('a record without a usable id or modified time is refused with the fields listed', () => {
  assert.throws(
    () => assertOsv({ modified: 'yesterday' }),
    (e: unknown) => {
      assert.ok(e instanceof Error && 'code' in e && e.code === 'INPUT_MALFORMED');
      assert.deepEqual((e as unknown as { fields: string[] }).fields, ['$.id', '$.modified']);
      return true;
    },
  );
  assert.equal(parseOsv({ id: '../../etc/passwd', modified: base.modified }).ok, false);
  assert.equal(parseOsv([base]).ok, false);
  assert.equal(parseOsv(null).ok, false);
});

test('an alias equal to the record id is not reported as an alias', () => {
  assert.deepEqual(assertOsv({ ...base, aliases: [base.id, 'CVE-2024-1'] }).aliases, ['CVE-2024-1']);
});

test("a RustSec record's database_specific.cvss vector is a CVSS severity source", () => {
  const r = assertOsv({
    ...base,
    id: 'RUSTSEC-2021-0078',
    database_specific: {
      cvss: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      categories: ['memory-corruption'],
    },
    affected: [
      {
        package: { ecosystem: 'crates.io', name: 'hyper' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }],
      },
    ],
  });
  assert.deepEqual(r.severity, [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }]);
  const s = severityOf(r);
  assert.equal(s.level, 'critical');
  assert.equal(s.source, 'CVSS:3.1');
});
