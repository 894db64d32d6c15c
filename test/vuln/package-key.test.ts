import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ecosystemKey, normalizeName, resolvePurl } from '../../src/vuln/index.js';

const RESOLVE: Array<[string, string, string, string]> = [
  ['pkg:npm/lodash@4.17.15', 'npm', 'lodash', '4.17.15'],
  ['pkg:npm/%40babel/core@7.0.0', 'npm', '@babel/core', '7.0.0'],
  ['pkg:npm/JSONStream@1.3.5', 'npm', 'jsonstream', '1.3.5'],
  ['pkg:pypi/Django_REST.framework@3.14.0', 'PyPI', 'django-rest-framework', '3.14.0'],
  ['pkg:golang/gopkg.in/yaml.v2@v2.2.2', 'Go', 'gopkg.in/yaml.v2', 'v2.2.2'],
  ['pkg:golang/github.com/gin-gonic/gin@v1.9.0', 'Go', 'github.com/gin-gonic/gin', 'v1.9.0'],
  ['pkg:cargo/hyper@0.14.9', 'crates.io', 'hyper', '0.14.9'],
  [
    'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
    'Maven',
    'org.apache.logging.log4j:log4j-core',
    '2.14.1',
  ],
  ['pkg:gem/nokogiri@1.13.3', 'RubyGems', 'nokogiri', '1.13.3'],
  ['pkg:composer/guzzlehttp/guzzle@7.4.2', 'Packagist', 'guzzlehttp/guzzle', '7.4.2'],
  ['pkg:nuget/Newtonsoft.Json@12.0.3', 'NuGet', 'newtonsoft.json', '12.0.3'],
  [
    'pkg:deb/debian/libc6@2.36-9+deb12u1?arch=amd64&distro=debian-12&upstream=glibc',
    'Debian:12',
    'glibc',
    '2.36-9+deb12u1',
  ],
  [
    'pkg:deb/debian/libc6@2.36-9?distro=bookworm&upstream=glibc%402.36-9%2Bdeb12u1',
    'Debian:12',
    'glibc',
    '2.36-9+deb12u1',
  ],
  [
    'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?distro=debian-12.4&epoch=1',
    'Debian:12',
    'libssl3',
    '1:3.0.11-1~deb12u2',
  ],
  [
    'pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.10?distro=ubuntu-22.04',
    'Ubuntu:22.04',
    'openssl',
    '3.0.2-0ubuntu1.10',
  ],
  [
    'pkg:apk/alpine/libcrypto3@3.1.3-r0?arch=x86_64&distro=alpine-3.18.4&upstream=openssl',
    'Alpine:v3.18',
    'openssl',
    '3.1.3-r0',
  ],
  ['pkg:apk/wolfi/glibc@2.38-r1', 'Wolfi', 'glibc', '2.38-r1'],
  [
    'pkg:rpm/almalinux/openssl-libs@3.0.1-43.el9_0?epoch=1&distro=almalinux-9.1',
    'AlmaLinux:9',
    'openssl-libs',
    '1:3.0.1-43.el9_0',
  ],
  ['pkg:rpm/redhat/glibc@2.34-60.el9?distro=redhat-9.2', 'Red Hat:9', 'glibc', '2.34-60.el9'],
];

for (const [purl, ecosystem, name, version] of RESOLVE) {
  test(`${purl} resolves to ${ecosystem} / ${name} @ ${version}`, () => {
    const r = resolvePurl(purl);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(
      { ecosystem: r.pkg.ecosystem, name: r.pkg.name, version: r.pkg.version },
      { ecosystem, name, version },
    );
  });
}

test('purls that cannot be matched are values with a reason', () => {
  const cases: Array<[string, string]> = [
    ['not a purl', 'invalid-purl'],
    ['pkg:npm/lodash', 'no-version'],
    ['pkg:generic/thing@1.0', 'unknown-ecosystem'],
    ['pkg:deb/kali/x@1.0', 'unknown-ecosystem'],
    ['pkg:maven/log4j-core@2.14.1', 'invalid-purl'],
  ];
  for (const [purl, reason] of cases) {
    const r = resolvePurl(purl);
    assert.equal(r.ok, false, purl);
    if (!r.ok) assert.equal(r.reason, reason, purl);
  }
});

test('OSV ecosystem strings reduce to the key a purl can name', () => {
  assert.equal(ecosystemKey('Debian:12'), 'Debian:12');
  assert.equal(ecosystemKey('Debian:12.4'), 'Debian:12');
  assert.equal(ecosystemKey('Ubuntu:22.04:LTS'), 'Ubuntu:22.04');
  assert.equal(ecosystemKey('Red Hat:enterprise_linux:9::appstream'), 'Red Hat:9');
  assert.equal(ecosystemKey('Alpine:v3.18'), 'Alpine:v3.18');
  assert.equal(ecosystemKey('npm'), 'npm');
  assert.equal(
    ecosystemKey('Packagist:https://packages.drupal.org/8'),
    'Packagist:https://packages.drupal.org/8',
  );
});

test('names normalise per ecosystem: PEP 503 for PyPI, case-folded for npm and NuGet, exact for Go', () => {
  assert.equal(normalizeName('PyPI', 'Zope.Interface'), 'zope-interface');
  assert.equal(normalizeName('npm', 'JSONStream'), 'jsonstream');
  assert.equal(normalizeName('NuGet', 'Newtonsoft.Json'), 'newtonsoft.json');
  assert.equal(normalizeName('Go', 'github.com/BurntSushi/toml'), 'github.com/BurntSushi/toml');
});
