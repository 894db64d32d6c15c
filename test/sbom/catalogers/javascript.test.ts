import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { comparePackageJson } from '../../../src/sbom/catalogers/npm-package-lock.js';
import { npmInstalledCataloger } from '../../../src/sbom/catalogers/npm-installed.js';
import { npmPackageLockCataloger } from '../../../src/sbom/catalogers/npm-package-lock.js';
import { pnpmLockCataloger } from '../../../src/sbom/catalogers/pnpm-lock.js';
import { yarnLockCataloger } from '../../../src/sbom/catalogers/yarn-lock.js';
import type { CatalogResult } from '../../../src/sbom/index.js';
import { catalogFixture, catalogText, fixture, purls } from '../fixtures.js';

// The same package.json resolved by npm, yarn 1, yarn 4 and pnpm 7/8/9 (see the fixture README): every
// tool must yield the same ten packages.
const EXPECTED = [
  'pkg:npm/%40sindresorhus/is@4.6.0',
  'pkg:npm/ansi-regex@5.0.1',
  'pkg:npm/debug@4.3.4',
  'pkg:npm/emoji-regex@8.0.0',
  'pkg:npm/is-fullwidth-code-point@3.0.0',
  'pkg:npm/is-number@7.0.0',
  'pkg:npm/left-pad@1.3.0',
  'pkg:npm/ms@2.1.2',
  'pkg:npm/string-width@4.2.3',
  'pkg:npm/strip-ansi@6.0.1',
];

function byPurl(r: CatalogResult, purl: string) {
  const c = r.components.find((x) => x.purl === purl);
  assert.ok(c, `missing ${purl}`);
  return c;
}

const lockfiles: Array<[string, () => CatalogResult]> = [
  ['package-lock v3', () => catalogFixture(npmPackageLockCataloger, 'npm-v3/package-lock.json')],
  ['package-lock v2', () => catalogFixture(npmPackageLockCataloger, 'npm-v2/package-lock.json')],
  ['package-lock v1', () => catalogFixture(npmPackageLockCataloger, 'npm-v1/package-lock.json')],
  ['yarn classic', () => catalogFixture(yarnLockCataloger, 'yarn-classic/yarn.lock')],
  ['yarn berry', () => catalogFixture(yarnLockCataloger, 'yarn-berry/yarn.lock')],
  ['pnpm v5.4', () => catalogFixture(pnpmLockCataloger, 'pnpm-v5/pnpm-lock.yaml')],
  ['pnpm v6', () => catalogFixture(pnpmLockCataloger, 'pnpm-v6/pnpm-lock.yaml')],
  ['pnpm v9', () => catalogFixture(pnpmLockCataloger, 'pnpm-v9/pnpm-lock.yaml')],
];

/** The third-party packages: the project itself (origin root) is listed by lockfiles that name it. */
function thirdParty(r: CatalogResult): string[] {
  return r.components
    .filter((c) => c.origin === undefined)
    .map((c) => c.purl)
    .sort();
}

for (const [name, run] of lockfiles) {
  test(`${name}: lists every locked package once, aliases under their real name`, () => {
    assert.deepEqual(thirdParty(run()), EXPECTED);
  });
  test(`${name}: edges follow the lockfile (debug -> ms, string-width -> its three deps)`, () => {
    const r = run();
    assert.deepEqual(byPurl(r, 'pkg:npm/debug@4.3.4').dependsOn, ['pkg:npm/ms@2.1.2']);
    assert.deepEqual([...(byPurl(r, 'pkg:npm/string-width@4.2.3').dependsOn ?? [])].sort(), [
      'pkg:npm/emoji-regex@8.0.0',
      'pkg:npm/is-fullwidth-code-point@3.0.0',
      'pkg:npm/strip-ansi@6.0.1',
    ]);
  });
}

