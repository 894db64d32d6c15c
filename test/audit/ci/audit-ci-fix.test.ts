import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { runCli } from '../../support/cli.js';
import { runPeer } from '../../support/peers.js';

const FIX = join(import.meta.dirname, '..', '..', 'fixtures', 'audit-ci', 'fix');
const CHECKOUT = '11bd71901bbe5b1630ceea73d27597364c9af683';
const SETUP_NODE = '39370e3970a6d050c480ffad4ff0ed4d3fdee5af';

async function workdir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-ci-fix-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await copyFile(join(FIX, 'before.yml'), join(dir, 'triage.yml'));
  return dir;
}

test('--fix --write pins, sets persist-credentials, narrows permissions and moves expressions to env (golden)', async (t) => {
  const dir = await workdir(t);
  const r = await runCli(
    ['audit', 'ci', '--fix', '--write', '--pins', join(FIX, 'pins.json'), 'triage.yml'],
    { cwd: dir },
  );
  const after = await readFile(join(dir, 'triage.yml'), 'utf8');
  if (process.env['VOUCH_UPDATE_GOLDEN'] === '1') await writeFile(join(FIX, 'after.yml'), after);
  assert.equal(after, await readFile(join(FIX, 'after.yml'), 'utf8'));
  // What could not be fixed is said, and makes the run fail: a pin is never invented.
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /not fixed: triage\.yml:\d+: octo-org\/unknown-action@v1 not pinned: could not resolve/,
  );
  assert.match(
    r.stderr,
    /not fixed: triage\.yml:\d+: actions\/cache@main not pinned: "main" is not a version tag/,
  );
  assert.match(r.stderr, /no permissions: added to job docs/);
});

test('fixing twice is fixing once', async (t) => {
  const dir = await workdir(t);
  const args = ['audit', 'ci', '--fix', '--write', '--pins', join(FIX, 'pins.json'), 'triage.yml'];
  await runCli(args, { cwd: dir });
  const once = await readFile(join(dir, 'triage.yml'), 'utf8');
  await runCli(args, { cwd: dir });
  assert.equal(await readFile(join(dir, 'triage.yml'), 'utf8'), once);
});

test('--fix without --write prints a unified diff and leaves the file alone', async (t) => {
  const dir = await workdir(t);
  const before = await readFile(join(dir, 'triage.yml'), 'utf8');
  const r = await runCli(['audit', 'ci', '--fix', '--pins', join(FIX, 'pins.json'), 'triage.yml'], {
    cwd: dir,
  });
  assert.equal(await readFile(join(dir, 'triage.yml'), 'utf8'), before);
  assert.match(r.stdout, /^--- a\/triage\.yml\n\+\+\+ b\/triage\.yml\n@@ /);
  assert.match(r.stdout, /^- {6}- uses: actions\/checkout@v4 # the usual checkout$/m);
  assert.match(
    r.stdout,
    new RegExp(`^\\+ {6}- uses: actions/checkout@${CHECKOUT} # v4\\.2\\.2 the usual checkout$`, 'm'),
  );
  assert.match(r.stdout, /^\+ {10}GITHUB_EVENT_ISSUE_TITLE: \$\{\{ github\.event\.issue\.title \}\}$/m);
});

/** A loopback server speaking the two GitHub REST endpoints the pinner uses. */
async function githubApi(t: { after(fn: () => Promise<void>): void }) {
  const seen: { url: string; auth: string | undefined }[] = [];
  const repos: Record<string, { refs: Record<string, string>; tags: { name: string; sha: string }[] }> = {
    'actions/checkout': {
      refs: { v4: CHECKOUT },
      tags: [
        { name: 'v4.2.1', sha: 'eef61447b9ff4aafe5dcd4e0bbf5d482be7e7871' },
        { name: 'v4', sha: CHECKOUT },
        { name: 'v4.2.2', sha: CHECKOUT },
      ],
    },
    'actions/setup-node': { refs: { 'v4.1.0': SETUP_NODE }, tags: [{ name: 'v4.1.0', sha: SETUP_NODE }] },
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ url: `${url.pathname}${url.search}`, auth: req.headers.authorization });
    const m = /^\/repos\/([^/]+\/[^/]+)\/(commits\/(.+)|tags)$/.exec(url.pathname);
    const repo = m ? repos[decodeURIComponent(m[1] ?? '')] : undefined;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!m || !repo) return send(404, { message: 'Not Found' });
    if (m[3] !== undefined) {
      const sha = repo.refs[decodeURIComponent(m[3])];
      return sha ? send(200, { sha }) : send(422, { message: 'No commit found' });
    }
    const page = Number(url.searchParams.get('page') ?? '1');
    return send(200, page === 1 ? repo.tags.map((x) => ({ name: x.name, commit: { sha: x.sha } })) : []);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen };
}

