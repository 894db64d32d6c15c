import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertOsv,
  type VulnFinding,
  matchComponents,
  memorySource,
  type OsvVulnerability,
} from '../../src/vuln/index.js';
import { fixtureRecords } from './fixture-records.js';

const source = memorySource(fixtureRecords());

function ids(purl: string): string[] {
  return matchComponents([{ purl }], source).findings.map((f) => f.id);
}

function only(purl: string, records = source): VulnFinding {
  const r = matchComponents([{ purl }], records);
  assert.equal(r.findings.length, 1, `${purl}: ${r.findings.map((f) => f.id).join(', ')}`);
  const f = r.findings[0];
  assert.ok(f);
  return f;
}

test('npm: a version inside two advisories gets both, with their fixed versions', () => {
  const r = matchComponents([{ purl: 'pkg:npm/lodash@4.17.15', ref: 'comp-1' }], source);
  assert.deepEqual(
    r.findings.map((f) => [f.id, f.fixed, f.severity.level, f.ref]),
    [
      ['GHSA-35jh-r3h4-6jhm', ['4.17.21'], 'high', 'comp-1'],
      ['GHSA-p6mc-m468-83gw', ['4.17.19'], 'high', 'comp-1'],
    ],
  );
  assert.deepEqual(r.findings[1]?.aliases, ['CVE-2020-8203']);
});

test('fixed is exclusive and introduced is inclusive', () => {
  assert.deepEqual(ids('pkg:npm/lodash@4.17.19'), ['GHSA-35jh-r3h4-6jhm']);
  assert.deepEqual(ids('pkg:npm/lodash@3.6.0'), ['GHSA-35jh-r3h4-6jhm']);
  assert.deepEqual(ids('pkg:npm/lodash@3.7.0'), ['GHSA-35jh-r3h4-6jhm', 'GHSA-p6mc-m468-83gw']);
  assert.deepEqual(ids('pkg:npm/lodash@4.17.21'), []);
});

test('PyPI: records that alias each other become one finding carrying every id', () => {
  const f = only('pkg:pypi/Requests@2.28.0');
  assert.equal(f.id, 'GHSA-j8r2-6x86-q33q');
  assert.deepEqual(f.aliases, ['CVE-2023-32681', 'PYSEC-2023-74']);
  assert.deepEqual(f.fixed, ['2.31.0']);
  assert.equal(f.severity.level, 'medium');
  assert.equal(f.severity.score, 6.1);
  assert.deepEqual(ids('pkg:pypi/requests@2.2.1'), []);
  assert.deepEqual(ids('pkg:pypi/requests@2.31.0'), []);
});

test('Maven: qualifiers and multiple ranges of log4j-core (CVE-2021-44228)', () => {
  assert.deepEqual(only('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1').fixed, ['2.15.0']);
  assert.equal(only('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1').severity.level, 'critical');
  assert.deepEqual(only('pkg:maven/org.apache.logging.log4j/log4j-core@2.0-beta9').fixed, ['2.3.1']);
  assert.deepEqual(ids('pkg:maven/org.apache.logging.log4j/log4j-core@2.0-beta8'), []);
  assert.deepEqual(ids('pkg:maven/org.apache.logging.log4j/log4j-core@2.12.2'), []);
  assert.deepEqual(ids('pkg:maven/org.apache.logging.log4j/log4j-core@2.3.1'), []);
});

test('Go: v-prefixed purl versions match SEMVER ranges written without v', () => {
  assert.equal(only('pkg:golang/gopkg.in/yaml.v2@v2.2.2').id, 'GO-2020-0036');
  assert.deepEqual(ids('pkg:golang/gopkg.in/yaml.v2@v2.2.8'), []);
  assert.equal(only('pkg:golang/gopkg.in/yaml.v2@v0.0.0-20190101000000-abcdefabcdef').id, 'GO-2020-0036');
});

