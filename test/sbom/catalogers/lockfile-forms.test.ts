// One test per lockfile form that scanners commonly get wrong; each fixture is documented in
// test/fixtures/sbom/README.md ("Defect reproductions").
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { composerLockCataloger } from '../../../src/sbom/catalogers/composer-lock.js';
import { gemfileLockCataloger } from '../../../src/sbom/catalogers/gemfile-lock.js';
import { goModCataloger } from '../../../src/sbom/catalogers/go-mod.js';
import { gradleLockCataloger, mavenPomCataloger } from '../../../src/sbom/catalogers/java-build-files.js';
import { generateSbom, openDirTree } from '../../../src/sbom/index.js';
import { npmPackageLockCataloger } from '../../../src/sbom/catalogers/npm-package-lock.js';
import { pnpmLockCataloger } from '../../../src/sbom/catalogers/pnpm-lock.js';
import {
  poetryLockCataloger,
  requirementsTxtCataloger,
  uvLockCataloger,
} from '../../../src/sbom/catalogers/python-locks.js';
import { yarnLockCataloger } from '../../../src/sbom/catalogers/yarn-lock.js';
import { catalogFixture, catalogText, fixture, purls } from '../fixtures.js';

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
  assert.equal(r.components.find((c) => c.name === 'local-tools')?.origin, 'local');
  assert.deepEqual(r.components.find((c) => c.name === 'local-tools')?.dependsOn, [
    'pkg:npm/%40scope/bar@2.0.0',
  ]);
});

test('go.mod: a version-specific replace applies only to that version; stdlib comes from toolchain/go', () => {
  const r = catalogFixture(goModCataloger, 'go-modern/go.mod');
  assert.deepEqual(purls(r), [
    'pkg:golang/github.com/acme/forked@v1.2.1-fix',
    'pkg:golang/github.com/google/uuid@v1.6.0',
    'pkg:golang/golang.org/x/text@v0.14.0',
    'pkg:golang/stdlib@v1.21.6',
  ]);
  assert.equal(r.components.find((c) => c.name === 'stdlib')?.version, '1.21.6');
});

test('go.mod: without a toolchain line the go directive names the stdlib', () => {
  const r = catalogText(goModCataloger, 'go.mod', 'module m\n\ngo 1.19\n');
  assert.deepEqual(purls(r), ['pkg:golang/stdlib@v1.19.0']);
  assert.equal(r.components[0]?.version, '1.19');
});

test('go >= 1.17: a damaged go.sum is not needed and does not fail the scan', async () => {
  const r = await generateSbom(await openDirTree(fixture('go-modern')));
  assert.deepEqual(r.warnings, []);
  assert.equal(r.components.length, 4);
});

test('go < 1.17: go.sum is still read, and a damaged one is an error', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'vouch-go-old-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(fixture('go-modern'), root, { recursive: true });
  writeFileSync(join(root, 'go.mod'), 'module m\n\ngo 1.16\n');
  await assert.rejects(generateSbom(await openDirTree(root)), { code: 'INPUT_MALFORMED' });
});

test('Gemfile.lock: GIT and PATH sections are read; PATH gems are marked local', () => {
  const r = catalogFixture(gemfileLockCataloger, 'ruby-git-path/Gemfile.lock');
  assert.deepEqual(purls(r), [
    'pkg:gem/myapp@0.1.0',
    'pkg:gem/nokogiri@1.16.0',
    'pkg:gem/private-gem@2.3.1',
    'pkg:gem/racc@1.7.3',
    'pkg:gem/rack@3.1.0.beta1',
    'pkg:gem/rake@13.1.0',
  ]);
  const myapp = r.components.find((c) => c.name === 'myapp');
  assert.equal(myapp?.origin, 'local');
  assert.deepEqual(myapp?.dependsOn, ['pkg:gem/private-gem@2.3.1', 'pkg:gem/rake@13.1.0']);
  assert.deepEqual(r.components.find((c) => c.name === 'private-gem')?.dependsOn, [
    'pkg:gem/rack@3.1.0.beta1',
  ]);
  assert.equal(r.components.find((c) => c.name === 'rake')?.origin, undefined);
});

test('requirements.txt: -r includes are followed, -c constraints pin without adding, non-versions are skipped', async () => {
  const r = await generateSbom(await openDirTree(fixture('requirements-includes')));
  assert.deepEqual(
    r.components.map((c) => c.purl),
    [
      'pkg:pypi/attrs@23.2.0',
      'pkg:pypi/flask@3.0.2',
      'pkg:pypi/pytest@8.0.0',
      'pkg:pypi/requests@2.31.0',
      'pkg:pypi/torch@2.1.0',
    ],
  );
  assert.deepEqual(
    r.warnings.map((w) => w.message),
    ['requirements.txt: include "../../../outside-the-tree.txt" is outside the scanned tree; not followed'],
  );
});

