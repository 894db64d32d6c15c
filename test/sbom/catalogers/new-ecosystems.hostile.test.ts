// Hostile input aimed at the bun, pdm, mix and pubspec parsers specifically (the contract suite in
// catalogers.hostile.test.ts runs generic garbage through every cataloger): prototype keys, deep
// nesting, huge inputs and invalid UTF-8 end in a result or an input error code, never a crash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VouchError } from '../../../src/errors.js';
import { bunLockCataloger } from '../../../src/sbom/catalogers/bun-lock.js';
import { mavenPomCataloger, versionInRange } from '../../../src/sbom/catalogers/java-build-files.js';
import { mixLockCataloger } from '../../../src/sbom/catalogers/mix-lock.js';
import { pdmLockCataloger } from '../../../src/sbom/catalogers/pdm-lock.js';
import { pnpmLockCataloger } from '../../../src/sbom/catalogers/pnpm-lock.js';
import { pubspecLockCataloger } from '../../../src/sbom/catalogers/pubspec-lock.js';
import type { Cataloger } from '../../../src/sbom/index.js';

function run(c: Cataloger, path: string, bytes: Uint8Array) {
  return c.catalog({ path, bytes }, { maxBytes: 64 << 20 });
}

function inputError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof VouchError, String(e));
    assert.ok(['INPUT_MALFORMED', 'INPUT_TOO_LARGE', 'UNSUPPORTED'].includes(e.code), e.code);
    return e.code;
  }
  return 'ok';
}

test('bun.lock: __proto__ and constructor keys are packages like any other, and pollute nothing', () => {
  const lock = `{"lockfileVersion": 1, "workspaces": {"": {"dependencies": {"__proto__": "1.0.0", "constructor": "2.0.0"}}},
    "packages": {"__proto__": ["__proto__@1.0.0", "", {"dependencies": {"toString": "1"}}, ""], "constructor": ["constructor@2.0.0", "", {}, ""]}}`;
  const r = run(bunLockCataloger, 'bun.lock', Buffer.from(lock));
  assert.deepEqual(r.components.map((c) => c.purl).sort(), [
    'pkg:npm/__proto__@1.0.0',
    'pkg:npm/constructor@2.0.0',
  ]);
  assert.deepEqual(r.components.find((c) => c.name === '__proto__')?.dependsOn, []);
  assert.equal(({} as Record<string, unknown>)['version'], undefined);
});

test('bun.lock: a package tuple that is not a tuple is INPUT_MALFORMED', () => {
  const lock = '{"lockfileVersion": 1, "packages": {"x": {"version": "1"}}}';
  assert.equal(
    inputError(() => run(bunLockCataloger, 'bun.lock', Buffer.from(lock))),
    'INPUT_MALFORMED',
  );
});

test('bun.lock: 50,000 packages are read without trouble', () => {
  const pkgs = Array.from(
    { length: 50_000 },
    (_, i) => `"p${i}": ["p${i}@1.0.${i}", "", {"dependencies": {"p${i + 1}": "*"}}, ""]`,
  );
  const lock = `{"lockfileVersion": 1, "packages": {${pkgs.join(',\n')},}}`;
  const r = run(bunLockCataloger, 'bun.lock', Buffer.from(lock));
  assert.equal(r.components.length, 50_000);
  assert.deepEqual(r.components[0]?.dependsOn, ['pkg:npm/p1@1.0.1']);
});

test('bun.lock: an unterminated comment or string is INPUT_MALFORMED', () => {
  for (const t of [
    '{"lockfileVersion": 1, /* never closed',
    '{"lockfileVersion": 1, "packages": {"x": ["x@1',
  ]) {
    assert.equal(
      inputError(() => run(bunLockCataloger, 'bun.lock', Buffer.from(t))),
      'INPUT_MALFORMED',
    );
  }
});

test('mix.lock: terms nested past the cap are INPUT_MALFORMED, not a stack overflow', () => {
  const deep = `%{"a": ${'{'.repeat(100_000)}`;
  assert.equal(
    inputError(() => run(mixLockCataloger, 'mix.lock', Buffer.from(deep))),
    'INPUT_MALFORMED',
  );
});

test('mix.lock: invalid UTF-8 in a name ends in a result or an input error', () => {
  const bytes = Buffer.concat([
    Buffer.from('%{"'),
    Buffer.from([0xff, 0xfe, 0xc3]),
    Buffer.from('": {:hex, :x, "1.0.0", "ab", [:mix], [], "hexpm", "cd"}}'),
  ]);
  assert.notEqual(
    inputError(() => run(mixLockCataloger, 'mix.lock', bytes)),
    'INTERNAL',
  );
});

test('mix.lock: a huge lockfile of 20,000 entries is read', () => {
  const lines = Array.from(
    { length: 20_000 },
    (_, i) =>
      `  "p${i}": {:hex, :p${i}, "1.0.${i}", "00", [:mix], [{:p${i + 1}, "~> 1.0", [hex: :p${i + 1}, repo: "hexpm", optional: false]}], "hexpm", "00"},`,
  );
  const r = run(mixLockCataloger, 'mix.lock', Buffer.from(`%{\n${lines.join('\n')}\n}\n`));
  assert.equal(r.components.length, 20_000);
});

test('pubspec.lock: __proto__ package names and non-mapping entries', () => {
  const ok =
    'packages:\n  __proto__:\n    dependency: transitive\n    source: hosted\n    version: "1.0.0"\n';
  assert.deepEqual(
    run(pubspecLockCataloger, 'pubspec.lock', Buffer.from(ok)).components.map((c) => c.purl),
    ['pkg:pub/__proto__@1.0.0'],
  );
  const bad = 'packages:\n  x: 5\n';
  assert.equal(
    inputError(() => run(pubspecLockCataloger, 'pubspec.lock', Buffer.from(bad))),
    'INPUT_MALFORMED',
  );
});

test('pdm.lock: deep inline tables and invalid UTF-8 end in an input error or a result', () => {
  const deep = `[[package]]\nname = "x"\nversion = "1"\nfiles = ${'['.repeat(10_000)}`;
  assert.equal(
    inputError(() => run(pdmLockCataloger, 'pdm.lock', Buffer.from(deep))),
    'INPUT_MALFORMED',
  );
  const utf8 = Buffer.concat([
    Buffer.from('[[package]]\nname = "'),
    Buffer.from([0xc3, 0x28]),
    Buffer.from('"\nversion = "1"\n'),
  ]);
  assert.notEqual(
    inputError(() => run(pdmLockCataloger, 'pdm.lock', utf8)),
    'INTERNAL',
  );
});

test('pnpm importer directories and Maven ranges: megabyte-long lines are read in one pass', () => {
  const lock = `lockfileVersion: '9.0'\nimporters:\n  ${'a'.repeat(1_000_000)}\n  packages/x:\n    dependencies: {}\n`;
  const wanted = pnpmLockCataloger.wants?.(
    { path: 'pnpm-lock.yaml', bytes: Buffer.from(lock) },
    () => undefined,
  );
  assert.deepEqual(wanted, ['packages/x/package.json']);
  assert.equal(versionInRange(`[${' '.repeat(1_000_000)}`), undefined);
});

test('pom.xml: a megabyte of spaces inside a tag is read in one pass', () => {
  const pom = `<project><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>1.0${' '.repeat(1_000_000)}</dependency></dependencies></project>`;
  const r = run(mavenPomCataloger, 'pom.xml', Buffer.from(pom));
  assert.deepEqual(r.components, []);
});
