// Hostile input for every cataloger (contract suite): truncated, garbage, empty, deeply nested and
// oversized inputs either yield a well-formed result or a VouchError with an input code. Never a crash,
// never INTERNAL, never a TypeError escaping.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { VouchError } from '../../../src/errors.js';
import { apkCataloger } from '../../../src/sbom/catalogers/apk.js';
import { bunLockCataloger, bunLockbCataloger } from '../../../src/sbom/catalogers/bun-lock.js';
import { cargoLockCataloger } from '../../../src/sbom/catalogers/cargo-lock.js';
import { composerLockCataloger } from '../../../src/sbom/catalogers/composer-lock.js';
import { dotnetDepsCataloger, nugetLockCataloger } from '../../../src/sbom/catalogers/dotnet.js';
import { dpkgCataloger } from '../../../src/sbom/catalogers/dpkg.js';
import { gemfileLockCataloger } from '../../../src/sbom/catalogers/gemfile-lock.js';
import { goBinaryCataloger } from '../../../src/sbom/catalogers/go-binary.js';
import { goModCataloger, goSumCataloger } from '../../../src/sbom/catalogers/go-mod.js';
import { listZip, readZipEntry } from '../../../src/sbom/catalogers/jar-zip.js';
import { javaArchiveCataloger } from '../../../src/sbom/catalogers/java-archive.js';
import { gradleLockCataloger, mavenPomCataloger } from '../../../src/sbom/catalogers/java-build-files.js';
import { mixLockCataloger } from '../../../src/sbom/catalogers/mix-lock.js';
import { npmInstalledCataloger } from '../../../src/sbom/catalogers/npm-installed.js';
import { npmPackageLockCataloger } from '../../../src/sbom/catalogers/npm-package-lock.js';
import { pdmLockCataloger } from '../../../src/sbom/catalogers/pdm-lock.js';
import { pnpmLockCataloger } from '../../../src/sbom/catalogers/pnpm-lock.js';
import { pubspecLockCataloger } from '../../../src/sbom/catalogers/pubspec-lock.js';
import { pythonArchiveCataloger } from '../../../src/sbom/catalogers/python-archive.js';
import { pythonInstalledCataloger } from '../../../src/sbom/catalogers/python-installed.js';
import {
  pipfileLockCataloger,
  poetryLockCataloger,
  requirementsTxtCataloger,
  uvLockCataloger,
} from '../../../src/sbom/catalogers/python-locks.js';
import { rpmCataloger } from '../../../src/sbom/catalogers/rpm.js';
import { yarnLockCataloger } from '../../../src/sbom/catalogers/yarn-lock.js';
import { type Cataloger, allCatalogers } from '../../../src/sbom/index.js';
import { fixture } from '../fixtures.js';

const INPUT_CODES = new Set(['INPUT_MALFORMED', 'UNSUPPORTED', 'INPUT_TOO_LARGE', 'UNSAFE_PATH']);

