// One test per lockfile form that scanners commonly get wrong; each fixture is documented in
// test/fixtures/sbom/README.md ("Defect reproductions").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { npmPackageLockCataloger } from '../../../src/sbom/catalogers/npm-package-lock.js';
import { pnpmLockCataloger } from '../../../src/sbom/catalogers/pnpm-lock.js';
import { yarnLockCataloger } from '../../../src/sbom/catalogers/yarn-lock.js';
import { catalogFixture, purls } from '../fixtures.js';

test('yarn berry: git-resolved entries are components with their package version; links are not', () => {
  const r = catalogFixture(yarnLockCataloger, 'yarn-berry-git/yarn.lock');
  assert.deepEqual(purls(r), ['pkg:npm/is-number@7.0.0', 'pkg:npm/kind-of@6.0.3', 'pkg:npm/ms@2.1.3']);
});

test('package-lock labelled v2 with only the v1 dependencies section is read as v1', () => {
  const r = catalogFixture(npmPackageLockCataloger, 'npm-v2-dependencies-only/package-lock.json');
  assert.deepEqual(purls(r), ['pkg:npm/debug@4.3.4', 'pkg:npm/is-number@7.0.0', 'pkg:npm/ms@2.1.2']);
  assert.deepEqual(r.components.find((c) => c.name === 'debug')?.dependsOn, ['pkg:npm/ms@2.1.2']);
  assert.equal(r.components.find((c) => c.name === 'is-number')?.scope, 'dev');
});

test('pnpm v5: a file:.. key is read from its name/version fields, registry and git host prefixes are not names', () => {
  const r = catalogFixture(pnpmLockCataloger, 'pnpm-v5-keys/pnpm-lock.yaml');
  assert.deepEqual(purls(r), [
    'pkg:npm/%40scope/bar@2.0.0',
    'pkg:npm/foo@1.1.0',
    'pkg:npm/is-positive@3.1.0',
    'pkg:npm/local-tools@0.3.0',
  ]);
  assert.deepEqual(r.components.find((c) => c.name === 'local-tools')?.dependsOn, [
    'pkg:npm/%40scope/bar@2.0.0',
  ]);
});
