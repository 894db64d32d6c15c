// "No silent empty result": a tree or file that yields no packages says why, on the result's warnings
// (printed on stderr by the CLI) and inside the SBOM documents themselves.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sniffCataloger } from '../../src/sbom/catalogers/sniff.js';
import {
  allCatalogers,
  generateSbom,
  openDirTree,
  singleFileTree,
  toCycloneDx,
  toSpdx,
} from '../../src/sbom/index.js';
import { fixture, schemaErrors } from './fixtures.js';

const now = new Date(0);

test('a directory where nothing lists a package is a warning, carried in CycloneDX and SPDX', async () => {
  const r = await generateSbom(await openDirTree(fixture('no-packages')));
  assert.deepEqual(r.components, []);
  const messages = r.warnings.map((w) => `${w.path}: ${w.message}`);
  assert.deepEqual(messages, [
    'requirements.txt: python-requirements-cataloger recognised this file but found no packages in it',
    `.: no packages found in dir:${fixture('no-packages')}: the files vouch recognised listed none (see the warnings above)`,
  ]);
  const cdx = toCycloneDx(r, { now });
  assert.deepEqual(schemaErrors('cdx16', cdx), []);
  const props = (cdx['metadata'] as { properties?: Array<{ name: string; value: string }> }).properties ?? [];
  assert.deepEqual(
    props.map((p) => p.value),
    messages,
  );
  assert.ok(props.every((p) => p.name === 'vouch:warning'));
  const spdx = toSpdx(r, { now });
  assert.deepEqual(schemaErrors('spdx23', spdx), []);
  assert.match(
    String((spdx['creationInfo'] as { comment?: string }).comment),
    /vouch:warning \.: no packages found/,
  );
});

test('an empty directory says that no file was one vouch catalogs', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'vouch-empty-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'notes.txt'), 'nothing here\n');
  const r = await generateSbom(await openDirTree(root));
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]?.message ?? '', /holds no file vouch catalogs/);
});

test('one file under a name no cataloger knows is read by its content', async () => {
  const r = await generateSbom(await openDirTree(fixture('renamed-lockfile', 'prod.lock')));
  assert.equal(r.components.length, 10);
  assert.deepEqual(r.components[0]?.locations, [{ path: 'prod.lock' }]);
  assert.deepEqual(r.warnings, []);
});

test('one file that is no known format is a warning naming it, not an empty SBOM', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'vouch-unknown-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'deps.lock'), 'these are not the packages you are looking for\n');
  const r = await generateSbom(await openDirTree(join(root, 'deps.lock')));
  assert.deepEqual(
    r.warnings.map((w) => w.path),
    ['deps.lock', '.'],
  );
  assert.match(r.warnings[0]?.message ?? '', /not a file vouch catalogs/);
});

test('content sniffing picks, for every lockfile fixture, the cataloger its real name would', () => {
  const files = [
    'npm-v3/package-lock.json',
    'npm-v1/package-lock.json',
    'yarn-classic/yarn.lock',
    'yarn-berry/yarn.lock',
    'pnpm-v5/pnpm-lock.yaml',
    'pnpm-v9/pnpm-lock.yaml',
    'bun/bun.lock',
    'poetry/poetry.lock',
    'uv/uv.lock',
    'pdm/pdm.lock',
    'pipenv/Pipfile.lock',
    'requirements/requirements.txt',
    'go/go.mod',
    'cargo/Cargo.lock',
    'ruby/Gemfile.lock',
    'composer/composer.lock',
    'dotnet/packages.lock.json',
    'dotnet/StartupDiagnostics.deps.json',
    'mix/mix.lock',
    'pubspec/pubspec.lock',
    'gradle/gradle.lockfile',
    'maven/pom.xml',
  ];
  for (const rel of files) {
    const byName = allCatalogers.find((c) => c.matches(rel.slice(rel.indexOf('/') + 1), undefined, 1));
    assert.ok(byName, rel);
    assert.equal(sniffCataloger('renamed', readFileSync(fixture(rel))), byName, rel);
  }
});

test('bytes already in hand (stdin) are cataloged like a file on disk, by name or by content', async () => {
  const bytes = readFileSync(fixture('renamed-lockfile', 'prod.lock'));
  const r = await generateSbom(singleFileTree('-', bytes, 'stdin'));
  assert.equal(r.components.length, 10);
  assert.deepEqual(r.warnings, []);
  const named = await generateSbom(singleFileTree('some/dir/go.mod', Buffer.from('module m\n\ngo 1.22.1\n')));
  assert.deepEqual(
    named.components.map((c) => c.purl),
    ['pkg:golang/stdlib@v1.22.1'],
  );
});

test('a package.json without any lockfile says that nothing vouch catalogs is there', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'vouch-manifest-only-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0' }));
  const r = await generateSbom(await openDirTree(root));
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]?.message ?? '', /holds no file vouch catalogs/);
});
