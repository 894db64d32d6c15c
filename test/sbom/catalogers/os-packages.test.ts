import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { apkCataloger } from '../../../src/sbom/catalogers/apk.js';
import { dpkgCataloger } from '../../../src/sbom/catalogers/dpkg.js';
import { rpmCataloger } from '../../../src/sbom/catalogers/rpm.js';
import { parseOsRelease } from '../../../src/sbom/os-release.js';
import { fixture } from '../fixtures.js';

const debian = parseOsRelease(readFileSync(fixture('rootfs-debian/etc/os-release'), 'utf8'));
const alpine = parseOsRelease(readFileSync(fixture('rootfs-alpine/etc/os-release'), 'utf8'));

test('os-release: ID and VERSION_ID form the distro qualifier', () => {
  assert.equal(debian?.distro, 'debian-12');
  assert.equal(debian?.prettyName, 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(alpine?.distro, 'alpine-3.14.2');
  assert.equal(parseOsRelease('NAME=nothing\n'), undefined);
});

test('dpkg status: installed packages get deb purls with arch, distro and upstream source', () => {
  const bytes = readFileSync(fixture('rootfs-debian/var/lib/dpkg/status'));
  const r = dpkgCataloger.catalog(
    { path: 'var/lib/dpkg/status', bytes },
    { ...(debian ? { os: debian } : {}), maxBytes: 1 << 20 },
  );
  const purls = r.components.map((c) => c.purl);
  assert.ok(purls.includes('pkg:deb/debian/openssl@3.0.19-1~deb12u2?arch=amd64&distro=debian-12'));
  assert.ok(
    purls.includes('pkg:deb/debian/libssl3@3.0.19-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl'),
  );
  // Epochs stay in the version, as dpkg compares them.
  assert.ok(
    purls.includes('pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib'),
  );
  const openssl = r.components.find((c) => c.name === 'openssl');
  assert.ok(openssl?.dependsOn?.some((d) => d.startsWith('pkg:deb/debian/libssl3@')));
});

test('dpkg status: removed packages whose config files remain are not installed', () => {
  const text =
    'Package: bash\nStatus: deinstall ok config-files\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n\nPackage: dash\nStatus: install ok installed\nVersion: 0.5.12-2\nArchitecture: amd64\n';
  const r = dpkgCataloger.catalog(
    { path: 'var/lib/dpkg/status', bytes: Buffer.from(text) },
    { maxBytes: 1 << 20 },
  );
  assert.deepEqual(
    r.components.map((c) => c.name),
    ['dash'],
  );
});

test('distroless status.d: one paragraph per file, no Status field needed; md5sums files ignored', () => {
  assert.equal(dpkgCataloger.matches('var/lib/dpkg/status.d/libssl3', undefined, 1), true);
  assert.equal(dpkgCataloger.matches('var/lib/dpkg/status.d/libssl3.md5sums', undefined, 1), false);
  const bytes = readFileSync(fixture('rootfs-distroless/var/lib/dpkg/status.d/libssl3'));
  const r = dpkgCataloger.catalog({ path: 'var/lib/dpkg/status.d/libssl3', bytes }, { maxBytes: 1 << 20 });
  assert.equal(r.components[0]?.purl, 'pkg:deb/debian/libssl3@3.0.19-1~deb12u2?arch=amd64&upstream=openssl');
});

test('apk installed db: apk purls with distro, SPDX license expressions kept, so: deps resolved via provides', () => {
  const bytes = readFileSync(fixture('rootfs-alpine/lib/apk/db/installed'));
  const r = apkCataloger.catalog(
    { path: 'lib/apk/db/installed', bytes },
    { ...(alpine ? { os: alpine } : {}), maxBytes: 1 << 20 },
  );
  const musl = 'pkg:apk/alpine/musl@1.2.2-r7?arch=x86_64&distro=alpine-3.14.2';
  assert.deepEqual(
    r.components.map((c) => [c.purl, c.license, c.dependsOn]),
    [
      [musl, 'MIT', []],
      [
        'pkg:apk/alpine/libretls@3.3.4-r2?arch=x86_64&distro=alpine-3.14.2',
        'ISC AND (BSD-3-Clause OR MIT)',
        [musl],
      ],
    ],
  );
});

const rhel = parseOsRelease(readFileSync(fixture('rootfs-rhel/etc/os-release'), 'utf8'));

test('rpmdb.sqlite: headers give rpm purls with epoch, arch, distro and source rpm', () => {
  const bytes = readFileSync(fixture('rootfs-rhel/var/lib/rpm/rpmdb.sqlite'));
  const r = rpmCataloger.catalog(
    { path: 'var/lib/rpm/rpmdb.sqlite', bytes },
    { ...(rhel ? { os: rhel } : {}), maxBytes: 1 << 20 },
  );
  assert.deepEqual(
    r.components.map((c) => [c.purl, c.version]),
    [
      [
        'pkg:rpm/redhat/bash@5.1.8-9.el9?arch=x86_64&distro=rhel-9.4&upstream=bash-5.1.8-9.el9.src.rpm',
        '5.1.8-9.el9',
      ],
      [
        'pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9.4&epoch=1&upstream=openssl-3.0.7-27.el9.src.rpm',
        '1:3.0.7-27.el9',
      ],
      [
        'pkg:rpm/redhat/glibc@2.34-100.el9?arch=x86_64&distro=rhel-9.4&upstream=glibc-2.34-100.el9.src.rpm',
        '2.34-100.el9',
      ],
    ],
  );
  assert.equal(r.components[0]?.license, 'GPLv3+');
});

test('BerkeleyDB and NDB rpm databases are reported as not read, never silently empty', () => {
  for (const p of ['var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/Packages.db']) {
    assert.equal(rpmCataloger.matches(p, undefined, 1), true);
    const r = rpmCataloger.catalog({ path: p, bytes: Buffer.alloc(16) }, { maxBytes: 1 << 20 });
    assert.equal(r.components.length, 0);
    assert.equal(r.warnings.length, 1);
  }
});

test('a corrupt rpmdb.sqlite is INPUT_MALFORMED: bad magic, truncation, looping page chains', () => {
  const good = readFileSync(fixture('rootfs-rhel/var/lib/rpm/rpmdb.sqlite'));
  const run = (bytes: Uint8Array) => () =>
    rpmCataloger.catalog({ path: 'var/lib/rpm/rpmdb.sqlite', bytes }, { maxBytes: 1 << 20 });
  assert.throws(
    run(
      Buffer.from(
        'not sqlite at all, not sqlite at all, not sqlite at all, not sqlite at all, 100 bytes....',
      ),
    ),
    {
      code: 'INPUT_MALFORMED',
    },
  );
  assert.throws(run(good.subarray(0, 5000)), { code: 'INPUT_MALFORMED' });
  // Page 2 is the Packages table's root: turn it into an interior page whose only child is itself.
  const looped = Buffer.from(good);
  const page2 = looped.readUInt16BE(16);
  looped[page2] = 0x05;
  looped.writeUInt16BE(0, page2 + 3);
  looped.writeUInt32BE(2, page2 + 8);
  assert.throws(
    run(looped),
    (e: unknown) => (e as { code?: string }).code === 'INPUT_MALFORMED' && /cycle/.test(String(e)),
  );
});
