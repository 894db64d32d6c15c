import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goScheme, semverScheme } from '../../../src/vuln/versions/index.js';
import { testAscending, testEqual } from './ordering-table.js';

// SemVer 2.0.0 §11, the specification's own precedence example.
testAscending(semverScheme, 'prerelease precedence follows SemVer 2.0.0 §11', [
  '1.0.0-alpha',
  '1.0.0-alpha.1',
  '1.0.0-alpha.beta',
  '1.0.0-beta',
  '1.0.0-beta.2',
  '1.0.0-beta.11',
  '1.0.0-rc.1',
  '1.0.0',
]);
testEqual(semverScheme, 'build metadata does not take part in precedence (§10)', [
  '1.0.0',
  '1.0.0+20130313144700',
  '1.0.0+exp.sha.5114f85',
]);
testEqual(semverScheme, 'a leading v or = is tolerated as npm does', [
  '1.2.3',
  'v1.2.3',
  '=1.2.3',
  ' 1.2.3 ',
]);

test('semver: a two-part version is not SemVer', () => {
  assert.equal(semverScheme.parse('1.2').ok, false);
});

// Go: golang.org/ref/mod#pseudo-versions. A pseudo-version based on v1.2.3 sorts after it and before
// v1.2.4; one with no base tag sorts before v0.0.1.
testAscending(goScheme, 'pseudo-versions sort between their base and the next release', [
  'v0.0.0-20191109021931-daa7c04131f5',
  'v0.0.1',
  'v1.2.3',
  'v1.2.4-0.20191109021931-daa7c04131f5',
  'v1.2.4',
]);
testEqual(goScheme, 'the v prefix and +incompatible do not change the version', [
  'v2.0.0+incompatible',
  '2.0.0',
  'v2.0.0',
]);
testAscending(goScheme, 'toolchain versions without a patch are x.y.0, rc before release', [
  'go1.20rc1',
  'go1.20',
  'go1.20.1',
  '1.21.0',
]);

// node-semver's own comparison vectors (test/fixtures/comparisons.js): [greater, lesser].
const NODE_SEMVER_COMPARISONS: Array<[string, string]> = [
  ['0.0.0', '0.0.0-foo'],
  ['0.0.1', '0.0.0'],
  ['1.0.0', '0.9.9'],
  ['0.10.0', '0.9.0'],
  ['0.99.0', '0.10.0'],
  ['2.0.0', '1.2.3'],
  ['v0.0.0', '0.0.0-foo'],
  ['v0.0.1', '0.0.0'],
  ['v1.0.0', '0.9.9'],
  ['0.0.0', 'v0.0.0-foo'],
  ['1.2.3', '1.2.3-asdf'],
  ['1.2.3', '1.2.3-4'],
  ['1.2.3', '1.2.3-4-foo'],
  ['1.2.3-5-foo', '1.2.3-5'],
  ['1.2.3-5', '1.2.3-4'],
  ['1.2.3-5-foo', '1.2.3-5-Foo'],
  ['3.0.0', '2.7.2+asdf'],
  ['1.2.3-a.10', '1.2.3-a.5'],
  ['1.2.3-a.b', '1.2.3-a.5'],
  ['1.2.3-a.b', '1.2.3-a'],
  ['1.2.3-a.b.c.10.d.5', '1.2.3-a.b.c.5.d.100'],
  ['1.2.3-r2', '1.2.3-r100'],
  ['1.2.3-r100', '1.2.3-R2'],
];

for (const [greater, lesser] of NODE_SEMVER_COMPARISONS) {
  test(`semver: ${greater} > ${lesser} (node-semver fixture)`, () => {
    assert.equal(semverScheme.compare(greater, lesser), 1);
    assert.equal(semverScheme.compare(lesser, greater), -1);
  });
}

// Numbers past 2^53 (9007199254740992): SemVer 2.0.0 §11 compares them as integers, as crates.io's
// semver crate (u64) does; a double would make the first two equal.
testAscending(semverScheme, 'numeric parts above 2^53 are ordered exactly', [
  '1.0.0-9007199254740992',
  '1.0.0-9007199254740993',
  '1.0.0-18446744073709551615',
  '1.0.0-alpha',
  '1.0.0',
  '9007199254740992.0.0',
  '9007199254740993.0.0',
  '9007199254740993.0.1-rc.1',
  '9007199254740993.0.1',
  '18446744073709551615.18446744073709551615.18446744073709551615',
]);
testEqual(semverScheme, 'a huge version with build metadata equals it without', [
  '9007199254740993.0.0',
  'v9007199254740993.0.0+build.5',
]);
