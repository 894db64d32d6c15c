import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CacheEvent, CachingDecider, VerdictCache } from '../../src/admission/index.js';
import { VouchError } from '../../src/errors.js';
import type { Digest } from '../../src/oci/digest.js';
import { TableDecider } from '../support/table-decider.js';

function cache(opts: { max?: number; now?: () => number; events?: CacheEvent[] } = {}) {
  return new VerdictCache<{ ok: boolean; n: number }>({
    maxEntries: opts.max ?? 100,
    successTtlMs: 1000,
    failureTtlMs: 100,
    isSuccess: (v) => v.ok,
    now: opts.now ?? (() => 0),
    onEvent: (e) => opts.events?.push(e),
  });
}

test('1,000 concurrent identical cold requests run exactly one computation', async () => {
  const events: CacheEvent[] = [];
  const c = cache({ events });
  let calls = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const compute = async () => {
    calls += 1;
    await gate;
    return { ok: true, n: calls };
  };
  const all = Array.from({ length: 1000 }, () => c.get('k', compute));
  assert.equal(c.inFlight, 1);
  release();
  const values = await Promise.all(all);
  assert.equal(calls, 1);
  assert.ok(values.every((v) => v.n === 1));
  assert.equal(events.filter((e) => e === 'miss').length, 1);
  assert.equal(events.filter((e) => e === 'coalesced').length, 999);
  assert.equal(c.inFlight, 0);
});

test('1,000 concurrent identical cold image decisions through the caching decider call the decider once', async () => {
  const digest = `sha256:${'c3'.repeat(32)}` as Digest;
  const inner = new TableDecider(new Map([['r.example/a:1', { digest, signed: true }]]), { mode: 'enforce' });
  const decider = new CachingDecider(inner, {
    maxEntries: 10,
    successTtlMs: 1000,
    failureTtlMs: 100,
    now: () => 0,
  });
  const req = {
    image: 'r.example/a:1',
    namespace: 'default',
    namespaceLabels: {},
    resource: { apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'default', uid: '' },
  };
  const ctx = { now: new Date(0), signal: new AbortController().signal };
  const out = await Promise.all(Array.from({ length: 1000 }, () => decider.decide(req, ctx)));
  assert.equal(inner.calls, 1);
  assert.ok(out.every((d) => d.digest === digest));
});

test('a success is served until its TTL, then recomputed', async () => {
  let t = 0;
  const c = cache({ now: () => t });
  let calls = 0;
  const compute = async () => ({ ok: true, n: ++calls });
  await c.get('k', compute);
  t = 999;
  assert.equal((await c.get('k', compute)).n, 1);
  t = 1000;
  assert.equal((await c.get('k', compute)).n, 2);
});

test('a failure expires after the shorter failure TTL', async () => {
  let t = 0;
  const c = cache({ now: () => t });
  let calls = 0;
  const compute = async () => ({ ok: false, n: ++calls });
  await c.get('k', compute);
  t = 99;
  assert.equal((await c.get('k', compute)).n, 1);
  t = 100;
  assert.equal((await c.get('k', compute)).n, 2);
});

test('a rejection is shared by its waiters but never cached', async () => {
  const c = cache();
  let calls = 0;
  const failing = async () => {
    calls += 1;
    throw new Error('registry down');
  };
  const results = await Promise.allSettled([c.get('k', failing), c.get('k', failing)]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  assert.equal(calls, 1);
  assert.equal((await c.get('k', async () => ({ ok: true, n: 7 }))).n, 7);
});

test('the least recently used entry is evicted first', async () => {
  const c = cache({ max: 2 });
  const v = (n: number) => async () => ({ ok: true, n });
  await c.get('a', v(1));
  await c.get('b', v(2));
  await c.get('a', v(99)); // touch a: b is now the oldest
  await c.get('c', v(3));
  assert.equal(c.size, 2);
  assert.equal((await c.get('a', v(100))).n, 1);
  assert.equal((await c.get('b', v(200))).n, 200);
});

test('clear forgets every entry', async () => {
  const c = cache();
  await c.get('a', async () => ({ ok: true, n: 1 }));
  c.clear();
  assert.equal((await c.get('a', async () => ({ ok: true, n: 2 }))).n, 2);
});

test('a zero-size cache is refused', () => {
  assert.throws(
    () =>
      new VerdictCache({
        maxEntries: 0,
        successTtlMs: 1,
        failureTtlMs: 1,
        isSuccess: () => true,
        now: () => 0,
      }),
    { code: 'USAGE' },
  );
});

test('the caching decider keeps namespaces with different labels apart', async () => {
  const digest = `sha256:${'d4'.repeat(32)}` as Digest;
  const inner = new TableDecider(new Map([['r.example/a:1', { digest, signed: false }]]), {
    mode: 'enforce',
    includeLabel: ['policy.sigstore.dev/include', 'true'],
  });
  const decider = new CachingDecider(inner, {
    maxEntries: 10,
    successTtlMs: 1000,
    failureTtlMs: 1000,
    now: () => 0,
  });
  const base = {
    image: 'r.example/a:1',
    resource: { apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'x', uid: '' },
  };
  const ctx = { now: new Date(0), signal: new AbortController().signal };
  const inScope = await decider.decide(
    { ...base, namespace: 'x', namespaceLabels: { 'policy.sigstore.dev/include': 'true' } },
    ctx,
  );
  const outOfScope = await decider.decide({ ...base, namespace: 'x', namespaceLabels: {} }, ctx);
  assert.equal(inScope.outcomes.length, 1);
  assert.equal(outOfScope.outcomes.length, 0);
});

test('with the registry down, a cached success is still served and a new image fails', async () => {
  const digest = `sha256:${'e6'.repeat(32)}` as Digest;
  let down = false;
  const table = new TableDecider(new Map([['r.example/a:1', { digest, signed: true }]]), { mode: 'enforce' });
  const inner = {
    decide: (req: Parameters<TableDecider['decide']>[0], ctx: Parameters<TableDecider['decide']>[1]) => {
      if (down)
        return Promise.reject(new VouchError('REGISTRY_UNREACHABLE', 'r.example: connection refused'));
      return table.decide(req, ctx);
    },
  };
  const decider = new CachingDecider(inner, {
    maxEntries: 10,
    successTtlMs: 60_000,
    failureTtlMs: 1000,
    now: () => 0,
  });
  const resource = { apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'default', uid: '' };
  const ctx = { now: new Date(0), signal: new AbortController().signal };
  const req = (image: string) => ({ image, namespace: 'default', namespaceLabels: {}, resource });
  await decider.decide(req('r.example/a:1'), ctx);
  down = true;
  assert.equal((await decider.decide(req('r.example/a:1'), ctx)).outcomes[0]?.result, 'pass');
  await assert.rejects(decider.decide(req('r.example/b:1'), ctx), { code: 'REGISTRY_UNREACHABLE' });
});
