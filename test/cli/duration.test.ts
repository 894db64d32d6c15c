// Duration flags of `admission serve` take what Helm values and Kubernetes write: a bare number in the
// flag's own unit (as before), or Go's time.ParseDuration forms.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationFlagMs } from '../../src/cli/duration.js';

test('a bare number keeps the flag unit: seconds for TTLs, milliseconds for the deadline', () => {
  assert.equal(durationFlagMs('300', '--cache-success-ttl', 'seconds'), 300_000);
  assert.equal(durationFlagMs('0', '--cache-failure-ttl', 'seconds'), 0);
  assert.equal(durationFlagMs('9000', '--deadline', 'milliseconds'), 9000);
});

test('Go durations: 5m, 30s, 1h30m, 500ms, 1.5h', () => {
  for (const [v, ms] of [
    ['5m', 300_000],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
  ] as const) {
    assert.equal(durationFlagMs(v, '--cache-success-ttl', 'seconds'), ms, v);
  }
});

test('anything else is a usage error naming the flag and the forms', () => {
  for (const v of ['5x', '-5s', '', 'five minutes', '5 m']) {
    assert.throws(
      () => durationFlagMs(v, '--cache-success-ttl', 'seconds'),
      (e: Error & { code?: string; hint?: string }) =>
        e.code === 'USAGE' && e.message.includes('--cache-success-ttl') && (e.hint ?? '').includes('1h30m'),
      JSON.stringify(v),
    );
  }
});