// One real sample per cataloger (path as the tree would name it, fixture file), keyed by cataloger object:
// the npm, yarn and pnpm catalogers share a name.
const SAMPLES = new Map<Cataloger, [string, string]>([
  [npmPackageLockCataloger, ['package-lock.json', 'npm-v3/package-lock.json']],
  [yarnLockCataloger, ['yarn.lock', 'yarn-berry/yarn.lock']],
  [pnpmLockCataloger, ['pnpm-lock.yaml', 'pnpm-v9/pnpm-lock.yaml']],
  [bunLockCataloger, ['bun.lock', 'bun/bun.lock']],
  [bunLockbCataloger, ['bun.lockb', 'bun-binary/bun.lockb']],
  [
    npmInstalledCataloger,
    ['node_modules/debug/package.json', 'node-modules/node_modules/debug/package.json'],
  ],
  [
    pythonInstalledCataloger,
    ['x.dist-info/METADATA', 'python-site/site-packages/six-1.17.0.dist-info/METADATA'],
  ],
  [poetryLockCataloger, ['poetry.lock', 'poetry/poetry.lock']],
  [
    pythonArchiveCataloger,
    ['six-1.17.0-py2.py3-none-any.whl', 'python-archives/six-1.17.0-py2.py3-none-any.whl'],
  ],
  [uvLockCataloger, ['uv.lock', 'uv/uv.lock']],
  [pdmLockCataloger, ['pdm.lock', 'pdm/pdm.lock']],
  [pipfileLockCataloger, ['Pipfile.lock', 'pipenv/Pipfile.lock']],
  [requirementsTxtCataloger, ['requirements.txt', 'requirements/requirements.txt']],
  [goModCataloger, ['go.mod', 'go/go.mod']],
  [goSumCataloger, ['go.sum', 'go/go.sum']],
  [goBinaryCataloger, ['bin/app', 'java/javax.inject-1.jar']],
  [cargoLockCataloger, ['Cargo.lock', 'cargo/Cargo.lock']],
  [gemfileLockCataloger, ['Gemfile.lock', 'ruby/Gemfile.lock']],
  [composerLockCataloger, ['composer.lock', 'composer/composer.lock']],
  [mixLockCataloger, ['mix.lock', 'mix/mix.lock']],
  [pubspecLockCataloger, ['pubspec.lock', 'pubspec/pubspec.lock']],
  [nugetLockCataloger, ['packages.lock.json', 'dotnet/packages.lock.json']],
  [dotnetDepsCataloger, ['a.deps.json', 'dotnet/StartupDiagnostics.deps.json']],
  [javaArchiveCataloger, ['app.jar', 'java/fat-app-1.0.0.jar']],
  [gradleLockCataloger, ['gradle.lockfile', 'gradle/gradle.lockfile']],
  [mavenPomCataloger, ['pom.xml', 'maven/pom.xml']],
  [dpkgCataloger, ['var/lib/dpkg/status', 'rootfs-debian/var/lib/dpkg/status']],
  [apkCataloger, ['lib/apk/db/installed', 'rootfs-alpine/lib/apk/db/installed']],
  [rpmCataloger, ['var/lib/rpm/rpmdb.sqlite', 'rootfs-rhel/var/lib/rpm/rpmdb.sqlite']],
]);

function outcome(c: Cataloger, path: string, bytes: Uint8Array, maxBytes = 1 << 20): string {
  try {
    const r = c.catalog({ path, bytes }, { maxBytes });
    assert.ok(Array.isArray(r.components) && Array.isArray(r.warnings));
    for (const d of r.components) {
      assert.equal(typeof d.purl, 'string');
      assert.ok(d.purl.startsWith('pkg:'));
    }
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof VouchError, `${c.name} threw a non-VouchError on ${path}: ${String(e)}`);
    assert.ok(INPUT_CODES.has(e.code), `${c.name}: unexpected code ${e.code}`);
    return e.code;
  }
}

for (const c of allCatalogers) {
  const sample = SAMPLES.get(c);
  test(`${c.name} [${sample?.[0]}]: hostile inputs end in a result or an input error code`, () => {
    assert.ok(sample, `no sample for ${c.name}`);
    const [path, rel] = sample;
    const good = readFileSync(fixture(rel));
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      good.subarray(0, Math.floor(good.length / 2)),
      good.subarray(0, 7),
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
      Buffer.from('['.repeat(100_000)),
      Buffer.from('{'.repeat(100_000)),
      Buffer.from(
        `{"lockfileVersion": 3, "packages": {"__proto__": {"version": "1"}, "node_modules/x": {"version": 5}}}`,
      ),
      Buffer.from('\u0000\uffff\ud800'),
    ];
    for (const bytes of cases) outcome(c, path, bytes);
  });
}

test('a YAML alias bomb in a pnpm lockfile is INPUT_MALFORMED, not an expansion', () => {
  const bomb = ['lockfileVersion: "9.0"', 'a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 0; i < 12; i++) {
    const p = String.fromCharCode(98 + i);
    const prev = String.fromCharCode(97 + i);
    bomb.push(
      `${p}: &${p} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`,
    );
  }
  const bytes = Buffer.from(`${bomb.join('\n')}\n`);
  assert.throws(() => pnpmLockCataloger.catalog({ path: 'pnpm-lock.yaml', bytes }, { maxBytes: 1 << 20 }), {
    code: 'INPUT_MALFORMED',
  });
  const berry = Buffer.from(`__metadata:\n  version: 8\n${bomb.slice(1).join('\n')}\n`);
  assert.throws(() => yarnLockCataloger.catalog({ path: 'yarn.lock', bytes: berry }, { maxBytes: 1 << 20 }), {
    code: 'INPUT_MALFORMED',
  });
});