test('crates.io, RubyGems, Packagist and NuGet advisories match on their own version rules', () => {
  assert.equal(only('pkg:cargo/hyper@0.14.9').id, 'RUSTSEC-2021-0078');
  assert.deepEqual(ids('pkg:cargo/hyper@0.14.10'), []);
  assert.equal(only('pkg:gem/nokogiri@1.13.4.rc1').id, 'GHSA-crjr-9rc5-ghw8');
  assert.deepEqual(ids('pkg:gem/nokogiri@1.13.4'), []);
  assert.deepEqual(only('pkg:composer/guzzlehttp/guzzle@7.4.2').fixed, ['7.4.3']);
  assert.deepEqual(only('pkg:composer/guzzlehttp/guzzle@v6.5.5').fixed, ['6.5.6']);
  assert.deepEqual(ids('pkg:composer/guzzlehttp/guzzle@6.5.6'), []);
  assert.equal(only('pkg:nuget/Newtonsoft.Json@12.0.3').severity.level, 'high');
  assert.deepEqual(ids('pkg:nuget/newtonsoft.json@13.0.1'), []);
});

test('Debian: binary packages match their source package in their own release only', () => {
  const f = only('pkg:deb/debian/libc6@2.36-9+deb12u1?arch=amd64&distro=debian-12&upstream=glibc');
  assert.equal(f.id, 'DSA-5514-1');
  assert.deepEqual(f.fixed, ['2.36-9+deb12u3']);
  assert.deepEqual(f.upstream, ['CVE-2023-4911']);
  assert.deepEqual(only('pkg:deb/debian/libc6@2.31-13+deb11u6?distro=bullseye&upstream=glibc').fixed, [
    '2.31-13+deb11u7',
  ]);
  assert.deepEqual(ids('pkg:deb/debian/libc6@2.36-9+deb12u3?distro=debian-12&upstream=glibc'), []);
  assert.deepEqual(ids('pkg:deb/debian/libc6@2.36-9+deb12u1?distro=debian-13&upstream=glibc'), []);
});

test('Alpine and AlmaLinux: origin packages, apk and rpm ordering, epochs from qualifiers', () => {
  assert.equal(
    only('pkg:apk/alpine/libcrypto3@3.1.3-r0?distro=alpine-3.18.4&upstream=openssl').id,
    'ALPINE-CVE-2023-5363',
  );
  assert.deepEqual(ids('pkg:apk/alpine/libcrypto3@3.1.4-r0?distro=alpine-3.18.4&upstream=openssl'), []);
  assert.deepEqual(ids('pkg:apk/alpine/libcrypto3@3.1.3-r0?distro=alpine-3.19.0&upstream=openssl'), []);
  const f = only('pkg:rpm/almalinux/openssl-libs@3.0.1-43.el9_0?epoch=1&distro=almalinux-9.1');
  assert.equal(f.id, 'ALSA-2023:0946');
  assert.deepEqual(f.fixed, ['1:3.0.1-47.el9_1']);
  assert.deepEqual(ids('pkg:rpm/almalinux/openssl-libs@3.0.1-47.el9_1?epoch=1&distro=almalinux-9.1'), []);
});

function record(affected: unknown[], extra: Record<string, unknown> = {}): OsvVulnerability {
  return assertOsv({ id: 'TEST-1', modified: '2024-01-01T00:00:00Z', affected, ...extra });
}

function hits(rec: OsvVulnerability, purl: string): boolean {
  return matchComponents([{ purl }], memorySource([rec])).findings.length > 0;
}

test('last_affected is inclusive', () => {
  const r = record([
    {
      package: { ecosystem: 'npm', name: 'x' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { last_affected: '1.2.0' }] }],
    },
  ]);
  assert.equal(hits(r, 'pkg:npm/x@1.2.0'), true);
  assert.equal(hits(r, 'pkg:npm/x@1.2.1'), false);
  assert.equal(hits(r, 'pkg:npm/x@0.9.0'), false);
});

test('limit caps a range from above', () => {
  const r = record([
    {
      package: { ecosystem: 'npm', name: 'x' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { limit: '2.0.0' }] }],
    },
  ]);
  assert.equal(hits(r, 'pkg:npm/x@1.9.9'), true);
  assert.equal(hits(r, 'pkg:npm/x@2.0.0'), false);
});

