import assert from 'node:assert/strict';
import { test } from 'node:test';
import { purlMatches } from '../../../src/vuln/vex/index.js';

test('a purl without a version matches every version of the package', () => {
  assert.ok(purlMatches('pkg:npm/lodash', 'pkg:npm/lodash@4.17.15'));
  assert.ok(!purlMatches('pkg:npm/lodash', 'pkg:npm/lodash-es@4.17.15'));
});

test('a versioned purl matches that version only', () => {
  assert.ok(purlMatches('pkg:npm/lodash@4.17.15', 'pkg:npm/lodash@4.17.15'));
  assert.ok(!purlMatches('pkg:npm/lodash@4.17.15', 'pkg:npm/lodash@4.17.21'));
});

test('statement qualifiers must be a subset of the component purl qualifiers', () => {
  const c = 'pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12';
  assert.ok(purlMatches('pkg:deb/debian/libc6?arch=amd64', c));
  assert.ok(purlMatches('pkg:deb/debian/libc6@2.36-9', c));
  assert.ok(!purlMatches('pkg:deb/debian/libc6?arch=arm64', c));
  assert.ok(!purlMatches('pkg:deb/debian/libc6?arch=amd64&epoch=1', c));
});

test('namespace and type must agree; percent-encoding is normalised', () => {
  assert.ok(purlMatches('pkg:npm/%40angular/core', 'pkg:npm/@angular/core@17.0.0'));
  assert.ok(!purlMatches('pkg:npm/core', 'pkg:npm/%40angular/core@17.0.0'));
  assert.ok(!purlMatches('pkg:pypi/lodash', 'pkg:npm/lodash@1.0.0'));
});

test('identifiers that are not purls only match exactly', () => {
  assert.ok(purlMatches('bom-ref-1', 'bom-ref-1'));
  assert.ok(!purlMatches('not a purl', 'pkg:npm/lodash@1.0.0'));
});
