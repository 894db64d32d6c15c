import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertOsv, failsAt, memorySource, scanComponents } from '../../src/vuln/index.js';
import { fixtureRecords } from './fixture-records.js';

const TARGET = {
  name: 's',
  kind: 'sbom',
  format: 'cyclonedx 1.6',
  subject: undefined,
  location: 's',
} as const;

// A record with no fixed version (the shape of an advisory for an abandoned package).
const UNFIXED = assertOsv(
  {
    id: 'GHSA-test-nofx-0001',
    modified: '2024-01-01T00:00:00Z',
    affected: [
      {
        package: { ecosystem: 'npm', name: 'left-pad' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }],
      },
    ],
    database_specific: { severity: 'LOW' },
  },
  'inline',
);

test('--only-fixed moves findings without a fixed version to the suppressed list', () => {
  const source = memorySource([...fixtureRecords(), UNFIXED]);
  const components = [{ purl: 'pkg:npm/left-pad@1.3.0' }, { purl: 'pkg:npm/lodash@4.17.20' }];
  const all = scanComponents(components, source, { target: TARGET });
  assert.deepEqual(
    all.findings.map((f) => f.id),
    ['GHSA-test-nofx-0001', 'GHSA-35jh-r3h4-6jhm'],
  );
  const fixedOnly = scanComponents(components, source, { target: TARGET, onlyFixed: true });
  assert.deepEqual(
    fixedOnly.findings.map((f) => f.id),
    ['GHSA-35jh-r3h4-6jhm'],
  );
  assert.deepEqual(
    fixedOnly.suppressed.map((s) => [s.finding.id, s.by]),
    [['GHSA-test-nofx-0001', 'only-fixed']],
  );
});

test('counts cover every severity level and --fail-on compares against active findings only', () => {
  const source = memorySource([...fixtureRecords(), UNFIXED]);
  const r = scanComponents([{ purl: 'pkg:npm/left-pad@1.3.0' }], source, { target: TARGET });
  assert.deepEqual(r.counts, { unknown: 0, none: 0, low: 1, medium: 0, high: 0, critical: 0 });
  assert.ok(failsAt(r, 'low'));
  assert.ok(!failsAt(r, 'medium'));
  const ignored = scanComponents([{ purl: 'pkg:npm/left-pad@1.3.0' }], source, {
    target: TARGET,
    ignore: ['GHSA-test-nofx-0001'],
  });
  assert.ok(!failsAt(ignored, 'low'));
});
