import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { LayerSource } from '../../../src/archive/index.js';
import { writeTar } from '../../../src/archive/index.js';
import { sha256Digest } from '../../../src/oci/digest.js';
import { generateSbom } from '../../../src/sbom/index.js';
import { openImageLayersTree } from '../../../src/sbom/sources/image-layers.js';
import { fixture } from '../fixtures.js';

function layer(entries: Parameters<typeof writeTar>[0]): LayerSource {
  const tar = writeTar(entries, { mtime: 0 });
  return {
    digest: sha256Digest(tar),
    open: async () =>
      (async function* () {
        yield tar;
      })(),
  };
}

const status = readFileSync(fixture('rootfs-debian/var/lib/dpkg/status'));
const osRelease = readFileSync(fixture('rootfs-debian/etc/os-release'));
const lock = readFileSync(fixture('npm-v3/package-lock.json'));

test('an image SBOM records the layer each package came from and honours whiteouts', async () => {
  const base = layer([
    { path: 'usr/lib/os-release', type: 'file', content: osRelease },
    { path: 'etc/os-release', type: 'symlink', linkpath: '../usr/lib/os-release' },
    { path: 'var/lib/dpkg/status', type: 'file', content: status },
    { path: 'old/package-lock.json', type: 'file', content: lock },
  ]);
  const app = layer([
    { path: 'app/package-lock.json', type: 'file', content: lock },
    { path: 'old/.wh.package-lock.json', type: 'file', content: '' },
  ]);
  const tree = openImageLayersTree([base, app], { description: 'oci-dir:test' });
  const r = await generateSbom(tree, { image: { name: 'test', digest: `sha256:${'b'.repeat(64)}` } });
  assert.equal(r.os?.distro, 'debian-12');
  const ms = r.components.find((c) => c.purl === 'pkg:npm/ms@2.1.2');
  assert.deepEqual(ms?.locations, [{ path: 'app/package-lock.json', layer: app.digest }]);
  const openssl = r.components.find((c) => c.name === 'openssl');
  assert.deepEqual(openssl?.locations, [{ path: 'var/lib/dpkg/status', layer: base.digest }]);
  assert.ok(openssl?.purl.includes('distro=debian-12'));
});

test('an image file over the byte limit is skipped with a warning', async () => {
  const tree = openImageLayersTree(
    [layer([{ path: 'app/package-lock.json', type: 'file', content: lock }])],
    {
      description: 'oci-dir:test',
    },
  );
  const r = await generateSbom(tree, { limits: { catalogFileMaxBytes: 100 } });
  assert.deepEqual(r.components, []);
  assert.equal(r.warnings[0]?.path, 'app/package-lock.json');
});
