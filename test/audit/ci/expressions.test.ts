import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allContexts,
  dataflowContexts,
  ExpressionSyntaxError,
  extractFencedExpressions,
  parseExpression,
} from '../../../src/audit/ci/index.js';

const flows = (src: string) => dataflowContexts(parseExpression(src)).map((c) => c.pattern);

test('a context is a dereference chain; index forms and stars become pattern parts', () => {
  assert.deepEqual(flows('github.event.pull_request.title'), ['github.event.pull_request.title']);
  assert.deepEqual(flows("github.event['pull_request'].title"), ['github.event.pull_request.title']);
  assert.deepEqual(flows('github.event.commits[0].message'), ['github.event.commits.*.message']);
  assert.deepEqual(flows('github.event.pull_request.labels.*.name'), [
    'github.event.pull_request.labels.*.name',
  ]);
});

test('values flow through || && format join toJSON, not through comparisons, ! or contains', () => {
  assert.deepEqual(flows("github.head_ref || 'main'"), ['github.head_ref']);
  assert.deepEqual(flows("format('{0}-{1}', github.head_ref, env.X)"), ['github.head_ref', 'env.x']);
  assert.deepEqual(flows("github.head_ref == 'main'"), []);
  assert.deepEqual(flows('!github.head_ref'), []);
  assert.deepEqual(flows("contains(github.event.issue.body, 'x')"), []);
  assert.deepEqual(flows("startsWith(github.head_ref, 'x')"), []);
});

test('a dereference of a call result is a context with no pattern', () => {
  const refs = dataflowContexts(parseExpression('fromJSON(steps.x.outputs.y).name'));
  assert.equal(refs.length, 1);
  assert.equal(refs[0]?.pattern, undefined);
});

test('all contexts are found anywhere, including inside comparisons and indexes', () => {
  const refs = allContexts(parseExpression("github.actor == 'x' && secrets[matrix.name]")).map(
    (c) => c.pattern,
  );
  assert.deepEqual(refs, ['github.actor', undefined, 'matrix.name']);
});

test('spans point at the token inside the expression text', () => {
  const src = "  format('{0}', github.event.issue.title) ";
  const [ref] = dataflowContexts(parseExpression(src));
  assert.equal(src.slice(ref?.span.start, ref?.span.end), 'github.event.issue.title');
});

test("literals: strings with '' escapes, numbers, booleans, null", () => {
  const e = parseExpression("'it''s' == 'x' || 0x1F == 31 || 1.5e3 == true || null");
  assert.equal(e.kind, 'binary');
  const s = parseExpression("'it''s'");
  assert.deepEqual(s.kind === 'literal' ? s.value : undefined, "it's");
});

test('fenced expressions: }} inside a string literal does not close the fence', () => {
  const fence = (inner: string) => `${'$'}{{ ${inner} }}`;
  const text = `echo ${fence("format('}}{0}', github.head_ref)")} and ${fence('env.A')}`;
  const found = extractFencedExpressions(text);
  assert.deepEqual(
    found.map((f) => f.inner.trim()),
    ["format('}}{0}', github.head_ref)", 'env.A'],
  );
  assert.equal(text.slice(found[0]?.start, found[0]?.end).startsWith('${{'), true);
});

test('syntax errors carry the offset of the offending token', () => {
  assert.throws(
    () => parseExpression('github.event.'),
    (e: unknown) => e instanceof ExpressionSyntaxError && e.offset === 13,
  );
  assert.throws(
    () => parseExpression("a == 'unterminated"),
    (e: unknown) => e instanceof ExpressionSyntaxError && e.offset === 5,
  );
  assert.throws(() => parseExpression('a b'), ExpressionSyntaxError);
  assert.throws(() => parseExpression('a ~ b'), ExpressionSyntaxError);
});

test('expressions nested 10,000 deep are refused as a syntax error, not a stack overflow', () => {
  const deep = `${'('.repeat(10_000)}github.head_ref${')'.repeat(10_000)}`;
  assert.throws(() => parseExpression(deep), /nested deeper than/);
  const calls = `${'format('.repeat(2_000)}x${')'.repeat(2_000)}`;
  assert.throws(() => parseExpression(calls), /nested deeper than/);
  const nots = `${'!'.repeat(10_000)}x`;
  assert.throws(() => parseExpression(nots), /nested deeper than/);
});
