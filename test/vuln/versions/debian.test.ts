import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { debianScheme } from '../../../src/vuln/versions/index.js';
import { seeded, testAscending, testEqual } from './ordering-table.js';

// Debian Policy §5.6.12 and real bookworm security updates.
testAscending(debianScheme, 'tilde sorts before everything, even the end of the version', [
  '1.0~~',
  '1.0~~a',
  '1.0~',
  '1.0~rc1',
  '1.0',
  '1.0a',
  '1.0+dfsg',
  '1.0.1',
]);
testAscending(debianScheme, 'bookworm security updates sort after the release they patch', [
  '3.0.9-1',
  '3.0.11-1~deb12u1',
  '3.0.11-1~deb12u2',
  '3.0.11-1',
  '3.0.15-1~deb12u1',
]);
testAscending(debianScheme, 'the epoch outranks everything else', ['9.9-9', '1:0.1-1', '1:0.2', '2:0.0.1']);
testEqual(debianScheme, 'a zero epoch and an empty revision are the defaults', ['1.0', '0:1.0', '1.0-0']);

test('debian: versions dpkg refuses are unparseable', () => {
  for (const raw of ['a1.0', '1.0-', 'x:1.0', '1.0-1_2'])
    assert.equal(debianScheme.parse(raw).ok, false, raw);
});

function dpkgAvailable(): void {
  const r = spawnSync('dpkg', ['--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, 'dpkg is needed for this cross-check: apt-get install dpkg');
}

function generatePairs(n: number): Array<[string, string]> {
  const rand = seeded(1234);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const epoch = ['', '', '', '1:', '2:'];
  const upstream = [
    '1.0',
    '1.0~rc1',
    '1.0+dfsg',
    '1.0a',
    '1.0.1',
    '2.36',
    '2.36~',
    '0.9',
    '10',
    '1.2.3~beta2',
    '1.10',
    '1.9',
    '1a',
    '1.0~~',
  ];
  const revision = ['', '-1', '-1+deb12u1', '-1~deb12u1', '-1ubuntu0.1', '-2~bpo11+1', '-0.1', '-10', '-9'];
  const version = (): string => `${pick(epoch)}${pick(upstream)}${pick(revision)}`;
  const out: Array<[string, string]> = [];
  for (let i = 0; i < n; i++) out.push([version(), rand() < 0.1 ? '' : version()]);
  return out.map(([a, b]) => [a, b === '' ? a : b]);
}

test('debian: ordering agrees with dpkg --compare-versions on 200 generated pairs', () => {
  dpkgAvailable();
  const pairs = generatePairs(200);
  // One shell, one line per pair: the generated strings use only [0-9a-z.+~:-], safe unquoted in ''.
  const script = pairs
    .map(
      ([a, b]) =>
        `if dpkg --compare-versions '${a}' lt '${b}'; then echo -1; elif dpkg --compare-versions '${a}' eq '${b}'; then echo 0; else echo 1; fi`,
    )
    .join('\n');
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', maxBuffer: 1 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const expected = r.stdout.trim().split('\n').map(Number);
  assert.equal(expected.length, pairs.length);
  // The generated pairs exercise all three outcomes, so agreement is not agreement on one answer.
  for (const outcome of [-1, 0, 1])
    assert.ok(expected.filter((x) => x === outcome).length >= 10, `outcome ${outcome}`);
  for (const [i, [a, b]] of pairs.entries())
    assert.equal(debianScheme.compare(a, b), expected[i], `${a} vs ${b}`);
});
