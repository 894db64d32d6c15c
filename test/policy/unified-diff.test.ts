import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unifiedDiff } from '../../src/policy/index.js';

test('identical texts give an empty diff', () => {
  assert.equal(unifiedDiff('a\nb\n', 'a\nb\n', 'f'), '');
});

test('a one-line change gives one hunk with three lines of context', () => {
  const before = ['1', '2', '3', '4', '5', '6', '7', '8'].join('\n');
  const after = before.replace('5', 'five');
  assert.equal(
    unifiedDiff(`${before}\n`, `${after}\n`, 'f'),
    ['--- a/f', '+++ b/f', '@@ -2,7 +2,7 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ''].join(
      '\n',
    ),
  );
});

test('changes far apart give separate hunks with correct line numbers', () => {
  const lines = Array.from({ length: 30 }, (_, i) => `l${i + 1}`);
  const after = [...lines];
  after[1] = 'X';
  after.splice(25, 0, 'inserted');
  const d = unifiedDiff(`${lines.join('\n')}\n`, `${after.join('\n')}\n`, 'f');
  assert.deepEqual(
    d.split('\n').filter((l) => l.startsWith('@@')),
    ['@@ -1,5 +1,5 @@', '@@ -23,6 +23,7 @@'],
  );
});
