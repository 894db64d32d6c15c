import assert from 'node:assert/strict';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditCi } from '../../../src/audit/ci/index.js';
import { runCli } from '../../support/cli.js';

const GOOD = `name: ok
on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
`;

test('invalid YAML is a problem with its position; the other files are still audited', () => {
  const r = auditCi([
    { file: 'broken.yml', content: 'on: push\njobs:\n  a:\n    steps: [\n' },
    { file: 'good.yml', content: GOOD },
  ]);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]?.file, 'broken.yml');
  assert.equal(r.problems[0]?.code, 'INPUT_MALFORMED');
  assert.ok((r.problems[0]?.line ?? 0) >= 4);
  assert.ok(r.findings.some((f) => f.file === 'good.yml' && f.rule === 'unpinned-uses'));
});

test('a YAML alias bomb is refused as too large, not expanded', () => {
  const bomb = [
    'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
    ...Array.from(
      { length: 8 },
      (_, i) =>
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
    ),
    'on: push',
    'jobs: {}',
  ].join('\n');
  const r = auditCi([{ file: 'bomb.yml', content: bomb }]);
  assert.equal(r.problems[0]?.code, 'INPUT_TOO_LARGE');
  assert.equal(r.findings.length, 0);
});

test('a 10 MB workflow is refused by size before parsing', () => {
  const big = `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n${'      - run: echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n'.repeat(150_000)}`;
  assert.ok(big.length > 10_000_000);
  const r = auditCi([{ file: 'big.yml', content: big }]);
  assert.equal(r.problems[0]?.code, 'INPUT_TOO_LARGE');
});

test('an expression nested 10,000 deep is an expression-syntax finding at its position', () => {
  const deep = `${'('.repeat(10_000)}github.head_ref${')'.repeat(10_000)}`;
  const wf = `on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo \${{ ${deep} }}\n`;
  const r = auditCi([{ file: 'deep.yml', content: wf }]);
  const f = r.findings.find((x) => x.rule === 'expression-syntax');
  assert.ok(f);
  assert.equal(f.line, 7);
  assert.match(f.message, /nested deeper than/);
});

test('unknown keys are reported and the rest of the file is still audited', () => {
  const wf =
    'on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    stesp: []\n    steps:\n      - uses: actions/checkout@v4\n        wiht: {}\n';
  const r = auditCi([{ file: 'typo.yml', content: wf }]);
  const unknown = r.findings.filter((f) => f.rule === 'unknown-key').map((f) => `${f.line}:${f.column}`);
  assert.deepEqual(unknown, ['6:5', '9:9']);
  assert.ok(r.findings.some((f) => f.rule === 'unpinned-uses'));
});

test('a YAML file that is not a CI file is a problem, never a silent pass', () => {
  const r = auditCi([{ file: 'values.yml', content: 'replicas: 3\n' }]);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]?.message ?? '', /not a GitHub Actions workflow/);
});

test('vouch audit ci exits 2 for a broken file and still reports the good one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-ci-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'broken.yml'), 'on: [push\n');
  await writeFile(join(dir, 'good.yml'), GOOD);
  const r = await runCli(['audit', 'ci', '-o', 'json', dir], { cwd: dir });
  assert.equal(r.code, 2);
  const doc = JSON.parse(r.stdout) as {
    findings: { file: string }[];
    problems: { file: string; line: number }[];
  };
  assert.deepEqual(
    doc.problems.map((p) => p.file),
    ['broken.yml'],
  );
  assert.ok(doc.findings.some((f) => f.file === 'good.yml'));
  assert.match(r.stderr, /broken\.yml:\d+:\d+: not audited/);
});

test('a path that does not exist is a usage error (exit 2) and nothing is written', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-ci-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const r = await runCli(['audit', 'ci', '--output-file', 'out.json', 'nope.yml'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nope\.yml: no such file/);
  await assert.rejects(access(join(dir, 'out.json')), { code: 'ENOENT' });
});

test('a directory without any CI file is a usage error, never an empty clean report', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-ci-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'README.md'), '# nothing here\n');
  const r = await runCli(['audit', 'ci', '.'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no workflows, action\.yml or dependabot\.yml found/);
  assert.equal(r.stdout, '');
});