test('requirements.txt: include chains stop at a bounded depth with a warning', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'vouch-req-depth-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'requirements.txt'), '-r r1.txt\n');
  for (let i = 1; i <= 8; i++)
    writeFileSync(join(root, `r${i}.txt`), `-r r${i + 1}.txt\npkg${i}==1.0.${i}\n`);
  const r = await generateSbom(await openDirTree(root));
  assert.deepEqual(
    r.components.map((c) => c.name),
    ['pkg1', 'pkg2', 'pkg3', 'pkg4', 'pkg5'],
  );
  assert.ok(r.warnings.some((w) => w.message.includes('nested deeper than 5')));
});

test('pom.xml: a version range is listed at its inclusive bound, never as the range text', () => {
  const r = catalogFixture(mavenPomCataloger, 'maven-ranges/pom.xml');
  assert.deepEqual(purls(r), [
    'pkg:maven/commons-io/commons-io@2.15.1',
    'pkg:maven/junit/junit@4.13.2',
    'pkg:maven/org.eclipse.jetty/jetty-server@9.4.35.v20201120',
    'pkg:maven/org.slf4j/slf4j-api@2.0.9',
  ]);
  assert.ok(r.warnings.some((w) => w.includes('guava version range (30.0,) has no inclusive bound')));
});

test('Python METADATA: lower-case field names are read, a repeated Version line is not concatenated', async () => {
  const r = await generateSbom(await openDirTree(fixture('python-metadata-forms')));
  assert.deepEqual(
    r.components.map((c) => [c.purl, c.version]),
    [
      ['pkg:pypi/odd-case@1.0', '1.0'],
      ['pkg:pypi/repeated@2.0', '2.0'],
    ],
  );
});

test('poetry 2.x: packages only in non-main groups are dev, main ones required', () => {
  const r = catalogFixture(poetryLockCataloger, 'poetry-2/poetry.lock');
  assert.deepEqual(
    r.components.map((c) => [c.name, c.scope]),
    [
      ['certifi', 'required'],
      ['iniconfig', 'dev'],
      ['pytest', 'dev'],
      ['urllib3', 'required'],
    ],
  );
});

test('uv.lock: the project and its workspace members are components marked root/workspace, with their edges', () => {
  const lock = [
    'version = 1',
    'requires-python = ">=3.11"',
    '',
    '[manifest]',
    'members = ["app", "lib"]',
    '',
    '[[package]]',
    'name = "app"',
    'version = "0.1.0"',
    'source = { editable = "." }',
    'dependencies = [{ name = "lib" }, { name = "six" }]',
    '',
    '[package.dev-dependencies]',
    'dev = [{ name = "iniconfig" }]',
    '',
    '[[package]]',
    'name = "lib"',
    'version = "0.2.0"',
    'source = { editable = "packages/lib" }',
    '',
    '[[package]]',
    'name = "six"',
    'version = "1.17.0"',
    'source = { registry = "https://pypi.org/simple" }',
    '',
    '[[package]]',
    'name = "iniconfig"',
    'version = "2.0.0"',
    'source = { registry = "https://pypi.org/simple" }',
    '',
  ].join('\n');
  const r = catalogText(uvLockCataloger, 'uv.lock', lock);
  const app = r.components.find((c) => c.name === 'app');
  assert.equal(app?.origin, 'root');
  assert.deepEqual(app?.dependsOn, ['pkg:pypi/lib@0.2.0', 'pkg:pypi/six@1.17.0', 'pkg:pypi/iniconfig@2.0.0']);
  assert.equal(r.components.find((c) => c.name === 'lib')?.origin, 'workspace');
  assert.equal(r.components.find((c) => c.name === 'six')?.origin, undefined);
});

test('pnpm lockfileVersion 3.x/4.x (pnpm 3 and 4) use the 5.x key form and are read', () => {
  const lock = [
    'lockfileVersion: 4.1',
    'dependencies:',
    '  ms: 2.1.2',
    'packages:',
    '  /ms/2.1.2:',
    '    dev: false',
    '    resolution:',
    '      integrity: sha512-sGkPx+VjMtmA6MX27oA4FBFELFCZZ4S4XqeGOXCv68tT+jb3vk/RyaKWP0PTKyWtmLSM0b+adUTEvbs1PEaH2w==',
    '',
  ].join('\n');
  assert.deepEqual(purls(catalogText(pnpmLockCataloger, 'pnpm-lock.yaml', lock)), ['pkg:npm/ms@2.1.2']);
});