test('pins resolve through the GitHub REST API: the commit of the ref, named by its longest tag', async (t) => {
  const dir = await workdir(t);
  const api = await githubApi(t);
  const r = await runCli(['audit', 'ci', '--fix', '--write', '--github-api', api.url, 'triage.yml'], {
    cwd: dir,
    env: { GITHUB_TOKEN: 'test-token' },
  });
  const after = await readFile(join(dir, 'triage.yml'), 'utf8');
  assert.equal(after, await readFile(join(FIX, 'after.yml'), 'utf8'));
  assert.ok(api.seen.some((s) => s.url === '/repos/actions/checkout/commits/v4'));
  assert.ok(api.seen.every((s) => s.auth === 'Bearer test-token'));
  assert.match(r.stderr, /octo-org\/unknown-action@v1 not pinned: could not resolve/);
  assert.doesNotMatch(r.stdout + r.stderr, /test-token/);
});

test('an unreachable GitHub API is an environment error (exit 3) and nothing is written', async (t) => {
  const dir = await workdir(t);
  const before = await readFile(join(dir, 'triage.yml'), 'utf8');
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const r = await runCli(
    ['audit', 'ci', '--fix', '--write', '--github-api', `http://127.0.0.1:${port}`, 'triage.yml'],
    {
      cwd: dir,
    },
  );
  assert.equal(r.code, 3);
  assert.equal(await readFile(join(dir, 'triage.yml'), 'utf8'), before);
});

test('a malformed pins file is refused before anything is changed', async (t) => {
  const dir = await workdir(t);
  await writeFile(join(dir, 'pins.json'), '{"actions/checkout@v4": {"sha": "not-a-sha"}}');
  const r = await runCli(['audit', 'ci', '--fix', '--write', '--pins', 'pins.json', 'triage.yml'], {
    cwd: dir,
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /pins\.json: bad entries actions\/checkout@v4/);
  assert.equal(
    await readFile(join(dir, 'triage.yml'), 'utf8'),
    await readFile(join(FIX, 'before.yml'), 'utf8'),
  );
});

test('the fixed workflow is still a valid workflow for actionlint (syntax, expressions, types)', async () => {
  const r = await runPeer('actionlint', ['-shellcheck=', '-pyflakes=', '-no-color', join(FIX, 'after.yml')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

const git = promisify(execFile);

test('pins resolve in local clones (--action-repos): annotated and light tags, the longest tag names the commit', async (t) => {
  const dir = await workdir(t);
  const repos = join(dir, 'mirrors');
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.com',
  };
  const made: Record<string, string> = {};
  for (const [repo, tags] of [
    ['actions/checkout', ['v4', 'v4.2.2']],
    ['actions/setup-node', ['v4.1.0']],
  ] as const) {
    const path = join(repos, repo);
    await mkdir(path, { recursive: true });
    await git('git', ['-C', path, 'init', '-q'], { env });
    await git('git', ['-C', path, 'commit', '-q', '--allow-empty', '-m', 'release'], { env });
    for (const tag of tags) await git('git', ['-C', path, 'tag', '-a', '-m', tag, tag], { env });
    made[repo] = (await git('git', ['-C', path, 'rev-parse', 'HEAD'], { env })).stdout.trim();
  }
  const r = await runCli(['audit', 'ci', '--fix', '--write', '--action-repos', 'mirrors', 'triage.yml'], {
    cwd: dir,
  });
  const after = await readFile(join(dir, 'triage.yml'), 'utf8');
  assert.match(
    after,
    new RegExp(`- uses: actions/checkout@${made['actions/checkout']} # v4\\.2\\.2 the usual checkout\\n`),
  );
  assert.match(after, new RegExp(`- uses: actions/setup-node@${made['actions/setup-node']} # v4\\.1\\.0\\n`));
  assert.match(after, /- uses: octo-org\/unknown-action@v1\n/);
  assert.match(r.stderr, /octo-org\/unknown-action@v1 not pinned: could not resolve/);
});

test('when every job can be given its own permissions, the workflow gets permissions: {}', async () => {
  const before = [
    'name: CI',
    'on: push',
    '',
    'jobs:',
    '  test:',
    '    name: Test',
    '    runs-on: ubuntu-latest',
    '    steps:',
    `      - uses: actions/checkout@${CHECKOUT} # v4.2.2`,
    '        with:',
    '          persist-credentials: false',
    '      - run: make test',
    '  provenance:',
    '    name: Provenance',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: actions/attest-build-provenance@c074443f1aee8d4aeeae555aebba3282517141b2 # v2.2.3',
    '        with:',
    '          subject-path: dist/*',
    '',
  ].join('\n');
  const r = await runCli(['audit', 'ci', '--fix', '-'], { stdin: before });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\+permissions: \{\}$/m);
  assert.match(r.stdout, /^\+ {4}permissions:\n\+ {6}contents: read\n {5}name: Test$/m);
  assert.match(
    r.stdout,
    /^\+ {4}permissions:\n\+ {6}attestations: write\n\+ {6}id-token: write\n {5}name: Provenance$/m,
  );
});
