import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { answeredCue, CueAnswers, cueSubset, settle } from '../../src/policy/index.js';
import { CuelangRunner, cueSetup } from '../../src/evidence/index.js';
import type { CueCompiled, CueResult } from '../../src/policy/index.js';

const runner = new CuelangRunner();
after(() => runner.close());

/** Compiles and checks with real CUE, settling each step the way the CLI and the webhook do. */
async function real(policy: string, input?: unknown): Promise<{ compiled: CueCompiled; result?: CueResult }> {
  const book = new CueAnswers();
  const engine = answeredCue(book, 'real');
  const answer = () => runner.answer(book);
  const compiled = await settle(() => engine.compile(policy), answer);
  if (!compiled.ok || input === undefined) return { compiled };
  const result = await settle(() => compiled.check(input, new Date()), answer);
  return { compiled, result };
}

test('real CUE passes a statement that satisfies the policy and fails one that does not, with its own message', async () => {
  const p = 'predicate: components: [_, ...]';
  const pass = await real(p, { predicate: { components: [{ name: 'a' }] } });
  assert.deepEqual(pass.result, { ok: true });
  const fail = await real(p, { predicate: { components: [] } });
  assert.equal(fail.result?.ok, false);
  assert.match(fail.result?.ok === false ? fail.result.message : '', /incompatible list lengths/);
});

test('real CUE requires concrete values, as policy-controller does: a bound on a missing field fails', async () => {
  const r = await real('predicate: scanner: result: Summary: Critical: <=0', { predicate: {} });
  assert.equal(r.result?.ok, false);
  assert.match(r.result?.ok === false ? r.result.message : '', /incomplete value/);
});

test('a "#" comment line is real CUE syntax error and the policy does not compile', async () => {
  const r = await real('# CUE policy: SBOM must have a component\npredicate: components: [_, ...]');
  assert.equal(r.compiled.ok, false);
  assert.equal(r.compiled.ok === false && r.compiled.kind, 'syntax');
  assert.match(r.compiled.ok === false ? r.compiled.message : '', /expected label or ':'.*\(policy 1:3\)/);
});

test('time.Now() is refused by real CUE exactly as policy-controller refuses it', async () => {
  const r = await real('import "time"\npredicate: metadata: scanFinishedOn: >time.Now().Add(-24*time.Hour)');
  assert.equal(r.compiled.ok, false);
  assert.match(r.compiled.ok === false ? r.compiled.message : '', /cannot call non-function time\.Now/);
});

test('standard-library builtins outside the subset are evaluated by real CUE', async () => {
  const p = 'import "strings"\npredicate: builder: id: strings.HasPrefix("https://github.com/")';
  assert.equal(cueSubset.compile(p).ok, false, 'the built-in subset does not know strings.HasPrefix');
  assert.deepEqual(
    (
      await real(p, {
        predicate: { builder: { id: 'https://github.com/org/repo/.github/workflows/ci.yml' } },
      })
    ).result,
    { ok: true },
  );
  const bad = await real(p, { predicate: { builder: { id: 'https://gitlab.com/x' } } });
  assert.equal(bad.result?.ok === false && bad.result.kind, 'violation');
});

test('an unanswered question fails closed until real CUE has answered it', () => {
  const engine = answeredCue(new CueAnswers(), 'real');
  const c = engine.compile('a: 1');
  assert.equal(c.ok, false);
  assert.match(c.ok === false ? c.message : '', /not compiled this policy yet/);
});

test('auto mode keeps policies the subset compiles off real CUE entirely', async () => {
  const setup = cueSetup('auto');
  try {
    const c = setup.engine.compile('predicate: components: [_, ...]');
    assert.equal(c.ok, true);
    assert.equal(await setup.answer?.(), false, 'nothing was asked');
    assert.equal(setup.runner?.runs, 0);
  } finally {
    await setup.close();
  }
});

test('auto mode sends a policy outside the subset to real CUE', async () => {
  const setup = cueSetup('auto');
  try {
    const p = 'import "list"\npredicate: components: list.MinItems(1)';
    const c = await settle(() => setup.engine.compile(p), setup.answer);
    assert.equal(c.ok, true);
    const r = c.ok
      ? await settle(() => c.check({ predicate: { components: [] } }, new Date()), setup.answer)
      : undefined;
    assert.equal(r?.ok, false);
    assert.equal(setup.runner?.runs, 2, 'one compile, one vet');
  } finally {
    await setup.close();
  }
});

test('a CUE run past its deadline is an error answer, and the next question still gets answered', async () => {
  const slow = new CuelangRunner({ timeoutMs: 1 });
  try {
    const a = await slow.ask({ source: 'a: 1' });
    assert.equal(a.ok, false);
    assert.match(a.ok === false ? a.message : '', /did not finish within 1 ms/);
  } finally {
    await slow.close();
  }
  assert.deepEqual(await runner.ask({ source: 'a: 1' }), { ok: true });
});

test('an error answer is served once and asked again later, never kept as CUE verdict', () => {
  const book = new CueAnswers();
  assert.equal(book.lookup({ source: 'a: 1' }), undefined);
  const [q] = book.open();
  assert.ok(q);
  book.record(q.key, { ok: false, kind: 'error', message: 'timeout' });
  assert.deepEqual(book.lookup({ source: 'a: 1' }), { ok: false, kind: 'error', message: 'timeout' });
  assert.equal(book.lookup({ source: 'a: 1' }), undefined, 'asked again');
  assert.equal(book.open().length, 1);
});

test('a closed runner answers with an error instead of hanging', async () => {
  const r = new CuelangRunner();
  await r.close();
  const a = await r.ask({ source: 'a: 1' });
  assert.equal(a.ok, false);
});

test('an import outside CUE’s standard library does not compile: policies cannot load modules', async () => {
  const r = await real('import "example.com/steal/secrets"\na: secrets.x');
  assert.equal(r.compiled.ok === false && r.compiled.kind, 'syntax');
  assert.match(r.compiled.ok === false ? r.compiled.message : '', /example\.com\/steal\/secrets/);
});

test('a policy longer than 64 KiB is refused before it reaches real CUE', async () => {
  const setup = cueSetup('real');
  try {
    const c = setup.engine.compile(`a: 1\n${'b: 2\n'.repeat(20_000)}`);
    assert.equal(c.ok === false && c.kind, 'unsupported');
    assert.equal(await setup.answer?.(), false);
    assert.equal(setup.runner?.runs, 0);
  } finally {
    await setup.close();
  }
});
