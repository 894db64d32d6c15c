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

// composer/semver tests/VersionParserTest.php successfulNormalizedVersions: each input orders equal to
// its normalized form.
const NORMALIZED: Array<[string, string]> = [
  ['1.0.0', '1.0.0.0'],
  ['1.0.0RC1dev', '1.0.0.0-RC1-dev'],
  ['1.0.0-rC15-dev', '1.0.0.0-RC15-dev'],
  ['1.0.0.RC.15-dev', '1.0.0.0-RC15-dev'],
  ['1.0.0.pl3-dev', '1.0.0.0-patch3-dev'],
  ['10.4.13beta.2', '10.4.13.0-beta2'],
  ['10.4.13-b5', '10.4.13.0-beta5'],
  ['v1.0.0', '1.0.0.0'],
  ['2010-01-02', '2010.01.02'],
  ['2010-01-02.5', '2010.01.02.5'],
  ['20100102-203040', '20100102.203040'],
  ['20100102-203040-p1', '20100102.203040-patch1'],
  ['1.0.0-beta.5+foo', '1.0.0.0-beta5'],
  ['1.0.0+foo', '1.0.0.0'],
  ['1.0.0-alpha.3.1+foo', '1.0.0.0-alpha3.1'],
  ['1.0.0-alpha2.1+foo', '1.0.0.0-alpha2.1'],
  ['1.0.0-alpha-2.1-3+foo', '1.0.0.0-alpha2.1-3'],
  ['1.0.0+foo as 2.0', '1.0.0.0'],
];
for (const [input, normalized] of NORMALIZED) {
  test(`composer: ${input} orders as its normalized form ${normalized}`, () => {
    assert.equal(composerScheme.compare(input, normalized), 0);
  });
}

// failingNormalizedVersions: not versions.
for (const input of ['', 'a', '1.0.0-meh', '1.0.0.0.0', 'feature-foo', '1.0.0+foo bar']) {
  test(`composer: ${JSON.stringify(input)} is not a version (composer/semver refuses it)`, () => {
    assert.equal(composerScheme.parse(input).ok, false);
  });
}

testAscending(composerScheme, 'build metadata and a v prefix do not move a version', [
  '1.0.0-beta1',
  'v1.0.0-beta2+build.7',
  '1.0.0-RC1',
  'V1.0.0+20240101',
  '1.0.0.1',
]);
