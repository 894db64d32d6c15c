import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CachingDecider, type ImageCheckRequest, type ImageDecider } from '../../src/admission/index.js';
import type { Digest } from '../../src/oci/digest.js';
import { TableDecider } from '../support/table-decider.js';

const digest = `sha256:${'c3'.repeat(32)}` as Digest;
const ctx = { now: new Date(0), signal: new AbortController().signal };
const opts = { maxEntries: 10, successTtlMs: 1000, failureTtlMs: 1000, now: () => 0 };

function request(labels: Record<string, string>, name: string): ImageCheckRequest {
  return {
    image: 'r.example/a:1',
    namespace: 'default',
    namespaceLabels: {},
    resource: { apiVersion: 'v1', kind: 'Pod', name, namespace: 'default', uid: '' },
    labels,
    annotations: {},
    operation: 'CREATE',
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels } },
  };
}

test('a decider that does not say what it reads is keyed on everything in the request', async () => {
  const inner = new TableDecider(new Map([['r.example/a:1', { digest, signed: true }]]), { mode: 'enforce' });
  const decider = new CachingDecider(inner, opts);
  await decider.decide(request({ app: 'a' }, 'p'), ctx);
  await decider.decide(request({ app: 'b' }, 'p'), ctx);
  await decider.decide(request({ app: 'a' }, 'p'), ctx);
  assert.equal(inner.calls, 2);
});

test('a decider that reads only labels shares an entry across names, not across labels', async () => {
  const table = new TableDecider(new Map([['r.example/a:1', { digest, signed: true }]]), { mode: 'enforce' });
  const scope = {};
  const inner: ImageDecider = {
    decide: (req, c) => table.decide(req, c),
    inputs: () => ({
      facts: { labels: true, annotations: false, name: false, operation: false, object: false },
      scope,
    }),
  };
  const decider = new CachingDecider(inner, opts);
  await decider.decide(request({ app: 'a' }, 'p-1'), ctx);
  await decider.decide(request({ app: 'a' }, 'p-2'), ctx);
  assert.equal(table.calls, 1);
  await decider.decide(request({ app: 'b' }, 'p-1'), ctx);
  assert.equal(table.calls, 2);
});

test('label keys and values cannot be crafted to collide with another label set', async () => {
  const table = new TableDecider(new Map([['r.example/a:1', { digest, signed: true }]]), { mode: 'enforce' });
  const scope = {};
  const inner: ImageDecider = {
    decide: (req, c) => table.decide(req, c),
    inputs: () => ({
      facts: { labels: true, annotations: false, name: false, operation: false, object: false },
      scope,
    }),
  };
  const decider = new CachingDecider(inner, opts);
  await decider.decide(request({ a: 'x,b=y' }, 'p'), ctx);
  await decider.decide(request({ a: 'x', b: 'y' }, 'p'), ctx);
  assert.equal(table.calls, 2);
});
