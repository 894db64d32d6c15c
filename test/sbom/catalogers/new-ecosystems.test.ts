// Catalogers for formats added after the first set: bun, pdm, mix, pubspec, Python archives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bunLockCataloger } from '../../../src/sbom/catalogers/bun-lock.js';
import { mixLockCataloger } from '../../../src/sbom/catalogers/mix-lock.js';
import { pubspecLockCataloger } from '../../../src/sbom/catalogers/pubspec-lock.js';
import { generateSbom, openDirTree } from '../../../src/sbom/index.js';
import type { CatalogResult } from '../../../src/sbom/index.js';
import { catalogFixture, catalogText, fixture, purls } from '../fixtures.js';

function find(r: CatalogResult, name: string) {
  const c = r.components.find((x) => x.name === name);
  assert.ok(c, `missing ${name}`);
  return c;
}

test('bun.lock: registry, git and workspace packages, nested copies, JSONC trailing commas', () => {
  const r = catalogFixture(bunLockCataloger, 'bun/bun.lock');
  assert.deepEqual(purls(r), [
    'pkg:npm/%40fx/a@0.2.0',
    'pkg:npm/debug@4.3.4',
    'pkg:npm/is-number@7.0.0',
    'pkg:npm/is-positive@97edff6',
    'pkg:npm/ms@2.0.0',
    'pkg:npm/ms@2.1.2',
  ]);
  assert.equal(find(r, '@fx/a').origin, 'workspace');
});

test('bun.lock: edges resolve nested copies first (the workspace gets ms@2.0.0, debug the hoisted ms@2.1.2)', () => {
  const r = catalogFixture(bunLockCataloger, 'bun/bun.lock');
  assert.deepEqual(find(r, 'debug').dependsOn, ['pkg:npm/ms@2.1.2']);
  assert.deepEqual(find(r, '@fx/a').dependsOn, ['pkg:npm/ms@2.0.0']);
});

test('bun.lock: devDependencies-only packages are dev, the rest required', () => {
  const r = catalogFixture(bunLockCataloger, 'bun/bun.lock');
  assert.equal(find(r, 'is-number').scope, 'dev');
  assert.equal(find(r, 'debug').scope, 'required');
});

test('bun.lock: the root workspace is the project (named and versioned by its package.json), with its edges', async () => {
  const r = await generateSbom(await openDirTree(fixture('bun')));
  const root = r.components.find((c) => c.origin === 'root');
  assert.equal(root?.purl, 'pkg:npm/bun-fixture@3.1.0');
  assert.deepEqual(root?.dependsOn, [
    'pkg:npm/%40fx/a@0.2.0',
    'pkg:npm/debug@4.3.4',
    'pkg:npm/is-number@7.0.0',
    'pkg:npm/is-positive@97edff6',
  ]);
});

test('bun.lockb alone is a warning that says how to write the text lockfile', async () => {
  const r = await generateSbom(await openDirTree(fixture('bun-binary')));
  assert.deepEqual(r.components, []);
  assert.match(r.warnings[0]?.message ?? '', /binary lockfile: run `bun install --save-text-lockfile`/);
});

test('pdm.lock: packages once each (extras merged by purl), groups give scope, edges by PEP 508 name', async () => {
  const r = await generateSbom(await openDirTree(fixture('pdm')));
  assert.deepEqual(
    r.components.map((c) => [c.purl, c.scope]),
    [
      ['pkg:pypi/certifi@2024.8.30', 'required'],
      ['pkg:pypi/mylib@0.1.0', 'required'],
      ['pkg:pypi/pysocks@1.7.1', 'required'],
      ['pkg:pypi/pytest@8.3.3', 'dev'],
      ['pkg:pypi/requests@2.32.3', 'required'],
      ['pkg:pypi/urllib3@2.2.3', 'required'],
    ],
  );
  const requests = r.components.find((c) => c.name === 'requests');
  assert.deepEqual(requests?.dependsOn, [
    'pkg:pypi/certifi@2024.8.30',
    'pkg:pypi/pysocks@1.7.1',
    'pkg:pypi/urllib3@2.2.3',
  ]);
  assert.equal(r.components.find((c) => c.name === 'mylib')?.origin, 'local');
});

test('mix.lock: Hex packages with their outer checksum and edges, git dependencies by commit', () => {
  const r = catalogFixture(mixLockCataloger, 'mix/mix.lock');
  assert.deepEqual(purls(r), [
    'pkg:generic/heroicons@88ab3a0d790e6a47404cba02800a6b25d2afae50?vcs_url=https%3A%2F%2Fgithub.com%2Ftailwindlabs%2Fheroicons.git',
    'pkg:hex/castore@1.0.5',
    'pkg:hex/jason@1.4.1',
    'pkg:hex/mime@2.0.5',
    'pkg:hex/phoenix@1.7.10',
    'pkg:hex/plug@1.15.3',
  ]);
  assert.deepEqual(find(r, 'phoenix').dependsOn, [
    'pkg:hex/castore@1.0.5',
    'pkg:hex/jason@1.4.1',
    'pkg:hex/plug@1.15.3',
  ]);
  assert.deepEqual(find(r, 'mime').hashes, [
    { alg: 'SHA-256', content: 'da0d64a365c45bc9935cc5c8a7fc5e49a0e0f9932a761c55d6c52b142780a05c' },
  ]);
});

test('mix.lock: code in the lockfile is not evaluated, it is INPUT_MALFORMED', () => {
  assert.throws(() => catalogText(mixLockCataloger, 'mix.lock', '%{"x": System.cmd("rm", ["-rf", "/"])}'), {
    code: 'INPUT_MALFORMED',
  });
});

test('pubspec.lock: hosted and git packages, path packages local, sdk packages not listed, direct dev is dev', () => {
  const r = catalogFixture(pubspecLockCataloger, 'pubspec/pubspec.lock');
  assert.deepEqual(
    r.components.map((c) => [c.purl, c.scope ?? 'required', c.origin ?? '-']),
    [
      ['pkg:pub/async@2.11.0', 'required', '-'],
      ['pkg:pub/http@1.2.2', 'required', '-'],
      ['pkg:pub/lints@4.0.0', 'dev', '-'],
      ['pkg:pub/my_fork@0.3.1', 'required', '-'],
      ['pkg:pub/shared_utils@1.0.0', 'required', 'local'],
    ],
  );
});

test('Python wheels, eggs and single-file .egg-info are read from their core metadata', async () => {
  const r = await generateSbom(await openDirTree(fixture('python-archives')));
  assert.deepEqual(
    r.components.map((c) => [c.purl, c.locations[0]?.path, c.foundBy[0]]),
    [
      ['pkg:pypi/legacy-tool@0.9.2', 'legacy_tool-0.9.2-py3.11.egg', 'python-package-archive-cataloger'],
      ['pkg:pypi/oldstyle@1.4', 'oldstyle-1.4.egg-info', 'python-installed-package-cataloger'],
      ['pkg:pypi/six@1.17.0', 'six-1.17.0-py2.py3-none-any.whl', 'python-package-archive-cataloger'],
    ],
  );
  assert.deepEqual(r.warnings, []);
});
