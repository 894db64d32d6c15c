import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import {
  applyIgnoreComments,
  type AuditReport,
  failsAt,
  type Finding,
  parseSeverity,
  parseYamlSource,
  renderJson,
  renderSarif,
  renderTable,
  selectRules,
} from '../../src/audit/index.js';
import {
  addAuditOutputOptions,
  type AuditOutputFlags,
  finishAudit,
  writeAuditReport,
} from '../../src/cli/audit-output.js';
import type { CommandContext } from '../../src/cli/context.js';
import { StringSink } from '../../src/cli/io.js';
import { VouchError } from '../../src/errors.js';
import { sarifValidator } from '../support/sarif.js';

const RULES = [
  { id: 'unpinned-uses', severity: 'high', summary: 'action not pinned to a commit' },
  { id: 'excessive-permissions', severity: 'medium', summary: 'permissions broader than needed' },
] as const;

function finding(over: Partial<Finding> = {}): Finding {
  return {
    rule: 'unpinned-uses',
    severity: 'high',
    file: '.github/workflows/ci.yml',
    line: 3,
    column: 15,
    message: 'actions/checkout@v4 is not pinned to a commit',
    ...over,
  };
}

const WORKFLOW = [
  'jobs:',
  '  build:',
  '    steps: [{uses: actions/checkout@v4}]',
  '    runs-on: ubuntu-latest # zizmor: ignore[excessive-permissions]',
  '',
].join('\n');

test('severities are read case-insensitively, with zizmor\'s "informational" spelling', () => {
  assert.equal(parseSeverity('High'), 'high');
  assert.equal(parseSeverity('CRITICAL'), 'critical');
  assert.equal(parseSeverity('informational'), 'info');
  assert.equal(parseSeverity('warning'), undefined);
});

test('--fail-on fails at the threshold and above, never below', () => {
  const fs = [finding({ severity: 'medium' })];
  assert.equal(failsAt(fs, 'medium'), true);
  assert.equal(failsAt(fs, 'low'), true);
  assert.equal(failsAt(fs, 'high'), false);
  assert.equal(failsAt([], 'info'), false);
});

test('an ignore comment in zizmor or vouch syntax silences only the rules it names, on the lines it spans', () => {
  const src = new Map([[finding().file, WORKFLOW]]);
  const onLine4 = finding({ rule: 'excessive-permissions', line: 4, column: 5 });
  const otherRuleOnLine4 = finding({ rule: 'unpinned-uses', line: 4, column: 5 });
  const spanning = finding({ rule: 'excessive-permissions', line: 2, column: 3, endLine: 4, endColumn: 1 });
  const elsewhere = finding({ rule: 'excessive-permissions', line: 3 });
  const r = applyIgnoreComments([onLine4, otherRuleOnLine4, spanning, elsewhere], src);
  assert.deepEqual(r.kept, [otherRuleOnLine4, elsewhere]);
  assert.equal(r.suppressed, 2);
  const vouchSyntax = applyIgnoreComments(
    [finding({ line: 1 })],
    new Map([[finding().file, 'x: 1 # vouch: ignore[unpinned-uses, other]\n']]),
  );
  assert.equal(vouchSyntax.suppressed, 1);
});

test('an unknown rule in --only or --skip is a usage error with the nearest rule id, never an empty run', () => {
  assert.throws(
    () => selectRules(RULES, { only: ['unpined-uses'] }),
    (e: unknown) => e instanceof VouchError && e.code === 'USAGE' && /unpinned-uses/.test(e.hint ?? ''),
  );
  const only = selectRules(RULES, { only: ['unpinned-uses'] });
  assert.equal(only('unpinned-uses'), true);
  assert.equal(only('excessive-permissions'), false);
  const skip = selectRules(RULES, { skip: ['unpinned-uses'] });
  assert.equal(skip('unpinned-uses'), false);
  assert.equal(skip('excessive-permissions'), true);
});

test('YAML positions point at the offending token: value by default, the key on request', () => {
  const parsed = parseYamlSource(WORKFLOW, 'ci.yml');
  assert.ok(parsed.ok);
  const doc = parsed.documents[0];
  assert.ok(doc);
  const uses = doc.locate(['jobs', 'build', 'steps', 0, 'uses']);
  assert.deepEqual([uses.start.line, uses.start.column], [3, 20]);
  const runsOnKey = doc.locate(['jobs', 'build', 'runs-on'], { key: true });
  assert.deepEqual([runsOnKey.start.line, runsOnKey.start.column], [4, 5]);
  // A path that does not exist falls back to the key of its nearest ancestor that does.
  const missing = doc.locate(['jobs', 'build', 'permissions']);
  assert.equal(missing.start.line, 2);
});

test('broken YAML is a value with its position; alias bombs and oversize files are errors', () => {
  const broken = parseYamlSource('jobs:\n  a: [1, 2\n', 'bad.yml');
  assert.equal(broken.ok, false);
  if (!broken.ok) assert.ok(broken.error.line >= 2, JSON.stringify(broken.error));
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 0; i < 8; i++)
    bomb.push(
      `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
        .fill(`*${String.fromCharCode(97 + i)}`)
        .join(', ')}]`,
    );
  assert.throws(
    () => parseYamlSource(bomb.join('\n'), 'bomb.yml'),
    (e: unknown) => e instanceof VouchError && e.code === 'INPUT_TOO_LARGE',
  );
  assert.throws(
    () => parseYamlSource('a: 1\n'.repeat(10), 'big.yml', { yamlMaxBytes: 20 }),
    (e: unknown) => e instanceof VouchError && e.code === 'INPUT_TOO_LARGE',
  );
});