test('events are evaluated in version order whatever their order in the file', () => {
  const r = record([
    {
      package: { ecosystem: 'PyPI', name: 'x' },
      ranges: [
        {
          type: 'ECOSYSTEM',
          events: [
            { fixed: '2.0' },
            { introduced: '3.0' },
            { fixed: '1.5' },
            { introduced: '1.0' },
            { introduced: '0' },
            { fixed: '0.5' },
          ],
        },
      ],
    },
  ]);
  assert.equal(hits(r, 'pkg:pypi/x@0.4'), true);
  assert.equal(hits(r, 'pkg:pypi/x@0.7'), false);
  assert.equal(hits(r, 'pkg:pypi/x@1.2'), true);
  assert.equal(hits(r, 'pkg:pypi/x@1.7'), false);
  assert.equal(hits(r, 'pkg:pypi/x@3.1'), true);
});

test('an explicit versions list matches exactly and by scheme equality', () => {
  const r = record([{ package: { ecosystem: 'PyPI', name: 'x' }, versions: ['1.0', '1.1'] }]);
  assert.equal(hits(r, 'pkg:pypi/x@1.0'), true);
  assert.equal(hits(r, 'pkg:pypi/x@1.0.0'), true);
  assert.equal(hits(r, 'pkg:pypi/x@1.2'), false);
});

test('withdrawn records are ignored and counted', () => {
  const r = record(
    [
      {
        package: { ecosystem: 'npm', name: 'x' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }],
      },
    ],
    {
      withdrawn: '2024-02-01T00:00:00Z',
    },
  );
  const report = matchComponents([{ purl: 'pkg:npm/x@1.0.0' }], memorySource([r]));
  assert.equal(report.findings.length, 0);
  assert.equal(report.stats.withdrawnIgnored, 1);
});

test('GIT ranges are skipped and counted', () => {
  const r = record([
    {
      package: { ecosystem: 'npm', name: 'x' },
      ranges: [
        {
          type: 'GIT',
          repo: 'https://example.com/x.git',
          events: [{ introduced: '0' }, { fixed: 'abc123' }],
        },
      ],
    },
  ]);
  const report = matchComponents(
    [{ purl: 'pkg:npm/x@1.0.0' }, { purl: 'pkg:npm/x@2.0.0' }],
    memorySource([r]),
  );
  assert.equal(report.findings.length, 0);
  assert.equal(report.stats.gitRangesSkipped, 1, 'one range, counted once however often it is met');
});

test('unusable components are skipped with a reason and counted, the rest still match', () => {
  const report = matchComponents(
    [
      { purl: 'not a purl' },
      { purl: 'pkg:npm/lodash' },
      { purl: 'pkg:generic/x@1' },
      { purl: 'pkg:npm/lodash@not.a.version' },
      { purl: 'pkg:npm/lodash@4.17.20' },
    ],
    source,
  );
  assert.equal(report.stats.components, 5);
  assert.deepEqual(
    report.stats.skipped.map((s) => s.reason),
    ['invalid-purl', 'no-version', 'unknown-ecosystem', 'unparseable-version'],
  );
  assert.deepEqual(
    report.findings.map((f) => f.id),
    ['GHSA-35jh-r3h4-6jhm'],
  );
});

test('a range whose event versions do not parse is dropped and counted, not matched', () => {
  const r = record([
    {
      package: { ecosystem: 'npm', name: 'x' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: 'banana' }] }],
    },
  ]);
  const report = matchComponents([{ purl: 'pkg:npm/x@1.0.0' }], memorySource([r]));
  assert.equal(report.findings.length, 0);
  assert.equal(report.stats.unparseableRanges, 1);
});

test('an entry for another package or ecosystem in the same record does not match', () => {
  const r = record([
    {
      package: { ecosystem: 'npm', name: 'x' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.0' }] }],
    },
    {
      package: { ecosystem: 'PyPI', name: 'x' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
    },
  ]);
  assert.equal(hits(r, 'pkg:npm/x@2.0.0'), false);
  assert.equal(hits(r, 'pkg:pypi/x@2.0.0'), true);
});

test('Go standard library purls with a go prefix match stdlib records', () => {
  const r = record([
    {
      package: { ecosystem: 'Go', name: 'stdlib' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '1.19.0' }, { fixed: '1.19.1' }] }],
    },
  ]);
  assert.equal(hits(r, 'pkg:golang/stdlib@go1.19'), true);
  assert.equal(hits(r, 'pkg:golang/stdlib@go1.19.1'), false);
  assert.equal(hits(r, 'pkg:golang/stdlib@1.18.5'), false);
});
