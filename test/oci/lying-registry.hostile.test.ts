// Time bounds against a registry that lies (test/support/lying-registry.ts): every request ends, by a
// total deadline, a minimum transfer rate, a retry budget or the operation's cancellation, and
// credentials never travel in clear to a host other than the one named insecure. Limits are small so
// the tests stay fast; none asserts how long anything took, only that it ended and how.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withAbortSignal } from '../../src/abort-scope.js';
import { VouchError } from '../../src/errors.js';
import type { Limits } from '../../src/limits.js';
import type { Digest } from '../../src/oci/digest.js';
import { RegistryClient } from '../../src/oci/registry-client.js';
import { type Lie, type LyingRegistry, startLyingRegistry } from '../support/lying-registry.js';

const FAST: Partial<Limits> = {
  fetchTimeoutMs: 2_000,
  fetchTotalTimeoutMs: 1_000,
  fetchSmallBodyMaxBytes: 1024,
  fetchMinBytesPerSecond: 10_000,
  fetchRateWindowMs: 100,
  fetchRetries: 3,
  fetchRetryBaseMs: 1,
  fetchRetryMaxDelayMs: 20,
  fetchRetryBudgetMs: 50,
};

async function lying(t: { after: (fn: () => Promise<void>) => void }, lie: Lie): Promise<LyingRegistry> {
  const reg = await startLyingRegistry(lie);
  t.after(() => reg.close());
  return reg;
}

function client(reg: LyingRegistry, limits: Partial<Limits> = FAST, password?: string): RegistryClient {
  return new RegistryClient({
    insecureRegistries: [reg.host],
    now: () => new Date(),
    limits,
    ...(password
      ? { credentials: async () => ({ kind: 'basic' as const, username: 'alice', password }) }
      : {}),
  });
}

const isCode = (code: string, message?: RegExp) => (e: unknown) =>
  e instanceof VouchError && e.code === code && (message === undefined || message.test(e.message));

test('a manifest dripped one byte at a time ends at the total deadline, not never', async (t) => {
  const reg = await lying(t, { kind: 'drip', intervalMs: 5, contentLength: 1000 });
  await assert.rejects(
    client(reg).repository({ registry: reg.host, repository: 'app' }).resolve('v1'),
    isCode('TIMEOUT', /no complete answer from 127\.0\.0\.1:\d+ within 1000 ms/),
  );
  assert.ok(reg.requests.some((r) => r.path.includes('/manifests/v1') && r.closedEarly));
});

test('a large blob dripped below the minimum transfer rate ends with TIMEOUT naming the rate', async (t) => {
  const reg = await lying(t, { kind: 'drip', intervalMs: 5, contentLength: 10_000_000 });
  const repo = client(reg).repository({ registry: reg.host, repository: 'app' });
  const digest = `sha256:${'0'.repeat(64)}` as Digest;
  await assert.rejects(
    async () => {
      const stream = await repo.fetchBlob({ digest, size: 10_000_000 });
      for await (const _ of stream) {
        // read until the transport gives up
      }
    },
    isCode('TIMEOUT', /below the minimum of 10000 bytes\/s/),
  );
});

test('an unannounced (chunked) body that drips is bounded by the transfer rate', async (t) => {
  const reg = await lying(t, { kind: 'drip', intervalMs: 5 });
  await assert.rejects(
    client(reg, { ...FAST, fetchTotalTimeoutMs: 60_000 })
      .repository({ registry: reg.host, repository: 'app' })
      .resolve('v1'),
    isCode('TIMEOUT', /below the minimum/),
  );
});

test('an endless chunked manifest stops at the manifest size limit', async (t) => {
  const reg = await lying(t, { kind: 'endless-chunked' });
  await assert.rejects(
    client(reg, {
      ...FAST,
      manifestMaxBytes: 64 * 1024,
      fetchMinBytesPerSecond: 1,
      fetchTotalTimeoutMs: 60_000,
    })
      .repository({ registry: reg.host, repository: 'app' })
      .resolve('v1'),
    isCode('INPUT_TOO_LARGE'),
  );
});

