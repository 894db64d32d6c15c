import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditCi, type CiAuditOptions } from '../../../src/audit/ci/index.js';
import { applyIgnoreComments } from '../../../src/audit/index.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'audit-ci');
const fence = (inner: string) => `${'$'}{{ ${inner} }}`;

/** "line:column rule severity/confidence" for each finding of one fixture, in reading order. */
async function audit(name: string, opts: CiAuditOptions = {}): Promise<string[]> {
  const content = await readFile(join(DIR, name));
  const r = auditCi([{ file: name, content }], opts);
  assert.deepEqual(r.problems, []);
  return [...applyIgnoreComments(r.findings, r.sources).kept]
    .sort((a, b) => a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : 1))
    .map((f) => `${f.line}:${f.column} ${f.rule} ${f.severity}/${f.confidence}`);
}

test('pull_request_target with fork code: trigger, injections in run: and script:, GITHUB_ENV, secrets, bot actor', async () => {
  assert.deepEqual(await audit('pr-target-comment.yml'), [
    '4:3 dangerous-triggers high/medium',
    '8:3 excessive-permissions high/high',
    // github.event.pull_request.title and github.head_ref in run:, at the context token
    '21:28 template-injection high/high',
    '22:38 template-injection high/high',
    // head.ref in run:, and the GITHUB_ENV write it feeds
    '27:9 github-env high/low',
    '27:31 template-injection high/high',
    // the body in actions/github-script's script: input
    '33:31 template-injection high/high',
    '36:20 overprovisioned-secrets medium/high',
    '39:9 bot-conditions high/high',
    '45:11 secrets-inherit medium/high',
  ]);
});

test('untrusted contexts in if:, in contains() or compared are not template injection', async () => {
  const found = await audit('pr-target-comment.yml');
  // line 12 (job if: github.head_ref), 24 (step if: contains(body)), 25 (contains() in run:)
  for (const line of [12, 24, 25]) assert.ok(!found.some((f) => f.startsWith(`${line}:`)), `line ${line}`);
  // a literal echo to GITHUB_ENV (line 29) is not a github-env finding
  assert.ok(!found.some((f) => f.startsWith('29:')));
  // cargo publish under write-all (line 20) has an OIDC token: not flagged
});

test('workflow_run.head_branch is untrusted in run: but not in if:', async () => {
  assert.deepEqual(await audit('workflow-run.yml'), [
    '3:3 dangerous-triggers high/medium',
    '14:31 template-injection high/high',
    '19:9 github-env high/low',
  ]);
});

test('unpinned actions and images, default permissions, insecure commands, unknown keys', async () => {
  assert.deepEqual(await audit('ci-unpinned.yml'), [
    '1:1 excessive-permissions medium/medium',
    '4:3 insecure-commands high/high',
    '6:3 excessive-permissions medium/medium',
    '8:5 unpinned-images high/high',
    '13:9 unpinned-images high/high',
    '15:15 unpinned-uses high/high',
    '18:15 unpinned-uses high/high',
    '22:15 unpinned-uses high/high',
    '28:3 excessive-permissions medium/medium',
    '30:5 unknown-key low/high',
  ]);
});

test('the auditor persona adds self-hosted runners; pedantic adds tag-pinned images', async () => {
  const auditor = await audit('ci-unpinned.yml', { persona: 'auditor' });
  assert.ok(auditor.includes('29:5 self-hosted-runner medium/high'));
  const pedantic = await audit('ci-unpinned.yml', { persona: 'pedantic' });
  assert.ok(pedantic.includes('11:9 unpinned-images high/high'));
  assert.ok(pedantic.includes('20:15 unpinned-images high/high'));
  assert.ok(!pedantic.some((f) => f.includes('self-hosted-runner')));
});

test('release workflows: cache poisoning, token publishing, static cloud keys, OIDC rules', async () => {
  assert.deepEqual(await audit('release-cloud.yml'), [
    '5:1 excessive-permissions high/high',
    '13:9 cache-poisoning high/low',
    '17:9 use-trusted-publishing info/high',
    '27:15 oidc-unpinned-federation high/high',
    '27:15 unpinned-uses high/high',
    '29:11 static-cloud-credentials medium/medium',
    '30:11 static-cloud-credentials medium/medium',
    '34:11 static-cloud-credentials medium/medium',
    '38:7 oidc-unneeded-id-token medium/low',
    // cargo publish in a job without id-token: write; --dry-run is not publishing
    '46:14 use-trusted-publishing info/high',
  ]);
});

test('artipacked: high when the workspace is uploaded after checkout, low confidence otherwise, lower for checkout v6', async () => {
  assert.deepEqual(await audit('artifacts.yml'), ['11:9 artipacked high/high', '29:9 artipacked low/low']);
});

test('composite actions: unpinned uses and inputs in run:', async () => {
  assert.deepEqual(await audit('composite/action.yml'), [
    '10:13 unpinned-uses high/high',
    '13:33 template-injection high/high',
  ]);
});

test('dependabot: missing or short cooldown, external code execution', async () => {
  assert.deepEqual(await audit('dependabot.yml'), [
    '3:5 dependabot-cooldown medium/high',
    '7:5 dependabot-execution high/high',
    '13:7 dependabot-cooldown medium/high',
  ]);
});

test('reusable workflows: a string input is injectable, a boolean one is not; workflow permissions are pedantic', async () => {
  assert.deepEqual(await audit('reusable.yml'), ['15:30 template-injection high/high']);
  const pedantic = await audit('reusable.yml', { persona: 'pedantic' });
  assert.ok(pedantic.includes('1:1 excessive-permissions medium/medium'));
  assert.ok(pedantic.includes('12:3 excessive-permissions medium/medium'));
  assert.ok(pedantic.includes('15:54 template-injection low/high'));
  assert.ok(!pedantic.some((f) => f.includes('concurrency-limits')));
});

