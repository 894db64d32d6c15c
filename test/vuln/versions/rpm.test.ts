import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rpmScheme } from '../../../src/vuln/versions/index.js';
import { rpmvercmp } from '../../../src/vuln/versions/rpm.js';
import { testAscending, testEqual } from './ordering-table.js';

// rpm's own test table (rpm-software-management/rpm tests/rpmvercmp.at), transcribed.
const RPMVERCMP: Array<[string, string, -1 | 0 | 1]> = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0', '1.0', 1],
  ['2.0.1', '2.0.1', 0],
  ['2.0', '2.0.1', -1],
  ['2.0.1a', '2.0.1a', 0],
  ['2.0.1a', '2.0.1', 1],
  ['5.5p1', '5.5p2', -1],
  ['5.5p1', '5.5p10', -1],
  ['10xyz', '10.1xyz', -1],
  ['xyz10', 'xyz10.1', -1],
  ['xyz.4', '8', -1],
  ['xyz.4', '2', -1],
  ['5.5p2', '5.6p1', -1],
  ['5.6p1', '6.5p1', -1],
  ['6.0.rc1', '6.0', 1],
  ['10b2', '10a1', 1],
  ['1.0aa', '1.0a', 1],
  ['10.0001', '10.1', 0],
  ['10.0001', '10.0039', -1],
  ['4.999.9', '5.0', -1],
  ['20101121', '20101122', -1],
  ['2.0', '2_0', 0],
  ['a+', 'a_', 0],
  ['+a', '_a', 0],
  ['+_', '_+', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  ['1.0^', '1.0', 1],
  ['1.0^git1', '1.0', 1],
  ['1.0^git1', '1.0^git2', -1],
  ['1.0^git1', '1.01', -1],
  ['1.0^20160101', '1.0.1', -1],
  ['1.0^20160101^git1', '1.0^20160101^git1', 0],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0^git1~pre', '1.0^git1', -1],
  ['1.0~rc1^git1', '1.0', -1],
];

test('rpm: rpmvercmp agrees with rpm test suite table', () => {
  for (const [a, b, want] of RPMVERCMP) {
    assert.equal(rpmvercmp(a, b), want, `${a} vs ${b}`);
    assert.equal(rpmvercmp(b, a), -want || 0, `${b} vs ${a}`);
  }
});

testAscending(rpmScheme, 'epoch outranks version, version outranks release', [
  '1.1.1k-7.el8_6',
  '1.1.1k-12.el8_9',
  '3.0.7-27.el9',
  '1:3.0.1-43.el9_0',
  '1:3.0.7-25.el9_3',
]);
testEqual(rpmScheme, 'a missing epoch is 0', ['0:2.28-225.el9', '2.28-225.el9']);
