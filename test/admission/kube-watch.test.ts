// List + watch against the loopback API server: the copy follows every change, and every way a watch
// breaks (410 Gone, garbage, a stall, a closed stream, an API server that is down) ends with the copy
// reconciled, as client-go's reflector guarantees.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { type KubeObject, WatchEventSplitter } from '../../src/admission/kube-resources.js';
import { Reflector, type ReflectorOptions } from '../../src/admission/kube-watch.js';
import { VouchError } from '../../src/errors.js';
import { type KubeApiServer, startKubeApiServer } from '../support/kube-api-server.js';

const CIP = {
  group: 'policy.sigstore.dev',
  version: 'v1beta1',
  plural: 'clusterimagepolicies',
  kind: 'ClusterImagePolicy',
  namespaced: false,
} as const;

const cip = (name: string, glob = 'registry.example/**') => ({
  apiVersion: 'policy.sigstore.dev/v1beta1',
  kind: 'ClusterImagePolicy',
  metadata: { name },
  spec: { images: [{ glob }], authorities: [{ static: { action: 'pass' } }] },
});

async function until(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 60_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup(t: TestContext, opts: Partial<ReflectorOptions> = {}, api?: KubeApiServer) {
  const server = api ?? (await startKubeApiServer());
  if (!api) t.after(() => server.close());
  const r = new Reflector({ server: server.url, insecureSkipTlsVerify: true, timeoutMs: 2_000 }, [CIP], {
    backoffBaseMs: 20,
    backoffMaxMs: 200,
    ...opts,
    onChange: () => undefined,
  });
  t.after(() => r.stop());
  const names = () => [...r.objects().keys()].sort();
  const specOf = (name: string): unknown => (r.objects().get(`/${name}`) as KubeObject | undefined)?.spec;
  const watches = () => server.requests.filter((q) => q.query.get('watch') === 'true').length;
  const lists = () => server.requests.filter((q) => q.method === 'GET' && !q.query.has('watch')).length;
  return { server, r, names, specOf, watches, lists };
}

test('the splitter returns whole events however the stream is cut', () => {
  const events = [
    { type: 'ADDED', object: { metadata: { name: 'a' }, data: { x: '}{"\\"' } } },
    { type: 'BOOKMARK', object: { metadata: { resourceVersion: '7' } } },
  ];
  const bytes = Buffer.from(events.map((e) => JSON.stringify(e)).join('\n'));
  for (const size of [1, 3, 17, bytes.length]) {
    const s = new WatchEventSplitter(1024);
    const got = [];
    for (let i = 0; i < bytes.length; i += size) got.push(...s.push(bytes.subarray(i, i + size)));
    assert.deepEqual(got, events, `chunks of ${size}`);
  }
});

test('the splitter refuses bytes that are not events, and an event over its cap', () => {
  assert.throws(
    () => new WatchEventSplitter(1024).push(Buffer.from('<html>502 Bad Gateway</html>')),
    (e: unknown) => e instanceof VouchError && e.code === 'KUBE_API_ERROR',
  );
  assert.throws(
    () => new WatchEventSplitter(1024).push(Buffer.from('{"type":"NOPE","object":{}}')),
    (e: unknown) => e instanceof VouchError && e.code === 'KUBE_API_ERROR',
  );
  assert.throws(
    () =>
      new WatchEventSplitter(64).push(Buffer.from(`{"type":"ADDED","object":{"x":"${'a'.repeat(100)}"}}`)),
    (e: unknown) => e instanceof VouchError && e.code === 'INPUT_TOO_LARGE',
  );
});

test('a reflector lists in pages, then follows adds, edits and deletes through the watch', async (t) => {
  const server = await startKubeApiServer();
  t.after(() => server.close());
  for (let i = 0; i < 25; i++) server.put('clusterimagepolicies', cip(`p${String(i).padStart(2, '0')}`));
  const s = await setup(t, { pageSize: 10 }, server);
  s.r.start();
  await until('first list', () => s.r.state.kind === 'synced');
  assert.equal(s.names().length, 25);
  assert.equal(s.lists(), 3, 'three pages of ten');
  assert.ok(server.requests.some((q) => q.query.has('continue')));
  server.put('clusterimagepolicies', cip('new'));
  server.put('clusterimagepolicies', cip('p00', 'other.example/**'));
  server.remove('clusterimagepolicies', 'p01');
  await until('the watch delivers', () => s.names().includes('/new') && !s.names().includes('/p01'));
  assert.deepEqual(s.specOf('p00'), cip('p00', 'other.example/**').spec);
  const watch = server.requests.find((q) => q.query.get('watch') === 'true');
  assert.equal(watch?.query.get('allowWatchBookmarks'), 'true');
  assert.ok(Number(watch?.query.get('resourceVersion')) > 0, 'watches from the list resourceVersion');
});

test('410 Gone on resume: the reflector lists again and reconciles what it missed', async (t) => {
  const s = await setup(t);
  s.server.put('clusterimagepolicies', cip('stays'));
  s.server.put('clusterimagepolicies', cip('goes'));
  s.r.start();
  await until('synced', () => s.names().length === 2);
  // Changes the watch never delivers, then the history is compacted and the stream ends.
  s.server.stallWatches(true);
  s.server.put('clusterimagepolicies', cip('missed'));
  s.server.remove('clusterimagepolicies', 'goes');
  s.server.compact();
  s.server.closeWatches();
  s.server.stallWatches(false);
  await until('relisted', () => s.names().join() === '/missed,/stays');
  assert.equal(s.lists(), 2, 'one relist after 410');
});

test('garbage on the stream: the watch is reopened from the last resourceVersion, nothing is lost', async (t) => {
  const s = await setup(t);
  s.r.start();
  await until(
    'synced',
    () => s.r.state.kind === 'synced' && s.server.openWatches('clusterimagepolicies') === 1,
  );
  s.server.sendGarbage('<html>proxy error</html>\n');
  s.server.put('clusterimagepolicies', cip('after-garbage'));
  await until('the change arrives on a new watch', () => s.names().includes('/after-garbage'));
  assert.ok(s.watches() >= 2, 'a second watch was opened');
  assert.equal(s.lists(), 1, 'resumed, not relisted');
});

test('a stalled stream (no event, no bookmark) is abandoned and reopened', async (t) => {
  const server = await startKubeApiServer({ bookmarkIntervalMs: 50 });
  t.after(() => server.close());
  const s = await setup(t, { stallMs: 1_000 }, server);
  s.r.start();
  await until(
    'synced',
    () => s.r.state.kind === 'synced' && s.server.openWatches('clusterimagepolicies') === 1,
  );
  s.server.stallWatches(true);
  s.server.put('clusterimagepolicies', cip('sent-while-stalled'));
  // The reopened watch replays history from the last resourceVersion, so the event is not lost.
  await until('reconnected and caught up', () => s.names().includes('/sent-while-stalled'));
  assert.ok(s.watches() >= 2);
});

test('a stream the server closes is reopened; changes in between arrive', async (t) => {
  const s = await setup(t);
  s.r.start();
  await until(
    'synced',
    () => s.r.state.kind === 'synced' && s.server.openWatches('clusterimagepolicies') === 1,
  );
  s.server.closeWatches();
  s.server.put('clusterimagepolicies', cip('between'));
  await until('caught up', () => s.names().includes('/between'));
  assert.equal(s.lists(), 1);
});

test('an API server that is down at start: the reflector retries with backoff and syncs when it is up', async (t) => {
  const server = await startKubeApiServer();
  t.after(() => server.close());
  server.put('clusterimagepolicies', cip('waiting'));
  await server.down();
  const states: string[] = [];
  const s = await setup(t, { onState: (st) => states.push(st.kind) }, server);
  s.r.start();
  await until('a failed attempt', () => s.r.state.kind === 'syncing' && 'error' in s.r.state);
  const st = s.r.state;
  assert.ok(st.kind === 'syncing' && st.error?.code === 'KUBE_API_ERROR', JSON.stringify(st));
  await server.up();
  await until('synced after the server came up', () => s.names().includes('/waiting'));
  assert.equal(s.r.state.kind, 'synced');
});

test('a resource the API server does not serve is absent, at every version tried', async (t) => {
  const server = await startKubeApiServer();
  t.after(() => server.close());
  server.removeGroup('kyverno.io');
  const r = new Reflector(
    { server: server.url, insecureSkipTlsVerify: true },
    [
      {
        group: 'kyverno.io',
        version: 'v1',
        plural: 'clusterpolicies',
        kind: 'ClusterPolicy',
        namespaced: false,
      },
      {
        group: 'kyverno.io',
        version: 'v2beta1',
        plural: 'clusterpolicies',
        kind: 'ClusterPolicy',
        namespaced: false,
      },
    ],
    { onChange: () => undefined },
  );
  t.after(() => r.stop());
  r.start();
  await r.settled(15_000);
  const st = r.state;
  assert.equal(st.kind, 'absent');
  assert.match(st.kind === 'absent' ? st.message : '', /clusterpolicies\.kyverno\.io/);
  const tried = server.requests.map((q) => q.path);
  assert.ok(tried.includes('/apis/kyverno.io/v1/clusterpolicies'));
  assert.ok(tried.includes('/apis/kyverno.io/v2beta1/clusterpolicies'));
});

test('a bookmark moves the resume point without changing the copy', async (t) => {
  const s = await setup(t);
  s.r.start();
  await until(
    'synced',
    () => s.r.state.kind === 'synced' && s.server.openWatches('clusterimagepolicies') === 1,
  );
  // Other resources move the resourceVersion; a bookmark tells this watch about it.
  s.server.put('configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', namespace: 'a' },
  });
  const rv = s.server.resourceVersion;
  s.server.bookmark();
  await new Promise((r) => setTimeout(r, 50));
  s.server.closeWatches();
  await until('reopened', () => s.watches() >= 2);
  const second = s.server.requests.filter((q) => q.query.get('watch') === 'true')[1];
  assert.equal(second?.query.get('resourceVersion'), String(rv));
  assert.deepEqual(s.names(), []);
});
