import assert from 'node:assert/strict';
import { test } from 'node:test';
import { golangPurl, mavenPurl, npmPurl, osPurl, pep503, pypiPurl } from '../../src/sbom/purl.js';
import { composerPurl, simplePurl } from '../../src/sbom/purl.js';

test('npm scopes become an encoded namespace', () => {
  assert.equal(npmPurl('@babel/core', '7.24.0'), 'pkg:npm/%40babel/core@7.24.0');
  assert.equal(npmPurl('left-pad', '1.3.0'), 'pkg:npm/left-pad@1.3.0');
});

test('pypi names are PEP 503-normalised', () => {
  assert.equal(pep503('Django_Rest.Framework'), 'django-rest-framework');
  assert.equal(pypiPurl('Typing_Extensions', '4.15.0'), 'pkg:pypi/typing-extensions@4.15.0');
});

test('golang module paths split at the last slash, major-version suffixes included', () => {
  assert.equal(golangPurl('github.com/spf13/cobra', 'v1.8.1'), 'pkg:golang/github.com/spf13/cobra@v1.8.1');
  assert.equal(
    golangPurl('github.com/cpuguy83/go-md2man/v2', 'v2.0.6'),
    'pkg:golang/github.com/cpuguy83/go-md2man/v2@v2.0.6',
  );
});

test('maven, composer, cargo, gem, nuget coordinates', () => {
  assert.equal(
    mavenPurl('org.apache.commons', 'commons-lang3', '3.14.0'),
    'pkg:maven/org.apache.commons/commons-lang3@3.14.0',
  );
  assert.equal(composerPurl('symfony/console', 'v6.4.1'), 'pkg:composer/symfony/console@v6.4.1');
  assert.equal(simplePurl('cargo', 'serde', '1.0.228'), 'pkg:cargo/serde@1.0.228');
  assert.equal(simplePurl('gem', 'rails', '7.1.3'), 'pkg:gem/rails@7.1.3');
  assert.equal(simplePurl('nuget', 'Newtonsoft.Json', '13.0.3'), 'pkg:nuget/Newtonsoft.Json@13.0.3');
});

test('OS packages carry arch and distro qualifiers in sorted order', () => {
  const os = { id: 'debian', versionId: '12', idLike: [], distro: 'debian-12' };
  assert.equal(
    osPurl('deb', os, 'openssl', '3.0.11-1', 'amd64'),
    'pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12',
  );
  assert.equal(
    osPurl('apk', undefined, 'musl', '1.2.4-r2', 'x86_64'),
    'pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64',
  );
});