function report(findings: Finding[]): AuditReport {
  return { tool: 'vouch audit ci', rules: RULES, findings, suppressed: 1, problems: [], inputs: 2 };
}

test('JSON output has the shared shape: findings with rule, severity, file, line, column, message', () => {
  const doc = JSON.parse(renderJson(report([finding()]))) as {
    findings: Array<Record<string, unknown>>;
    summary: { findings: number; suppressed: number; bySeverity: Record<string, number> };
  };
  assert.deepEqual(Object.keys(doc.findings[0] ?? {}).slice(0, 6), [
    'rule',
    'severity',
    'file',
    'line',
    'column',
    'message',
  ]);
  assert.equal(doc.summary.findings, 1);
  assert.equal(doc.summary.suppressed, 1);
  assert.equal(doc.summary.bySeverity['high'], 1);
});

test('SARIF output validates against the OASIS 2.1.0 schema and keeps positions and objects', async () => {
  const validate = await sarifValidator();
  const withObject = finding({
    rule: 'excessive-permissions',
    severity: 'medium',
    file: 'deploy/my app.yaml',
    object: { kind: 'Deployment', namespace: 'prod', name: 'api' },
    fix: { description: 'set permissions: {}' },
  });
  const sarif = JSON.parse(
    renderSarif({
      ...report([finding(), withObject]),
      problems: [{ file: 'x.yml', line: 2, column: 1, code: 'INPUT_MALFORMED', message: 'bad' }],
    }),
  ) as {
    runs: Array<{
      tool: { driver: { rules: Array<{ id: string; properties: Record<string, string> }> } };
      results: Array<{
        ruleId: string;
        level: string;
        locations: Array<{
          physicalLocation: { artifactLocation: { uri: string }; region: Record<string, number> };
        }>;
      }>;
      invocations: Array<{ executionSuccessful: boolean }>;
    }>;
  };
  validate(sarif);
  const run = sarif.runs[0];
  assert.ok(run);
  assert.deepEqual(
    run.tool.driver.rules.map((r) => r.id),
    ['unpinned-uses', 'excessive-permissions'],
  );
  assert.equal(run.tool.driver.rules[0]?.properties['security-severity'], '8.0');
  assert.equal(run.results[0]?.level, 'error');
  assert.deepEqual(run.results[0]?.locations[0]?.physicalLocation.region, { startLine: 3, startColumn: 15 });
  assert.equal(run.results[1]?.locations[0]?.physicalLocation.artifactLocation.uri, 'deploy/my%20app.yaml');
  assert.equal(run.invocations[0]?.executionSuccessful, false);
});

test('the table names each finding by file:line:column, then a summary line', () => {
  const text = renderTable(report([finding()]));
  assert.match(
    text,
    /^\.github\/workflows\/ci\.yml:3:15: high unpinned-uses\n {2}actions\/checkout@v4 is not pinned/,
  );
  assert.match(text, /vouch audit ci: 2 inputs, 1 finding \(1 high\); 1 suppressed\n$/);
  assert.match(renderTable(report([])), /no findings/);
});

test('the shared flags: any finding fails by default, --fail-on raises the bar, problems exit 2, --output-file is atomic', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-audit-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  async function runWith(argv: string[], findings: Finding[], problems = false) {
    let code = 0;
    const stdout = new StringSink();
    const ctx: CommandContext = {
      io: { argv, env: {}, cwd: dir, stdin: process.stdin, stdout, stderr: new StringSink(), isTTY: false },
      setExitCode: (c) => {
        code = Math.max(code, c);
      },
    };
    const cmd = addAuditOutputOptions(new Command('x').exitOverride());
    let flags: AuditOutputFlags | undefined;
    cmd.action((opts: AuditOutputFlags) => {
      flags = opts;
    });
    await cmd.parseAsync(argv, { from: 'user' });
    assert.ok(flags);
    const rep = finishAudit(
      {
        tool: 'vouch audit ci',
        rules: RULES,
        findings,
        problems: problems
          ? [{ file: 'a.yml', line: 1, column: 1, code: 'INPUT_MALFORMED', message: 'bad' }]
          : [],
        inputs: 1,
        sources: new Map(),
      },
      flags,
    );
    await writeAuditReport(ctx, rep, flags);
    return { code, stdout: stdout.text() };
  }
  const medium = [finding({ severity: 'medium', rule: 'excessive-permissions' })];
  assert.equal((await runWith([], medium)).code, 1);
  assert.equal((await runWith(['--fail-on', 'HIGH'], medium)).code, 0);
  assert.equal((await runWith(['--fail-on', 'none'], [finding()])).code, 0);
  assert.equal((await runWith(['--fail-on', 'none'], [], true)).code, 2);
  assert.equal((await runWith(['--skip', 'excessive-permissions'], medium)).code, 0);
  const written = await runWith(['-o', 'json', '--output-file', 'r.json', '--fail-on', 'none'], medium);
  assert.equal(written.stdout, '');
  const doc = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as { findings: unknown[] };
  assert.equal(doc.findings.length, 1);
  await assert.rejects(runWith(['--fail-on', 'severe'], medium), /not a severity/);
});
