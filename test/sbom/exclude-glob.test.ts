import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileExclude } from '../../src/sbom/exclude-glob.js';

// The globs of syft's documentation (`syft <src> --exclude './out/**/*.json' --exclude /etc`) and README.
const CASES: Array<[string, string, boolean]> = [
  ['./node_modules/**', 'node_modules/ms/package.json', true],
  ['./node_modules/**', 'app/node_modules/ms/package.json', false],
  ['**/node_modules/**', 'app/node_modules/ms/package.json', true],
  ['./out/**/*.json', 'out/a/b/c.json', true],
  ['./out/**/*.json', 'out/c.json', true],
  ['./out/**/*.json', 'out/c.jsonx', false],
  ['**/*.json', 'package.json', true],
  ['*.json', 'package.json', true],
  ['*.json', 'a/package.json', false],
  ['/etc/**', 'etc/os-release', true],
  ['./a?c', 'abc', true],
  ['./a?c', 'a/c', false],
  ['./[ab].txt', 'b.txt', true],
  ['./[!ab].txt', 'b.txt', false],
];

for (const [glob, path, want] of CASES) {
  test(`--exclude ${glob} ${want ? 'matches' : 'does not match'} ${path}`, () => {
    assert.equal(compileExclude(glob)(path), want);
  });
}

test('an unclosed character class is a usage error', () => {
  assert.throws(() => compileExclude('./[ab'), { code: 'USAGE' });
});