for (const [name, run] of lockfiles.filter(([n]) => !n.startsWith('yarn'))) {
  test(`${name}: devDependencies are dev and optionalDependencies optional`, () => {
    const r = run();
    assert.equal(byPurl(r, 'pkg:npm/is-number@7.0.0').scope, 'dev');
    assert.equal(byPurl(r, 'pkg:npm/left-pad@1.3.0').scope, 'optional');
    assert.equal(byPurl(r, 'pkg:npm/debug@4.3.4').scope ?? 'required', 'required');
  });
}

test('package-lock v2/v3: the project is a component with origin root and edges to its direct dependencies', () => {
  for (const rel of ['npm-v3/package-lock.json', 'npm-v2/package-lock.json']) {
    const r = catalogFixture(npmPackageLockCataloger, rel);
    const root = byPurl(r, 'pkg:npm/vouch-fixture-npm@1.0.0');
    assert.equal(root.origin, 'root');
    assert.deepEqual([...(root.dependsOn ?? [])].sort(), [
      'pkg:npm/%40sindresorhus/is@4.6.0',
      'pkg:npm/debug@4.3.4',
      'pkg:npm/is-number@7.0.0',
      'pkg:npm/left-pad@1.3.0',
      'pkg:npm/string-width@4.2.3',
    ]);
  }
});

test('integrity sha512 becomes a hex SHA-512 hash', () => {
  const r = catalogFixture(npmPackageLockCataloger, 'npm-v3/package-lock.json');
  const ms = byPurl(r, 'pkg:npm/ms@2.1.2');
  const lock = JSON.parse(readFileSync(fixture('npm-v3/package-lock.json'), 'utf8')) as {
    packages: Record<string, { integrity: string }>;
  };
  const b64 = lock.packages['node_modules/ms']?.integrity.slice('sha512-'.length) ?? '';
  assert.deepEqual(ms.hashes, [{ alg: 'SHA-512', content: Buffer.from(b64, 'base64').toString('hex') }]);
});

test('package-lock workspaces: members are components, links resolve to them, nested versions win locally', () => {
  const r = catalogFixture(npmPackageLockCataloger, 'npm-workspaces/package-lock.json');
  assert.deepEqual(purls(r), [
    'pkg:npm/%40fx/a@0.1.0',
    'pkg:npm/%40fx/b@0.2.0',
    'pkg:npm/ms@2.0.0',
    'pkg:npm/ms@2.1.3',
    'pkg:npm/ws-root@1.0.0',
  ]);
  assert.equal(byPurl(r, 'pkg:npm/%40fx/a@0.1.0').origin, 'workspace');
  assert.equal(byPurl(r, 'pkg:npm/ws-root@1.0.0').origin, 'root');
  assert.equal(byPurl(r, 'pkg:npm/ms@2.1.3').origin, undefined);
  // b's own node_modules/ms@2.0.0 shadows the hoisted 2.1.3; its link to @fx/a resolves to the workspace.
  assert.deepEqual(byPurl(r, 'pkg:npm/%40fx/b@0.2.0').dependsOn, [
    'pkg:npm/%40fx/a@0.1.0',
    'pkg:npm/ms@2.0.0',
  ]);
  assert.deepEqual(byPurl(r, 'pkg:npm/%40fx/a@0.1.0').dependsOn, ['pkg:npm/ms@2.1.3']);
});

test('package-lock: an unknown lockfileVersion is UNSUPPORTED and names the file', () => {
  assert.throws(
    () =>
      catalogText(npmPackageLockCataloger, 'app/package-lock.json', '{"lockfileVersion": 7, "packages": {}}'),
    (e: unknown) =>
      e instanceof Error &&
      (e as { code?: string }).code === 'UNSUPPORTED' &&
      e.message === 'unsupported lockfileVersion 7 in app/package-lock.json',
  );
});

