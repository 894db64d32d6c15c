import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { pep440Scheme } from '../../../src/vuln/versions/index.js';
import { seeded, testAscending, testEqual } from './ordering-table.js';

// PEP 440 "Summary of permitted suffixes and relative ordering": the example list, in order.
const PEP_EXAMPLE = [
  '1.0.dev456',
  '1.0a1',
  '1.0a2.dev456',
  '1.0a12.dev456',
  '1.0a12',
  '1.0b1.dev456',
  '1.0b2',
  '1.0b2.post345.dev456',
  '1.0b2.post345',
  '1.0rc1.dev456',
  '1.0rc1',
  '1.0',
  '1.0+abc.5',
  '1.0+abc.7',
  '1.0+5',
  '1.0.post456.dev34',
  '1.0.post456',
  '1.0.15',
  '1.1.dev1',
];
testAscending(pep440Scheme, 'the PEP 440 example ordering holds', PEP_EXAMPLE);
testAscending(pep440Scheme, 'an epoch outranks any release', [
  '2013.10',
  '2014.04',
  '1!1.0',
  '1!1.1',
  '2!0.1',
]);
testEqual(pep440Scheme, 'normalised spellings are the same version', [
  '1.0a1',
  '1.0-alpha1',
  '1.0.a.1',
  '1.0A1',
  'v1.0a1',
]);
testEqual(pep440Scheme, 'trailing zeros in the release do not matter', ['1.0', '1.0.0', '1', '1.0.0.0']);
testEqual(pep440Scheme, 'implicit post releases and rev/r spellings normalise', [
  '1.0-1',
  '1.0.post1',
  '1.0-r1',
  '1.0rev1',
]);
testEqual(pep440Scheme, 'c, pre and preview mean rc', ['1.0rc1', '1.0c1', '1.0pre1', '1.0preview1']);

test('pep440: legacy versions that PEP 440 rejects are unparseable', () => {
  for (const raw of ['1.0-beta-foo', 'french toast', '1.0+', '1..0'])
    assert.equal(pep440Scheme.parse(raw).ok, false, raw);
});

function packagingAvailable(): void {
  const r = spawnSync('python3', ['-c', 'import packaging.version'], { encoding: 'utf8' });
  assert.equal(
    r.status,
    0,
    `python3 with the "packaging" module is needed for this cross-check: apt-get install python3-packaging (${r.stderr})`,
  );
}

function generated(): string[] {
  const rand = seeded(440);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const out = new Set<string>(PEP_EXAMPLE);
  while (out.size < 160) {
    let v = rand() < 0.1 ? `${pick(['1', '2'])}!` : '';
    v += Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(['0', '1', '2', '10'])).join('.');
    if (rand() < 0.35) v += `${pick(['a', 'b', 'rc', 'alpha', 'c'])}${pick(['', '0', '1', '2'])}`;
    if (rand() < 0.25) v += `.post${pick(['', '0', '1', '3'])}`;
    if (rand() < 0.25) v += `.dev${pick(['', '0', '2'])}`;
    if (rand() < 0.15) v += `+${pick(['abc', '5', 'abc.5', 'ubuntu.1', '1.a'])}`;
    out.add(v);
  }
  return [...out];
}

test('pep440: ordering agrees with python packaging.version on generated versions', () => {
  packagingAvailable();
  const versions = generated();
  const script = [
    'import json, sys',
    'from packaging.version import Version',
    'vs = [Version(v) for v in json.load(sys.stdin)]',
    'print(json.dumps([[(a > b) - (a < b) for b in vs] for a in vs]))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script], {
    input: JSON.stringify(versions),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, r.stderr);
  const expected = JSON.parse(r.stdout) as number[][];
  let pairs = 0;
  for (const [i, a] of versions.entries()) {
    for (const [j, b] of versions.entries()) {
      assert.equal(pep440Scheme.compare(a, b), expected[i]?.[j], `${a} vs ${b}`);
      pairs++;
    }
  }
  assert.ok(pairs > 25_000);
  for (const outcome of [-1, 0, 1])
    assert.ok(expected.flat().filter((x) => x === outcome).length >= 100, `outcome ${outcome}`);
});