test('the hardened release workflow has only low-confidence findings; the pull_request_target example is flagged', async () => {
  assert.deepEqual(await audit('seed-release.yaml'), [
    '18:9 artipacked medium/low',
    '40:50 template-injection info/low',
  ]);
  assert.deepEqual(await audit('seed-release.yaml', { minConfidence: 'medium' }), []);
  assert.deepEqual(await audit('seed-pull-request-target.yml'), ['4:3 dangerous-triggers high/medium']);
});

test('forbidden-uses reads allow and deny lists of uses patterns', async () => {
  const deny = await audit('ci-unpinned.yml', { forbiddenUses: { deny: ['codecov/*'] } });
  assert.ok(deny.includes('22:15 forbidden-uses high/high'));
  const allow = await audit('ci-unpinned.yml', { forbiddenUses: { allow: ['actions/*'] } });
  assert.deepEqual(
    allow.filter((f) => f.includes('forbidden-uses')),
    ['22:15 forbidden-uses high/high'],
  );
});

test('a # zizmor: ignore[rule] comment on the line silences that rule only', async () => {
  const content = await readFile(join(DIR, 'artifacts.yml'));
  const r = auditCi([{ file: 'artifacts.yml', content }]);
  const { kept, suppressed } = applyIgnoreComments(r.findings, r.sources);
  assert.equal(suppressed, 1);
  assert.ok(r.findings.some((f) => f.rule === 'unpinned-uses' && f.line === 29));
  assert.ok(kept.some((f) => f.rule === 'artipacked' && f.line === 29));
});

test('conditions and supply chain: unsound contains/condition, archived, typosquat, obfuscation, ad-hoc installs, unredacted secrets', async () => {
  assert.deepEqual(await audit('conditions-supply.yml'), [
    '15:5 unsound-contains high/high',
    '17:15 archived-uses medium/high',
    '18:15 typosquat-uses high/low',
    '19:9 obfuscation low/high',
    '22:20 obfuscation low/high',
    '27:9 unsound-condition high/high',
    '29:14 adhoc-packages low/high',
    '33:14 adhoc-packages low/high',
    '35:20 unredacted-secrets medium/high',
    '35:24 template-injection info/low',
  ]);
  // exact comparisons (24), a fence-less >- condition (31), contains() over a JSON list (37): quiet
  const found = await audit('conditions-supply.yml', { persona: 'auditor' });
  for (const line of [24, 31, 37]) assert.ok(!found.some((f) => f.startsWith(`${line}:`)), `line ${line}`);
});

test('self-hosted-runner (auditor): runner groups, self-hosted first, an expression first label (zizmor 1.32)', () => {
  const wf = [
    'on: push',
    'permissions: {}',
    'jobs:',
    '  a:',
    '    runs-on: { group: build-farm }',
    '    steps: [{ run: make }]',
    '  b:',
    '    runs-on: { labels: [self-hosted, gpu] }',
    '    steps: [{ run: make }]',
    '  c:',
    `    runs-on: ${fence('matrix.os')}`,
    '    steps: [{ run: make }]',
    '  d:',
    '    runs-on: [self-hosted, linux]',
    '    steps: [{ run: make }]',
    '  e:',
    `    runs-on: ["${fence('inputs.runner')}", linux]`,
    '    steps: [{ run: make }]',
    '',
  ].join('\n');
  const r = auditCi([{ file: 'r.yml', content: wf }], { persona: 'auditor' });
  const got = r.findings
    .filter((f) => f.rule === 'self-hosted-runner')
    .map((f) => `${f.line}:${f.column} ${f.confidence}`);
  assert.deepEqual(got, ['5:5 high', '14:5 high', '17:5 low']);
});

test('hardcoded-container-credentials: a literal registry password, not one read from secrets', async () => {
  // line 16: a literal password; line 27: text around a secret is still a literal; line 22: a secret
  assert.deepEqual(await audit('containers.yml'), [
    '16:7 hardcoded-container-credentials high/high',
    '27:9 hardcoded-container-credentials high/high',
  ]);
});

test('oidc-unneeded-id-token stays quiet for jobs whose actions use the token (Pages deploys, attestations)', () => {
  const wf = [
    'name: Site',
    'on: push',
    'permissions: {}',
    'jobs:',
    '  deploy:',
    '    name: Deploy',
    '    permissions:',
    '      pages: write # deploy',
    '      id-token: write # deploy-pages proves the run with OIDC',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: actions/deploy-pages@d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e # v4.0.5',
    '',
  ].join('\n');
  const r = auditCi([{ file: 'site.yml', content: wf }], { persona: 'auditor' });
  assert.deepEqual(
    r.findings.filter((f) => f.rule.startsWith('oidc')),
    [],
  );
});

test('dangerous-triggers points at each dangerous trigger, wherever it is listed (issue_comment too)', () => {
  const wf = [
    'name: Bot',
    'on:',
    '  push:',
    '  issue_comment:',
    '    types: [created]',
    '  pull_request_target:',
    'permissions: {}',
    'jobs:',
    '  a:',
    '    name: A',
    '    runs-on: ubuntu-latest',
    '    steps: [{ run: make }]',
    '',
  ].join('\n');
  const r = auditCi([{ file: 'bot.yml', content: wf }]);
  const got = r.findings
    .filter((f) => f.rule === 'dangerous-triggers')
    .map((f) => `${f.line}:${f.column}`)
    .sort();
  assert.deepEqual(got, ['4:3', '6:3']);
});
