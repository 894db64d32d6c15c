// An image whose config blob is not a JSON object, and an index nested far deeper than any real image,
// are refused by name (INPUT_MALFORMED, exit 2) by every command that reads them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeTar } from '../../src/archive/index.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { createOciLayoutWriter } from '../../src/oci/layout-dir.js';
import { MediaType } from '../../src/oci/media-types.js';
import { runCli } from '../support/cli.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-config-hostile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A layout holding one image whose config blob is `config`, tagged v1 (or wrapped in `depth` indexes). */
async function layout(dir: string, config: Buffer, depth = 0): Promise<string> {
  const path = join(dir, 'layout');
  const w = await createOciLayoutWriter(path);
  const layer = writeTar([{ path: 'etc/hostname', type: 'file', content: 'x\n' }], { mtime: 0 });
  const configDesc = {
    mediaType: MediaType.ociConfig,
    digest: sha256Digest(config),
    size: config.byteLength,
  };
  const layerDesc = { mediaType: MediaType.ociLayer, digest: sha256Digest(layer), size: layer.byteLength };
  await w.putBlob(configDesc, config);
  await w.putBlob(layerDesc, layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: configDesc,
      layers: [layerDesc],
    }),
  );
  let top: {
    mediaType: string;
    digest: string;
    size: number;
    platform?: { os: string; architecture: string };
  } = {
    mediaType: MediaType.ociManifest,
    digest: await w.putManifest(manifest, MediaType.ociManifest, depth === 0 ? 'v1' : undefined),
    size: manifest.byteLength,
    platform: { os: 'linux', architecture: 'amd64' },
  };
  for (let i = 0; i < depth; i++) {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: [
          {
            mediaType: top.mediaType,
            digest: top.digest,
            size: top.size,
            ...(top.platform ? { platform: top.platform } : {}),
          },
        ],
      }),
    );
    top = {
      mediaType: MediaType.ociIndex,
      digest: await w.putManifest(index, MediaType.ociIndex, i === depth - 1 ? 'v1' : undefined),
      size: index.byteLength,
    };
  }
  await w.commit();
  return `oci-dir:${path}:v1`;
}

for (const [what, config] of [
  ['not JSON', Buffer.from('this is not json')],
  ['a JSON array', Buffer.from('[1,2,3]')],
] as const) {
  for (const command of ['inspect', 'sbom']) {
    test(`${command} refuses an image whose config is ${what} (INPUT_MALFORMED, exit 2)`, async (t) => {
      const src = await layout(tempDir(t), config);
      const r = await runCli([command, src]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /image config is not (valid JSON|a JSON object)/);
      assert.equal(r.stdout, '');
    });
  }
}

test('an image with a JSON config still inspects and catalogs', async (t) => {
  const src = await layout(
    tempDir(t),
    Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'),
  );
  assert.equal((await runCli(['inspect', src])).code, 0);
  assert.equal((await runCli(['sbom', src])).code, 0);
});

test('sbom on an index nested 1,000 deep names the nesting, not a missing platform', async (t) => {
  const src = await layout(tempDir(t), Buffer.from('{"architecture":"amd64","os":"linux"}'), 1000);
  const r = await runCli(['sbom', src]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /indexes nested more than 4 deep/);
});

test('sbom finds the platform through an index nested within the limit', async (t) => {
  const src = await layout(tempDir(t), Buffer.from('{"architecture":"amd64","os":"linux"}'), 3);
  const r = await runCli(['sbom', '--platform', 'linux/amd64', src]);
  assert.equal(r.code, 0, r.stderr);
});
