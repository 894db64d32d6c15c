import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cargoLockCataloger } from '../../../src/sbom/catalogers/cargo-lock.js';
import { composerLockCataloger } from '../../../src/sbom/catalogers/composer-lock.js';
import { dotnetDepsCataloger, nugetLockCataloger } from '../../../src/sbom/catalogers/dotnet.js';
import { gemfileLockCataloger } from '../../../src/sbom/catalogers/gemfile-lock.js';
import { javaArchiveCataloger } from '../../../src/sbom/catalogers/java-archive.js';
import { gradleLockCataloger, mavenPomCataloger } from '../../../src/sbom/catalogers/java-build-files.js';
import { catalogFixture, catalogText, purls } from '../fixtures.js';

test('Cargo.lock: registry crates with sha256 checksums; the workspace crates (no source) are marked workspace', () => {
  const r = catalogFixture(cargoLockCataloger, 'cargo/Cargo.lock');
  const aho = r.components.find((c) => c.purl === 'pkg:cargo/aho-corasick@1.1.5');
  assert.deepEqual(aho?.hashes, [
    { alg: 'SHA-256', content: 'c982642fa9e8606056828ee9a8505737230110bb1099153c79efe865c59d12ba' },
  ]);
  assert.deepEqual(aho?.dependsOn, [r.components.find((c) => c.name === 'memchr')?.purl]);
  const ripgrep = r.components.find((c) => c.name === 'ripgrep');
  assert.equal(ripgrep?.origin, 'workspace');
  assert.ok((ripgrep?.dependsOn ?? []).length > 0);
  assert.equal(aho?.origin, undefined);
});

test('Cargo.lock: an unknown version is UNSUPPORTED', () => {
  assert.throws(() => catalogText(cargoLockCataloger, 'Cargo.lock', 'version = 9\n'), {
    code: 'UNSUPPORTED',
  });
});

test('Gemfile.lock: specs become gems, platform suffixes are not part of the version', () => {
  const r = catalogFixture(gemfileLockCataloger, 'ruby/Gemfile.lock');
  assert.equal(r.components.length, 35);
  assert.ok(purls(r).includes('pkg:gem/ffi@1.17.4'));
  assert.ok(purls(r).includes('pkg:gem/sass-embedded@1.103.1'));
  const jekyll = r.components.find((c) => c.name === 'jekyll');
  assert.equal(jekyll?.dependsOn?.length, 18);
});

test('composer.lock: vendor/package purls with SPDX licenses and require edges', () => {
  const r = catalogFixture(composerLockCataloger, 'composer/composer.lock');
  assert.equal(r.components.length, 27);
  const dc = r.components.find((c) => c.purl === 'pkg:composer/myclabs/deep-copy@1.8.1');
  assert.equal(dc?.license, 'MIT');
});

test('packages.lock.json: resolved versions, contentHash as SHA-512, dependency edges', () => {
  const r = catalogFixture(nugetLockCataloger, 'dotnet/packages.lock.json');
  assert.deepEqual(purls(r), [
    'pkg:nuget/DalamudPackager@14.0.1',
    'pkg:nuget/DotNet.ReproducibleBuilds@1.2.39',
    'pkg:nuget/NAudio@1.10.0',
    'pkg:nuget/System.Resources.Extensions@4.7.0',
  ]);
  const naudio = r.components.find((c) => c.name === 'NAudio');
  assert.deepEqual(naudio?.dependsOn, ['pkg:nuget/System.Resources.Extensions@4.7.0']);
  assert.equal(naudio?.hashes?.[0]?.alg, 'SHA-512');
});

test('*.deps.json: package libraries are components, project entries are not', () => {
  const r = catalogFixture(dotnetDepsCataloger, 'dotnet/StartupDiagnostics.deps.json');
  assert.deepEqual(purls(r), ['pkg:nuget/StartupDiagnostics@1.0.0']);
  assert.equal(r.components[0]?.hashes?.[0]?.alg, 'SHA-512');
});

test('jar with pom.properties yields Maven coordinates', () => {
  const r = catalogFixture(javaArchiveCataloger, 'java/animal-sniffer-annotations-1.14.jar');
  assert.deepEqual(purls(r), ['pkg:maven/org.codehaus.mojo/animal-sniffer-annotations@1.14']);
});

test('jar without pom.properties falls back to MANIFEST.MF and the file name', () => {
  const r = catalogFixture(javaArchiveCataloger, 'java/javax.inject-1.jar');
  assert.deepEqual(purls(r), ['pkg:maven/javax.inject/javax.inject@1']);
});

test('a fat jar lists itself and every nested jar under BOOT-INF/lib', () => {
  const r = catalogFixture(javaArchiveCataloger, 'java/fat-app-1.0.0.jar');
  assert.deepEqual(purls(r), [
    'pkg:maven/dev.vouch.fixture/fat-app@1.0.0',
    'pkg:maven/javax.inject/javax.inject@1',
    'pkg:maven/org.codehaus.plexus/plexus-component-annotations@2.0.0',
  ]);
});

test('gradle.lockfile: group:artifact:version lines; test-only configurations are dev', () => {
  const r = catalogFixture(gradleLockCataloger, 'gradle/gradle.lockfile');
  const bb = r.components.find((c) => c.purl === 'pkg:maven/net.bytebuddy/byte-buddy@1.14.18');
  assert.equal(bb?.scope, 'dev');
  const gson = r.components.find((c) => c.purl === 'pkg:maven/com.google.code.gson/gson@2.8.9');
  assert.equal(gson?.scope, 'required');
});

test('pom.xml: versions from properties and dependencyManagement; test scope is dev', () => {
  const r = catalogFixture(mavenPomCataloger, 'maven/pom.xml');
  assert.deepEqual(r.components.map((c) => [c.purl, c.scope]).sort(), [
    ['pkg:maven/javax.el/javax.el-api@3.0.0', 'required'],
    ['pkg:maven/javax.inject/javax.inject@1', 'required'],
    ['pkg:maven/javax.interceptor/javax.interceptor-api@1.2', 'required'],
    ['pkg:maven/org.testng/testng@5.10', 'dev'],
  ]);
});

test('pom.xml: a version whose property stays unresolved is a warning, not a guess', () => {
  const r = catalogText(
    mavenPomCataloger,
    'pom.xml',
    // A property only the parent POM defines.
    `<project><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>$\{from.parent}</version></dependency></dependencies></project>`,
  );
  assert.deepEqual(r.components, []);
  assert.equal(r.warnings.length, 1);
});
