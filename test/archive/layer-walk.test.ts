import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type LayerSource, type TarWriteEntry, walkLayers, writeTar } from '../../src/archive/index.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { openOciLayout } from '../../src/oci/layout-dir.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { umoci, umociImage } from '../support/umoci.js';

function layer(entries: TarWriteEntry[]): LayerSource {
  const blob = gzipSync(writeTar(entries, { mtime: 0 }));
  return { digest: sha256Digest(blob), open: async () => Readable.from([blob]) };
}

async function merged(
  layers: LayerSource[],
): Promise<Map<string, { layer: string; type: string; data: string }>> {
  const out = new Map<string, { layer: string; type: string; data: string }>();
  for await (const e of walkLayers(layers, { what: 'test image' })) {
    const chunks: Buffer[] = [];
    for await (const c of e.body) chunks.push(c as Buffer);
    assert.ok(!out.has(e.header.path), `${e.header.path} yielded twice`);
    out.set(e.header.path, { layer: e.layer, type: e.header.type, data: Buffer.concat(chunks).toString() });
  }
  return out;
}

const base = layer([
  { path: 'etc', type: 'directory' },
  { path: 'etc/os-release', type: 'file', content: 'ID=base\n' },
  { path: 'etc/keep', type: 'file', content: 'kept\n' },
  { path: 'opt', type: 'directory' },
  { path: 'opt/old', type: 'file', content: 'old\n' },
  { path: 'var', type: 'directory' },
  { path: 'var/cache', type: 'directory' },
  { path: 'var/cache/junk', type: 'file', content: 'junk\n' },
  { path: 'srv', type: 'directory' },
  { path: 'srv/data', type: 'file', content: 'data\n' },
]);

test('a file in an upper layer replaces the same path below, and reports the upper layer', async () => {
  const upper = layer([{ path: 'etc/os-release', type: 'file', content: 'ID=app\n' }]);
  const view = await merged([base, upper]);
  assert.equal(view.get('etc/os-release')?.data, 'ID=app\n');
  assert.equal(view.get('etc/os-release')?.layer, upper.digest);
  assert.equal(view.get('etc/keep')?.layer, base.digest);
});

test('a .wh. whiteout deletes the file and everything below a deleted directory', async () => {
  const upper = layer([
    { path: 'etc/.wh.keep', type: 'file' },
    { path: '.wh.var', type: 'file' },
  ]);
  const view = await merged([base, upper]);
  assert.ok(!view.has('etc/keep'));
  assert.ok(!view.has('var'));
  assert.ok(!view.has('var/cache/junk'));
  assert.ok(view.has('etc/os-release'));
  assert.ok(![...view.keys()].some((p) => p.includes('.wh.')), 'whiteout markers are not part of the view');
});

test('an opaque directory hides what lower layers put in it but keeps its own content', async () => {
  const upper = layer([
    { path: 'opt', type: 'directory' },
    { path: 'opt/.wh..wh..opq', type: 'file' },
    { path: 'opt/new', type: 'file', content: 'new\n' },
  ]);
  const view = await merged([base, upper]);
  assert.ok(!view.has('opt/old'));
  assert.equal(view.get('opt/new')?.data, 'new\n');
  assert.equal(view.get('opt')?.layer, upper.digest);
});

test('a directory replaced by a file in an upper layer takes its lower children with it', async () => {
  const upper = layer([{ path: 'srv', type: 'file', content: 'now a file\n' }]);
  const view = await merged([base, upper]);
  assert.equal(view.get('srv')?.type, 'file');
  assert.ok(!view.has('srv/data'));
});

test('a whiteout applies only to lower layers, and a later layer can re-create the path', async () => {
  const middle = layer([{ path: 'etc/.wh.keep', type: 'file' }]);
  const top = layer([{ path: 'etc/keep', type: 'file', content: 'back\n' }]);
  const view = await merged([base, middle, top]);
  assert.equal(view.get('etc/keep')?.data, 'back\n');
  assert.equal(view.get('etc/keep')?.layer, top.digest);
});

test('layers are opened lazily, top first, only when the walk reaches them', async () => {
  const opened: string[] = [];
  const track = (name: string, l: LayerSource): LayerSource => ({
    digest: l.digest,
    open: async () => {
      opened.push(name);
      return l.open();
    },
  });
  const it = walkLayers(
    [track('base', base), track('top', layer([{ path: 'x', type: 'file', content: '' }]))],
    {
      what: 't',
    },
  );
  const first = await it.next();
  assert.equal(first.done, false);
  assert.deepEqual(opened, ['top']);
  await it.return(undefined);
});

test('a file deleted with umoci (whiteout written by umoci repack) is absent from the merged view', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-walk-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const layout = join(dir, 'layout');
  await umociImage(layout, 'v1', { 'app/keep.txt': 'keep\n', 'app/secret.txt': 'gone\n' });
  const bundle = join(dir, 'bundle');
  await umoci(['unpack', '--rootless', '--image', `${layout}:v1`, bundle]);
  unlinkSync(join(bundle, 'rootfs/app/secret.txt'));
  await umoci(['repack', '--image', `${layout}:v1`, bundle]);

  const reader = await openOciLayout(layout);
  const fetched = await reader.fetchManifest('v1');
  const manifest = parseManifest(fetched.bytes, fetched.mediaType, 'test');
  assert.equal(manifest.kind, 'manifest');
  if (manifest.kind !== 'manifest') return;
  assert.equal(manifest.layers.length, 2);
  const layers: LayerSource[] = manifest.layers.map((d) => ({
    digest: d.digest,
    open: () => reader.fetchBlob(d),
  }));
  const view = await merged(layers);
  assert.equal(view.get('app/keep.txt')?.data, 'keep\n');
  assert.equal(view.get('app/keep.txt')?.layer, manifest.layers[0]?.digest);
  assert.ok(!view.has('app/secret.txt'));
});
