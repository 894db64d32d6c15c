import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alpineScheme } from '../../../src/vuln/versions/index.js';
import { testAscending, testEqual } from './ordering-table.js';

// apk-tools version ordering (src/version.c) on suffixes, letters and revisions.
testAscending(alpineScheme, 'pre-release suffixes sort before the version, post-release ones after', [
  '1.2.3_alpha',
  '1.2.3_alpha2',
  '1.2.3_beta',
  '1.2.3_pre1',
  '1.2.3_rc1',
  '1.2.3',
  '1.2.3-r1',
  '1.2.3-r2',
  '1.2.3_p1',
  '1.2.3a',
  '1.2.3.1',
  '1.2.4',
]);
testAscending(alpineScheme, 'real openssl and busybox package versions order by revision and release', [
  '1.36.1-r5',
  '1.36.1-r15',
  '1.36.1-r29',
  '1.37.0-r0',
]);
testAscending(alpineScheme, 'openssl 3.x Alpine builds order by upstream then -r', [
  '3.1.4-r0',
  '3.1.4-r5',
  '3.1.7-r0',
  '3.3.2-r0',
]);
testEqual(alpineScheme, 'an -r0 revision is explicit but numerically zero', ['2.6.3-r0', '2.6.3-r00']);

// Cases from apk-tools' own comparison table (test/version.data), chosen for letters, `_p`, `_pre`,
// multi-suffix and long numeric parts; each line is `a op b` as apk version -t answers it. Its lines with
// an unknown suffix (`23_foo`) or a string-sorted invalid version (`1.0bc`) are left out: vouch reports
// such versions as unparseable instead of ordering them.
const APK_TOOLS_CASES: ReadonlyArray<readonly [string, '<' | '=' | '>', string]> = [
  ['2.34', '>', '0.1.0_alpha'],
  ['0.1.0_alpha2', '>', '0.1.0_alpha'],
  ['1.1', '>', '1.1_alpha1'],
  ['1.2.1', '>', '1.2'],
  ['3.10.18-r1', '>', '2.3.0b-r1'],
  ['2.3.0b-r1', '<', '2.3.0b-r2'],
  ['0.12.3', '>', '0.12'],
  ['1.2.11', '<', '1.2.12.1'],
  ['0.2.0-r1', '<', '3.1_p16'],
  ['3.1_p16', '<', '3.1_p17'],
  ['1.06-r6', '<', '006'],
  ['006', '>', '1.0.0'],
  ['1.2.2-r1', '>', '1.2.2'],
  ['3.9.8-r5', '>', '2.01.01_alpha10'],
  ['1.0', '>', '0.99.3.20040818'],
  ['1.39', '>', '1.00_beta2'],
  ['0.5.2.7', '<', '4.2.52_p2-r1'],
  ['4.2.52_p2-r1', '<', '4.2.52_p4-r2'],
  ['20060720', '>', '3.0.20060720'],
  ['2.5.1-r8', '<', '2.5.1a-r1'],
  ['2.0.0_rc3-r1', '>', '1.5'],
  ['3.0.0-r2', '<', '021109-r3'],
  ['0.9.16-r1', '<', '3.9_pre20060124'],
  ['1.1.7', '<', '6b-r7'],
  ['0.10.0', '<', '0.10.1_rc1'],
  ['2.0.2', '>', '1.1a'],
  ['1.1a', '<', '1.3a'],
  ['1.0-r1', '>', '0.15.1b'],
  ['0.15.1b-r2', '>', '0.15.1b'],
  ['22.7-r1', '<', '22.7.3-r1'],
  ['22.7', '>', '2.1_pre20'],
  ['2.1_pre20', '<', '2.1_pre26'],
  ['2.10.1', '>', '02.08.01b'],
  ['3.81', '>', '1.6d'],
  ['1.6d', '>', '1.2.07.8'],
  ['1.2.07.8', '<', '1.2.12.04'],
  ['3.3.17', '>', '0.59s-r11'],
  ['0.59s-r11', '<', '0.65'],
  ['0.20070118', '<', '0.20070207_rc1'],
  ['2.3.30-r2', '<', '3.7_p1'],
  ['4.5_p1-r1', '>', '4.5_p1'],
  ['4.5_p1', '>', '0.9.8c-r1'],
  ['0.9.8c-r1', '<', '0.9.8d'],
  ['0.3.1_rc8', '<', '22.2'],
  ['5.7-r3', '>', '5.1_p4'],
  ['1.7', '<', '1.7b'],
  ['1.8.5', '<', '1.8.5_p2'],
  ['2.9.11_pre20051101-r3', '>', '2.9.11_pre20051101'],
  ['1.6.8_p12-r1', '>', '1.6.8_p9-r2'],
  ['1.0.5', '<', '1.4_p12-r2'],
  ['0.9.28-r2', '<', '0.9.28.1'],
  ['1.2.5_rc2', '>', '0.1'],
  ['20040406-r1', '>', '2.12r-r4'],
  ['2.12r-r4', '<', '2.12r-r5'],
  ['7.0.17', '<', '7.0.174'],
  ['0.3.4_pre20061029', '<', '0.4.0'],
  ['1.3-r0', '<', '1.3.1-r0'],
  ['1.3_pre1-r1', '<', '1.3.2'],
  ['1.0_p10-r0', '>', '1.0_p9-r0'],
  ['0.1.0_alpha_pre2', '<', '0.1.0_alpha'],
  ['1.0.0_pre20191002222144-r0', '<', '1.0.0_pre20210530193627-r0'],
];
for (const [a, op, b] of APK_TOOLS_CASES) {
  test(`alpine: ${a} ${op} ${b} (apk-tools version.data)`, () => {
    const want = op === '<' ? -1 : op === '=' ? 0 : 1;
    assert.equal(alpineScheme.compare(a, b), want);
    assert.equal(alpineScheme.compare(b, a), -want);
  });
}
