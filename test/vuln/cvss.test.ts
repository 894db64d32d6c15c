import assert from 'node:assert/strict';
import { test } from 'node:test';
import { levelFromLabel, scoreCvss, severityAtLeast, severityOf } from '../../src/vuln/index.js';

// Base scores published by NVD / FIRST for these vectors.
const SCORES: Array<[string, number, string]> = [
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8, 'critical'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10, 'critical'], // CVE-2021-44228
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N', 5.9, 'medium'],
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N', 6.1, 'medium'], // CVE-2023-32681
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 7.5, 'high'],
  ['CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:N', 6.5, 'medium'],
  ['AV:N/AC:L/Au:N/C:P/I:P/A:P', 7.5, 'high'],
  ['AV:N/AC:M/Au:N/C:N/I:P/A:N', 4.3, 'medium'],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3, 'critical'],
];

for (const [vector, score, level] of SCORES) {
  test(`CVSS base score of ${vector} is ${score} (${level})`, () => {
    const r = scoreCvss(vector);
    assert.ok(r.ok, vector);
    assert.equal(r.score, score);
    assert.equal(r.level, level);
  });
}

test('invalid vectors are results with a reason, never exceptions', () => {
  for (const v of [
    'garbage',
    'CVSS:3.1/AV:N',
    'CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    'CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    'CVSS:9.9/AV:N',
    'CVSS:4.0/AV:N/AC:L',
    '',
  ]) {
    const r = scoreCvss(v);
    assert.equal(r.ok, false, v);
    if (!r.ok) assert.ok(r.reason.length > 0);
  }
});

test('the newest CVSS version wins over an older one on the same record', () => {
  const s = severityOf({
    severity: [
      { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
      { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N' },
    ],
    severityLabel: undefined,
  });
  assert.equal(s.source, 'CVSS:4.0');
  assert.equal(s.level, 'high');
});

test('without a usable vector the ecosystem label, then the database label decide', () => {
  const bad = [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N' }];
  const a = severityOf({ severity: bad, severityLabel: 'MODERATE' });
  assert.equal(a.level, 'medium');
  assert.equal(a.source, 'database label');
  assert.deepEqual(a.invalid, ['CVSS:3.1/AV:N']);
  assert.equal(severityOf({ severity: [], severityLabel: 'LOW' }, 'high').level, 'high');
  assert.equal(
    severityOf({ severity: [{ type: 'Ubuntu', score: 'medium' }], severityLabel: undefined }).level,
    'medium',
  );
  assert.equal(severityOf({ severity: [], severityLabel: undefined }).level, 'unknown');
});

test('distro labels map onto the FIRST scale', () => {
  assert.equal(levelFromLabel('unimportant'), 'low');
  assert.equal(levelFromLabel('Important'), 'high');
  assert.equal(levelFromLabel('not yet assigned'), 'unknown');
  assert.equal(levelFromLabel('CRITICAL'), 'critical');
});

test('--fail-on thresholds compare levels in order', () => {
  assert.equal(severityAtLeast('critical', 'high'), true);
  assert.equal(severityAtLeast('medium', 'high'), false);
  assert.equal(severityAtLeast('unknown', 'low'), false);
});
