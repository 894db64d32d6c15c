import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryAfterMs } from '../../src/oci/http-transport.js';

const NOW = new Date('2026-01-01T00:00:00Z');

test('Retry-After in seconds becomes milliseconds', () => {
  assert.equal(retryAfterMs('3', NOW), 3000);
  assert.equal(retryAfterMs(' 0 ', NOW), 0);
});

test('Retry-After as an HTTP-date is measured from now, never negative', () => {
  assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', NOW), 5000);
  assert.equal(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', NOW), 0);
});

test('an unreadable Retry-After is ignored', () => {
  assert.equal(retryAfterMs('soon', NOW), undefined);
  assert.equal(retryAfterMs('-5', NOW), undefined);
});
