import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  evaluateCondition,
  evaluateConditions,
  parseGoDuration,
} from '../../src/policy/kyverno/conditions.js';
import type { Condition, ConditionOperator } from '../../src/policy/kyverno/model.js';

const predicate = {
  builder: {
    id: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.10.0',
  },
  count: 3,
  age: '36h',
  tags: ['a', 'b'],
};
const cond = (key: unknown, operator: ConditionOperator, value: unknown): Condition => ({
  path: 'c',
  key,
  operator,
  value,
});

const CASES: [unknown, ConditionOperator, unknown, boolean][] = [
  ['{{ builder.id }}', 'Equals', 'https://github.com/slsa-framework/*', true],
  ['{{ builder.id }}', 'NotEquals', 'https://github.com/slsa-framework/*', false],
  ['{{ count }}', 'Equals', 3, true],
  ['{{ count }}', 'Equals', '3', true],
  ['{{ count }}', 'GreaterThan', 2, true],
  ['{{ count }}', 'GreaterThanOrEquals', 3, true],
  ['{{ count }}', 'LessThan', 3, false],
  ['{{ count }}', 'LessThanOrEquals', '3', true],
  ['{{ tags }}', 'AllIn', ['a', 'b', 'c'], true],
  ['{{ tags }}', 'AllIn', ['a'], false],
  ['{{ tags }}', 'AnyIn', ['b', 'z'], true],
  ['{{ tags }}', 'AnyNotIn', ['a', 'b'], false],
  ['{{ tags }}', 'AllNotIn', ['x', 'y'], true],
  ['{{ tags }}', 'NotIn', ['a'], false],
  ['a', 'In', ['a', 'b'], true],
  ['{{ age }}', 'DurationGreaterThan', '24h', true],
  ['{{ age }}', 'DurationLessThanOrEquals', '1h30m', false],
  ['{{ age }}', 'DurationGreaterThanOrEquals', '36h', true],
  ['{{ age }}', 'DurationLessThan', '2d', false],
  ['built by {{ builder.id }}', 'Equals', 'built by https://github.com/*', true],
];

for (const [key, op, value, want] of CASES) {
  test(`condition ${JSON.stringify(key)} ${op} ${JSON.stringify(value)} is ${want}`, () => {
    assert.equal(evaluateCondition(cond(key, op, value), predicate).ok, want);
  });
}

test('a variable missing from the predicate fails the condition (fail closed) and says so', () => {
  const r = evaluateCondition(cond('{{ nope.missing }}', 'Equals', 'x'), predicate);
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.message, /variable substitution failed/);
});

test('a JMESPath syntax error fails the condition instead of throwing', () => {
  assert.equal(evaluateCondition(cond('{{ [[[ }}', 'Equals', 'x'), predicate).ok, false);
});

test('a custom message replaces the default explanation', () => {
  const r = evaluateCondition({ ...cond('{{ count }}', 'LessThan', 1), message: 'too many' }, predicate);
  assert.deepEqual(r, { ok: false, message: 'too many' });
});

test('blocks: all must hold, and at least one any', () => {
  const ok = evaluateConditions(
    [{ all: [cond('{{ count }}', 'Equals', 3)], any: [cond('x', 'Equals', 'y'), cond('a', 'Equals', 'a')] }],
    predicate,
  );
  assert.equal(ok.ok, true);
  const bad = evaluateConditions([{ all: [], any: [cond('x', 'Equals', 'y')] }], predicate);
  assert.equal(bad.ok, false);
});

test('Go durations parse as Go does', () => {
  assert.equal(parseGoDuration('1h30m'), 5400e9);
  assert.equal(parseGoDuration('300ms'), 300e6);
  assert.equal(parseGoDuration('-1.5h'), -5400e9);
  assert.equal(parseGoDuration('2d'), undefined);
});