test('package-lock: a syntax error is INPUT_MALFORMED naming file and line', () => {
  assert.throws(
    () =>
      catalogText(
        npmPackageLockCataloger,
        'x/package-lock.json',
        '{\n  "lockfileVersion": 3,\n  "packages": {,}\n}',
      ),
    (e: unknown) =>
      (e as { code?: string }).code === 'INPUT_MALFORMED' && /x\/package-lock\.json:3:/.test(String(e)),
  );
});

test('package-lock that disagrees with package.json yields warnings, not an error', () => {
  const lock = { path: 'package-lock.json', bytes: readFileSync(fixture('npm-v3/package-lock.json')) };
  const manifest = {
    path: 'package.json',
    bytes: Buffer.from(
      JSON.stringify({
        dependencies: { debug: '4.3.4', lodash: '^4.17.21' },
        devDependencies: { 'is-number': '7.0.0' },
      }),
    ),
  };
  const w = comparePackageJson(lock, manifest);
  assert.ok(w.some((x) => x.includes('dependencies.lodash')));
  assert.ok(w.some((x) => x.includes('@sindresorhus/is') && x.includes('no longer declares')));
  assert.equal(
    comparePackageJson(lock, { path: 'package.json', bytes: readFileSync(fixture('npm-v3/package.json')) })
      .length,
    0,
  );
});

test('pnpm v6+ keys with peer suffixes resolve to the package without the suffix', () => {
  const yaml = [
    "lockfileVersion: '6.0'",
    'packages:',
    '  /react-dom@18.2.0(react@18.2.0):',
    '    resolution: {integrity: sha512-6IMTriUmvsjHUjNtEDudZfuDQUoWXVxKHhlEGSk81n4YFS+r/Kl99wXiwlVXtPBtJenozv2P+hxDsw9eA7Xo6g==}',
    '    dependencies:',
    '      react: 18.2.0',
    '  /react@18.2.0:',
    '    resolution: {integrity: sha512-/3IjMdb2L9QbBdWiW5e3P2/npwMBaU9mHCSCUzNln0ZCYbcfTsGbTJrU/kGemdH2IWmB2ioZ+zkxtmq6g09fGQ==}',
    '',
  ].join('\n');
  const r = catalogText(pnpmLockCataloger, 'pnpm-lock.yaml', yaml);
  assert.deepEqual(purls(r), ['pkg:npm/react-dom@18.2.0', 'pkg:npm/react@18.2.0']);
  assert.deepEqual(byPurl(r, 'pkg:npm/react-dom@18.2.0').dependsOn, ['pkg:npm/react@18.2.0']);
});

test('yarn classic: a line outside any entry is INPUT_MALFORMED with its line number', () => {
  assert.throws(
    () => catalogText(yarnLockCataloger, 'yarn.lock', '# yarn lockfile v1\n\n  version "1.0.0"\n'),
    (e: unknown) => (e as { code?: string }).code === 'INPUT_MALFORMED' && /yarn\.lock:3:/.test(String(e)),
  );
});

test('pnpm: an unknown lockfileVersion is UNSUPPORTED', () => {
  assert.throws(() => catalogText(pnpmLockCataloger, 'pnpm-lock.yaml', "lockfileVersion: '10.0'\n"), {
    code: 'UNSUPPORTED',
  });
});

test('installed node_modules package.json files become components with their declared license', () => {
  const r = catalogFixture(
    npmInstalledCataloger,
    'node-modules/node_modules/debug/package.json',
    'node_modules/debug/package.json',
  );
  assert.deepEqual(
    r.components.map((c) => [c.purl, c.license]),
    [['pkg:npm/debug@4.3.4', 'MIT']],
  );
  assert.equal(
    npmInstalledCataloger.matches('node_modules/@sindresorhus/is/package.json', undefined, 1),
    true,
  );
  assert.equal(npmInstalledCataloger.matches('src/package.json', undefined, 1), false);
  assert.equal(npmInstalledCataloger.matches('node_modules/debug/test/package.json', undefined, 1), false);
});
