import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertOsv, parseOsv } from '../../src/vuln/index.js';

const base = { id: 'GHSA-aaaa-bbbb-cccc', modified: '2024-01-01T00:00:00Z' };

test('hostile: truncated JSON never reaches the parser as a record', () => {
  const text = JSON.stringify({ ...base, affected: [] }).slice(0, 30);
  assert.throws(() => JSON.parse(text), SyntaxError);
  assert.equal(parseOsv(text).ok, false);
});

test('hostile: oversized lists are refused rather than half-read', () => {
  const r = parseOsv({
    ...base,
    affected: [{ package: { ecosystem: 'npm', name: 'x' }, versions: new Array(60_000).fill('1.0.0') }],
  });
  assert.ok(r.ok);
  assert.deepEqual(r.problems, ['$.affected[0].versions']);
  assert.deepEqual(r.record.affected[0]?.versions, []);
});

test('hostile: oversized strings in ids and versions are refused', () => {
  assert.equal(parseOsv({ ...base, id: `GHSA-${'a'.repeat(10_000)}` }).ok, false);
  const r = parseOsv({
    ...base,
    affected: [
      {
        package: { ecosystem: 'npm', name: 'x' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: 'x'.repeat(300) }] }],
      },
    ],
  });
  assert.ok(r.ok);
  assert.deepEqual(r.record.affected[0]?.ranges, []);
});

test('hostile: __proto__ keys in a record do not pollute objects', () => {
  const json = `{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z","__proto__":{"polluted":true},"affected":[{"package":{"ecosystem":"npm","name":"x","__proto__":{"polluted":true}}}]}`;
  const r = assertOsv(JSON.parse(json));
  assert.equal(r.affected.length, 1);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('hostile: wrong types everywhere give problems, never a crash', () => {
  const r = parseOsv({
    ...base,
    aliases: 'CVE-1',
    related: [1, null],
    summary: 42,
    severity: { type: 'CVSS_V3' },
    affected: [
      1,
      'x',
      null,
      { package: [], ranges: 'all' },
      { package: { ecosystem: 'npm', name: 'x' }, ranges: [null] },
    ],
    withdrawn: false,
  });
  assert.ok(r.ok);
  assert.ok(r.problems.length >= 8);
  assert.equal(r.record.affected.length, 1);
});

test('hostile: a modified time that is not a date makes the record unusable', () => {
  assert.throws(() => assertOsv({ id: base.id, modified: 'not a date' }), { code: 'INPUT_MALFORMED' });
});

test('hostile: control characters in package names drop the entry (they would forge index keys)', () => {
  const r = parseOsv({
    ...base,
    affected: [
      { package: { ecosystem: 'npm', name: 'x\u0000npm' } },
      { package: { ecosystem: 'npm\nPyPI', name: 'x' } },
      { package: { ecosystem: 'npm', name: 'ok' } },
    ],
  });
  assert.ok(r.ok);
  assert.deepEqual(r.problems, ['$.affected[0].package', '$.affected[1].package']);
  assert.deepEqual(
    r.record.affected.map((a) => a.name),
    ['ok'],
  );
});
