import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES, exitCodeOf } from '../src/errors.js';

test('every error code is documented in docs/errors.md with its exit code', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  for (const code of ERROR_CODES) {
    const row = new RegExp(`^\\| \`${code}\` \\| ${exitCodeOf(code)} \\|`, 'm');
    assert.match(doc, row, `docs/errors.md lacks a row for ${code} with exit ${exitCodeOf(code)}`);
  }
});