test('429 forever: the ping spends one retry budget and fails, the manifest is never asked for', async (t) => {
  const reg = await lying(t, { kind: 'status', status: 429, retryAfter: '3600' });
  await assert.rejects(
    client(reg).repository({ registry: reg.host, repository: 'app' }).resolve('v1'),
    isCode('REGISTRY_ERROR', /429/),
  );
  assert.ok(reg.requests.every((r) => r.path === '/v2/'));
  // Retry-After 3600 s capped at 20 ms, within a 50 ms budget: at most 1 + 3 attempts.
  assert.ok(reg.requests.length >= 2 && reg.requests.length <= 4, `${reg.requests.length} requests`);
});

test('503 forever is retried within the budget, then reported', async (t) => {
  const reg = await lying(t, { kind: 'status', status: 503 });
  await assert.rejects(
    client(reg).repository({ registry: reg.host, repository: 'app' }).resolve('v1'),
    isCode('REGISTRY_ERROR'),
  );
  assert.ok(reg.requests.length <= 4);
});

test('a redirect loop ends after 10 hops', async (t) => {
  const reg = await lying(t, { kind: 'redirect-loop' });
  await assert.rejects(
    client(reg).repository({ registry: reg.host, repository: 'app' }).resolve('v1'),
    isCode('REGISTRY_ERROR', /more than 10 redirects/),
  );
  assert.ok(reg.requests.length <= 11);
});

test('cancelling the operation aborts the request in flight with the reason given', async (t) => {
  const reg = await lying(t, { kind: 'drip', intervalMs: 5, contentLength: 1000 });
  const repo = client(reg, { ...FAST, fetchTotalTimeoutMs: 60_000 }).repository({
    registry: reg.host,
    repository: 'app',
  });
  const controller = new AbortController();
  const reason = new VouchError('TIMEOUT', 'verification deadline passed');
  const pending = withAbortSignal(controller.signal, () => repo.resolve('v1'));
  // Abort once the manifest request is on the wire.
  while (!reg.requests.some((r) => r.path.includes('/manifests/')))
    await new Promise((r) => setTimeout(r, 2));
  controller.abort(reason);
  await assert.rejects(pending, (e) => e === reason);
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(reg.requests.find((r) => r.path.includes('/manifests/'))?.closedEarly);
});

test('cancelling during a retry wait stops the retries', async (t) => {
  const reg = await lying(t, { kind: 'status', status: 503 });
  const controller = new AbortController();
  const pending = withAbortSignal(controller.signal, () =>
    client(reg, {
      ...FAST,
      fetchRetryBaseMs: 60_000,
      fetchRetryMaxDelayMs: 60_000,
      fetchRetryBudgetMs: 600_000,
    })
      .repository({ registry: reg.host, repository: 'app' })
      .resolve('v1'),
  );
  while (reg.requests.length === 0) await new Promise((r) => setTimeout(r, 2));
  controller.abort(new VouchError('TIMEOUT', 'interrupted'));
  await assert.rejects(pending, isCode('TIMEOUT', /interrupted/));
  assert.equal(reg.requests.length, 1);
});

test('with --insecure-registry, a plain-HTTP token realm on another host never receives credentials', async (t) => {
  // The registry is 127.0.0.1:PORT; the realm names localhost, another host (same machine, same port).
  const reg = await lying(t, { kind: 'realm', realm: (port) => `http://localhost:${port}/token` });
  await assert.rejects(
    client(reg, FAST, 'wonderland').repository({ registry: reg.host, repository: 'app' }).resolve('v1'),
    isCode('AUTH_FAILED', /over plain HTTP; refusing to send credentials there/),
  );
  assert.ok(reg.requests.every((r) => r.authorization === undefined));
  assert.ok(!reg.requests.some((r) => r.path.startsWith('/token')));
});

test('with --insecure-registry, a plain-HTTP token realm on the registry host itself gets the credentials', async (t) => {
  const reg = await lying(t, { kind: 'realm', realm: (port) => `http://127.0.0.1:${port}/token` });
  await assert.rejects(
    client(reg, FAST, 'wonderland').repository({ registry: reg.host, repository: 'app' }).resolve('v1'),
    isCode('NOT_FOUND'),
  );
  const token = reg.requests.find((r) => r.path.startsWith('/token'));
  assert.equal(token?.authorization, `Basic ${Buffer.from('alice:wonderland').toString('base64')}`);
});