/** A one-entry zip archive (stored or deflated) laid out per APPNOTE 4.3. */
function zip(name: string, data: Buffer, opts: { deflate?: boolean; declaredSize?: number } = {}): Buffer {
  const body = opts.deflate ? deflateRawSync(data) : data;
  const n = Buffer.from(name);
  const loc = Buffer.alloc(30);
  loc.writeUInt32LE(0x04034b50, 0);
  loc.writeUInt16LE(opts.deflate ? 8 : 0, 8);
  loc.writeUInt32LE(body.length, 18);
  loc.writeUInt32LE(opts.declaredSize ?? data.length, 22);
  loc.writeUInt16LE(n.length, 26);
  const cen = Buffer.alloc(46);
  cen.writeUInt32LE(0x02014b50, 0);
  cen.writeUInt16LE(opts.deflate ? 8 : 0, 10);
  cen.writeUInt32LE(body.length, 20);
  cen.writeUInt32LE(opts.declaredSize ?? data.length, 24);
  cen.writeUInt16LE(n.length, 28);
  cen.writeUInt32LE(0, 42);
  const cdOffset = 30 + n.length + body.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(46 + n.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([loc, n, body, cen, n, eocd]);
}

test('a zip bomb that lies about its size is stopped at the byte budget', () => {
  const bomb = zip('META-INF/maven/g/a/pom.properties', Buffer.alloc(8 * 1024 * 1024), {
    deflate: true,
    declaredSize: 10,
  });
  const entries = listZip(bomb, 'bomb.jar');
  const first = entries[0];
  assert.ok(first);
  assert.throws(() => readZipEntry(bomb, first, 1024 * 1024, 'bomb.jar'), { code: 'INPUT_TOO_LARGE' });
});

test('a central directory pointing outside the archive is INPUT_MALFORMED', () => {
  const z = zip('a.txt', Buffer.from('x'));
  z.writeUInt32LE(0x7fffffff, z.length - 6);
  assert.throws(() => listZip(z, 'bad.jar'), { code: 'INPUT_MALFORMED' });
});

test('a broken nested jar is a warning; the outer archive still counts', () => {
  const inner = Buffer.from('PK\u0003\u0004 not really a zip');
  // The outer archive holds only the bad jar; its own coordinates come from its file name.
  const outer = zip('BOOT-INF/lib/bad.jar', inner);
  const r = javaArchiveCataloger.catalog({ path: 'outer-1.0.jar', bytes: outer }, { maxBytes: 1 << 20 });
  assert.deepEqual(
    r.components.map((c) => c.purl),
    ['pkg:maven/outer/outer@1.0'],
  );
  assert.ok(r.warnings.some((w) => w.includes('bad.jar')));
});

test('entry names with ../ are read as names only and never become paths', () => {
  const z = zip(
    '../../etc/META-INF/maven/g/a/pom.properties',
    Buffer.from('groupId=g\nartifactId=a\nversion=1\n'),
  );
  const r = javaArchiveCataloger.catalog({ path: 'evil-2.0.jar', bytes: z }, { maxBytes: 1 << 20 });
  // The traversal name does not match META-INF/maven/<g>/<a>/pom.properties at the archive root.
  assert.deepEqual(
    r.components.map((c) => c.purl),
    ['pkg:maven/evil/evil@2.0'],
  );
});

test('a wheel whose metadata is a zip bomb is stopped at the metadata budget', () => {
  const bomb = zip('x-1.0.dist-info/METADATA', Buffer.alloc(16 * 1024 * 1024), {
    deflate: true,
    declaredSize: 100,
  });
  assert.throws(
    () =>
      pythonArchiveCataloger.catalog({ path: 'x-1.0-py3-none-any.whl', bytes: bomb }, { maxBytes: 64 << 20 }),
    { code: 'INPUT_TOO_LARGE' },
  );
});

test('a wheel or egg with a path-traversal entry is UNSAFE_PATH', () => {
  for (const [path, name] of [
    ['evil-1.0-py3-none-any.whl', '../../evil-1.0.dist-info/METADATA'],
    ['evil-1.0.egg', '/EGG-INFO/PKG-INFO'],
  ] as const) {
    const z = zip(name, Buffer.from('Name: evil\nVersion: 1.0\n'));
    assert.throws(() => pythonArchiveCataloger.catalog({ path, bytes: z }, { maxBytes: 1 << 20 }), {
      code: 'UNSAFE_PATH',
    });
  }
});
