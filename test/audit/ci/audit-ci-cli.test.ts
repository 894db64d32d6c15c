import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../support/cli.js';
import { sarifValidator } from '../../support/sarif.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'audit-ci');

/** A repository layout made from the fixtures: workflows, a composite action, dependabot.yml. */
async function repo(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'vouch-ci-repo-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, '.github', 'workflows'), { recursive: true });
  await mkdir(join(root, 'tools', 'build'), { recursive: true });
  await mkdir(join(root, 'node_modules', 'x'), { recursive: true });
  await cp(join(DIR, 'pr-target-comment.yml'), join(root, '.github', 'workflows', 'preview.yml'));
  await cp(join(DIR, 'seed-release.yaml'), join(root, '.github', 'workflows', 'release.yaml'));
  await cp(join(DIR, 'dependabot.yml'), join(root, '.github', 'dependabot.yml'));
  await cp(join(DIR, 'composite', 'action.yml'), join(root, 'tools', 'build', 'action.yml'));
  await cp(join(DIR, 'composite', 'action.yml'), join(root, 'node_modules', 'x', 'action.yml'));
  await cp(join(DIR, 'ci-unpinned.yml'), join(root, 'not-a-workflow.yml'));
  return root;
}

test('a repository is audited: its workflows, composite actions and dependabot.yml, not node_modules', async (t) => {
  const root = await repo(t);
  const r = await runCli(['audit', 'ci', '-o', 'json', '.'], { cwd: root });
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout) as { findings: { file: string }[]; summary: { inputs: number } };
  assert.equal(doc.summary.inputs, 4);
  assert.deepEqual([...new Set(doc.findings.map((f) => f.file))].sort(), [
    '.github/dependabot.yml',
    '.github/workflows/preview.yml',
    '.github/workflows/release.yaml',
    'tools/build/action.yml',
  ]);
});

test('-o sarif validates against the OASIS SARIF 2.1.0 schema and locates every result', async (t) => {
  const root = await repo(t);
  const r = await runCli(['audit', 'ci', '-o', 'sarif', '.'], { cwd: root });
  const log = JSON.parse(r.stdout) as {
    runs: {
      results: { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[];
    }[];
  };
  (await sarifValidator())(log);
  const results = log.runs[0]?.results ?? [];
  assert.ok(results.length > 5);
  for (const res of results) assert.ok((res.locations[0]?.physicalLocation.region.startLine ?? 0) >= 1);
  assert.ok(results.some((x) => x.ruleId === 'template-injection'));
});

test('- reads a workflow from standard input', async () => {
  const wf = await readFile(join(DIR, 'workflow-run.yml'), 'utf8');
  const r = await runCli(['audit', 'ci', '-'], { stdin: wf });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^-:14:31: high template-injection$/m);
  assert.match(r.stdout, /github\.event\.workflow_run\.head_branch may expand/);
});

test('--only and --skip select rules; --fail-on sets the exit threshold', async () => {
  const file = join(DIR, 'workflow-run.yml');
  const only = await runCli(['audit', 'ci', '-o', 'json', '--only', 'github-env', file]);
  const ids = (JSON.parse(only.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule);
  assert.deepEqual(ids, ['github-env']);
  const skip = await runCli(['audit', 'ci', '-o', 'json', '--skip', 'github-env,template-injection', file]);
  const skipped = (JSON.parse(skip.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule);
  assert.deepEqual(skipped, ['dangerous-triggers']);
  const none = await runCli(['audit', 'ci', '--fail-on', 'none', file]);
  assert.equal(none.code, 0);
  const typo = await runCli(['audit', 'ci', '--only', 'template-injections', file]);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /did you mean "template-injection"/);
});

test('--list-rules lists zizmor ids and vouch ids with severities', async () => {
  const r = await runCli(['audit', 'ci', '--list-rules']);
  assert.equal(r.code, 0);
  for (const id of [
    'unpinned-uses',
    'template-injection',
    'oidc-unneeded-id-token',
    'static-cloud-credentials',
  ])
    assert.match(r.stdout, new RegExp(`^${id}\\s`, 'm'));
});

test('--persona auditor and --pedantic widen what is shown; --min-confidence narrows it', async () => {
  const file = join(DIR, 'seed-release.yaml');
  const regular = await runCli(['audit', 'ci', '-o', 'json', file]);
  const pedantic = await runCli(['audit', 'ci', '-o', 'json', '--pedantic', file]);
  const count = (s: string) => (JSON.parse(s) as { findings: unknown[] }).findings.length;
  assert.equal(count(regular.stdout), 2);
  assert.ok(count(pedantic.stdout) > 2);
  const confident = await runCli(['audit', 'ci', '--min-confidence', 'medium', file]);
  assert.equal(confident.code, 0);
  assert.match(confident.stdout, /no findings/);
});

test('--write without --fix is a usage error; --deny-uses takes comma-separated patterns', async () => {
  const file = join(DIR, 'ci-unpinned.yml');
  const w = await runCli(['audit', 'ci', '--write', file]);
  assert.equal(w.code, 2);
  assert.match(w.stderr, /need --fix/);
  const d = await runCli([
    'audit',
    'ci',
    '-o',
    'json',
    '--only',
    'forbidden-uses',
    '--deny-uses',
    'codecov/*,actions/setup-node',
    file,
  ]);
  const lines = (JSON.parse(d.stdout) as { findings: { line: number }[] }).findings.map((f) => f.line);
  assert.deepEqual(lines, [18, 22]);
});
