import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composerScheme } from '../../../src/vuln/versions/index.js';
import { testAscending, testEqual } from './ordering-table.js';

testAscending(composerScheme, 'stability orders dev < alpha < beta < RC < stable < patch', [
  '1.0.0-dev',
  '1.0.0-alpha1',
  '1.0.0-alpha2',
  '1.0.0-beta1',
  '1.0.0-RC1',
  '1.0.0-RC2',
  '1.0.0',
  '1.0.0-p1',
  '1.0.1',
]);
testAscending(composerScheme, 'laravel/framework tags order as Packagist lists them', [
  'v8.83.27',
  'v9.0.0-beta.1',
  'v9.0.0',
  'v9.52.16',
]);
testEqual(composerScheme, 'versions normalise to four parts with an optional v', [
  '2.0',
  'v2.0.0',
  '2.0.0.0',
]);
testEqual(composerScheme, 'stability names are case-insensitive and b/a abbreviate beta/alpha', [
  '1.0.0-beta2',
  '1.0.0-b2',
  '1.0.0-BETA.2',
]);

test('composer: branch names are not versions', () => {
  for (const raw of ['dev-main', '1.x-dev', 'dev-feature/x'])
    assert.equal(composerScheme.parse(raw).ok, false, raw);
});
