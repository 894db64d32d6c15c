import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  namespaceLabelsFromKube,
  namespaceLabelsFromMap,
  parseNamespaceLabels,
} from '../../src/admission/index.js';

test('a kubectl get namespaces -o yaml list gives each namespace its labels', () => {
  const text = [
    'apiVersion: v1',
    'kind: List',
    'items:',
    '- apiVersion: v1',
    '  kind: Namespace',
    '  metadata:',
    '    name: prod',
    '    labels: {policy.sigstore.dev/include: "true", kubernetes.io/metadata.name: prod}',
    '- apiVersion: v1',
    '  kind: Namespace',
    '  metadata: {name: dev}',
  ].join('\n');
  const m = parseNamespaceLabels(text);
  assert.deepEqual(m.get('prod'), {
    'policy.sigstore.dev/include': 'true',
    'kubernetes.io/metadata.name': 'prod',
  });
  assert.deepEqual(m.get('dev'), {});
});

test('a plain JSON map of namespace to labels is accepted', () => {
  const m = parseNamespaceLabels('{"shop": {"team": "a"}}');
  assert.deepEqual(m.get('shop'), { team: 'a' });
});

test('non-string label values are listed as bad fields', () => {
  assert.throws(
    () => parseNamespaceLabels('{"shop": {"n": 1, "ok": "x"}}'),
    (e: { code: string; fields: string[] }) => {
      return e.code === 'INPUT_MALFORMED' && e.fields.includes('shop.n');
    },
  );
});

test('an item without a name is INPUT_MALFORMED', () => {
  assert.throws(() => parseNamespaceLabels('items: [{metadata: {}}]'), { code: 'INPUT_MALFORMED' });
});

test('an oversized namespaces file is refused before parsing', () => {
  assert.throws(() => parseNamespaceLabels('a: {}\n'.repeat(100), 50), { code: 'INPUT_TOO_LARGE' });
});

test('a YAML alias bomb is refused', () => {
  const bomb = [
    'a: &a ["x","x","x","x","x","x","x","x","x"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  ].join('\n');
  assert.throws(() => parseNamespaceLabels(bomb), { code: 'INPUT_MALFORMED' });
});

test('a scalar document is INPUT_MALFORMED', () => {
  assert.throws(() => parseNamespaceLabels('42'), { code: 'INPUT_MALFORMED' });
});

test('labels from the API are fetched once per namespace within the TTL, and an unknown namespace has none', async (t) => {
  const { createServer } = await import('node:http');
  const { KubeClient } = await import('../../src/admission/index.js');
  let gets = 0;
  const api = createServer((req, res) => {
    gets += 1;
    if (req.url === '/api/v1/namespaces/prod') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ metadata: { name: 'prod', labels: { 'policy.sigstore.dev/include': 'true' } } }),
      );
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"message":"not found"}');
    }
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  t.after(() => api.close());
  const port = (api.address() as import('node:net').AddressInfo).port;
  let now = 0;
  const source = namespaceLabelsFromKube(new KubeClient({ server: `http://127.0.0.1:${port}` }), {
    ttlMs: 1000,
    now: () => now,
  });
  const all = await Promise.all(Array.from({ length: 20 }, () => source('prod')));
  assert.ok(all.every((l) => l['policy.sigstore.dev/include'] === 'true'));
  assert.equal(gets, 1);
  now = 1000;
  await source('prod');
  assert.equal(gets, 2);
  assert.deepEqual(await source('gone'), {});
});

test('labels from a namespaces file: an unlisted namespace has none', async () => {
  const source = namespaceLabelsFromMap(parseNamespaceLabels('{"shop": {"team": "a"}}'));
  assert.deepEqual(await source('shop'), { team: 'a' });
  assert.deepEqual(await source('other'), {});
});
