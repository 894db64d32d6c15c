import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateSbom, openDirTree } from '../../src/sbom/index.js';
import { fixture } from './fixtures.js';

test('an image-like root: OS from os-release, dpkg packages with distro qualifiers', async () => {
  const r = await generateSbom(await openDirTree(fixture('rootfs-debian')));
  assert.equal(r.os?.distro, 'debian-12');
  assert.equal(r.components.length, 6);
  assert.ok(r.components.every((c) => c.purl.includes('distro=debian-12')));
  assert.deepEqual(r.components.find((c) => c.name === 'openssl')?.locations, [
    { path: 'var/lib/dpkg/status' },
  ]);
});

test('the same package from two lockfiles is one component with both locations', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'vouch-sbom-gen-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(fixture('npm-v3'), join(root, 'a'), { recursive: true });
  cpSync(fixture('yarn-classic'), join(root, 'b'), { recursive: true });
  const r = await generateSbom(await openDirTree(root));
  assert.equal(r.components.length, 11); // ten packages and the npm project itself (origin root)
  const ms = r.components.find((c) => c.purl === 'pkg:npm/ms@2.1.2');
  assert.deepEqual(ms?.locations, [{ path: 'a/package-lock.json' }, { path: 'b/yarn.lock' }]);
  assert.deepEqual(ms?.foundBy, ['javascript-lock-cataloger']);
});

test('a malformed lockfile stops a dir scan with its code; with onBadFile=warn it is a warning', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'vouch-sbom-gen-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(fixture('go'), join(root, 'go'), { recursive: true });
  writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion": 7}');
  await assert.rejects(generateSbom(await openDirTree(root)), { code: 'UNSUPPORTED' });
  const r = await generateSbom(await openDirTree(root), { onBadFile: 'warn' });
  assert.equal(r.components.length, 7); // cobra's go.mod/go.sum modules and the Go stdlib
  assert.deepEqual(r.warnings, [
    { path: 'package-lock.json', message: 'UNSUPPORTED: unsupported lockfileVersion 7 in package-lock.json' },
  ]);
});

test('a lockfile that disagrees with its package.json is a warning', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'vouch-sbom-gen-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(fixture('npm-v3'), root, { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ dependencies: { debug: '4.3.4' } }));
  const r = await generateSbom(await openDirTree(root));
  assert.ok(r.warnings.some((w) => w.message.includes('no longer declares')));
  assert.equal(r.components.length, 11);
});

test('edges to packages that were not found are dropped, so documents stay consistent', async () => {
  const r = await generateSbom(await openDirTree(fixture('uv')));
  const known = new Set(r.components.map((c) => c.purl));
  assert.ok(r.components.every((c) => c.dependsOn.every((d) => known.has(d))));
});

test('catalogFileMaxBytes bounds every read: a larger lockfile is a warning', async () => {
  const r = await generateSbom(await openDirTree(fixture('poetry')), {
    limits: { catalogFileMaxBytes: 1000 },
  });
  assert.deepEqual(r.components, []);
  assert.equal(r.warnings[0]?.path, 'poetry.lock');
});

test('a bad lockfile next to a package.json gives one warning, not a second one from the comparison', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'vouch-sbom-gen-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'package.json'), '{"dependencies": {"ms": "2.1.2"}}');
  writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {');
  const r = await generateSbom(await openDirTree(root), { onBadFile: 'warn' });
  assert.equal(r.warnings.length, 2);
  assert.match(r.warnings[0]?.message ?? '', /^INPUT_MALFORMED: package-lock\.json:1: invalid JSON/);
  assert.match(r.warnings[1]?.message ?? '', /^no packages found in dir:/);
});