test('Gradle buildscript and settings lockfiles are read like gradle.lockfile', () => {
  for (const name of ['buildscript-gradle.lockfile', 'settings-gradle.lockfile', 'gradle.lockfile'])
    assert.equal(gradleLockCataloger.matches(`app/${name}`, undefined, 100), true, name);
  assert.equal(gradleLockCataloger.matches('app/other.lockfile', undefined, 100), false);
});

test('pnpm importers: the project and workspace members are components from their package.json, linked', async () => {
  const r = await generateSbom(await openDirTree(fixture('pnpm-workspace')));
  const by = (name: string) => r.components.find((c) => c.name === name);
  assert.equal(by('pnpm-ws-root')?.origin, 'root');
  assert.deepEqual(by('pnpm-ws-root')?.dependsOn, ['pkg:npm/is-number@7.0.0']);
  assert.equal(by('@ws/a')?.origin, 'workspace');
  assert.deepEqual(by('@ws/a')?.dependsOn, ['pkg:npm/ms@2.1.3']);
  assert.deepEqual(by('@ws/b')?.dependsOn, ['pkg:npm/%40ws/a@0.1.0']);
  assert.equal(by('is-number')?.scope, 'dev');
});

test('yarn berry: the workspace:. entry is the project, named by its package.json, with its direct edges', async () => {
  const r = await generateSbom(await openDirTree(fixture('yarn-berry')));
  const root = r.components.find((c) => c.origin === 'root');
  assert.equal(root?.purl, 'pkg:npm/vouch-fixture-npm@1.0.0');
  assert.deepEqual(root?.dependsOn, [
    'pkg:npm/%40sindresorhus/is@4.6.0',
    'pkg:npm/debug@4.3.4',
    'pkg:npm/is-number@7.0.0',
    'pkg:npm/left-pad@1.3.0',
    'pkg:npm/string-width@4.2.3',
  ]);
});

test('pnpm v6: a git-host key that is not name@version is read from its name/version fields, with edges', () => {
  const lock = [
    "lockfileVersion: '6.0'",
    'dependencies:',
    '  is-positive:',
    '    specifier: github:kevva/is-positive',
    '    version: github.com/kevva/is-positive/97edff6f525f192a3f83cea1944765f769ae2678',
    'packages:',
    '  github.com/kevva/is-positive/97edff6f525f192a3f83cea1944765f769ae2678:',
    '    resolution: {tarball: https://codeload.github.com/kevva/is-positive/tar.gz/97edff6f525f192a3f83cea1944765f769ae2678}',
    '    name: is-positive',
    '    version: 3.1.0',
    '    dependencies:',
    '      ms: 2.1.3',
    '    dev: false',
    '  /ms@2.1.3:',
    '    resolution: {integrity: sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==}',
    '    dev: false',
    '',
  ].join('\n');
  const r = catalogText(pnpmLockCataloger, 'pnpm-lock.yaml', lock);
  assert.deepEqual(purls(r), ['pkg:npm/is-positive@3.1.0', 'pkg:npm/ms@2.1.3']);
  assert.deepEqual(r.components.find((c) => c.name === 'is-positive')?.dependsOn, ['pkg:npm/ms@2.1.3']);
});

test('composer.lock: "packages-dev": null (Composer 1.x) is an empty section, not a malformed file', () => {
  const lock = JSON.stringify({
    packages: [{ name: 'monolog/monolog', version: '1.27.1' }],
    'packages-dev': null,
  });
  assert.deepEqual(purls(catalogText(composerLockCataloger, 'composer.lock', lock)), [
    'pkg:composer/monolog/monolog@1.27.1',
  ]);
});

test('requirements.txt: a file naming thousands of includes is cut off at a bounded count, with a warning', () => {
  const lines = Array.from({ length: 5000 }, (_, i) => `-r inc-${i}.txt`).join('\n');
  const r = requirementsTxtCataloger.wants?.(
    { path: 'requirements.txt', bytes: Buffer.from(lines) },
    () => undefined,
  );
  assert.ok(r !== undefined && r.length <= 65, `asked for ${r?.length} files`);
  const result = catalogText(requirementsTxtCataloger, 'requirements.txt', lines);
  assert.ok(result.warnings.some((w) => w.includes('more than 64 included files')));
});
