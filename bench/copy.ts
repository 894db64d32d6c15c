import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeTar } from '../src/archive/tar-writer.js';
import { copyImage } from '../src/oci/copy.js';
import { sha256Digest } from '../src/oci/digest.js';
import { createOciLayoutWriter } from '../src/oci/layout-dir.js';
import { MediaType } from '../src/oci/media-types.js';
import { registryClientFromEnv } from '../src/oci/registry-client.js';
import { startRegistry } from '../test/support/registry.js';
import type { BenchFigure, BenchScope } from './figure.js';

const LAYERS = 10;
const LAYER_BYTES = 20 * 1024 * 1024;
const ROUNDS = 3;

/**
 * `copy`: a ~200 MB, 10-layer image between two local registries, vouch vs `skopeo copy`, alternating
 * runs into fresh repositories so neither tool finds blobs already there.
 */
export async function benchCopy(scope: BenchScope): Promise<BenchFigure[]> {
  const a = await startRegistry(scope);
  const work = mkdtempSync(join(tmpdir(), 'vouch-bench-copy-'));
  scope.after(() => rmSync(work, { recursive: true, force: true }));

  // Incompressible layers, gzip level 1: the cost is moving bytes, as with real images.
  const layout = join(work, 'layout');
  const w = await createOciLayoutWriter(layout);
  const layers = [];
  const diffIds: string[] = [];
  for (let i = 0; i < LAYERS; i++) {
    const tar = writeTar([{ path: `data/layer-${i}.bin`, type: 'file', content: randomBytes(LAYER_BYTES) }], {
      mtime: 0,
    });
    const blob = gzipSync(tar, { level: 1 });
    const desc = { mediaType: MediaType.ociLayerGzip, digest: sha256Digest(blob), size: blob.length };
    await w.putBlob(desc, blob);
    layers.push(desc);
    diffIds.push(sha256Digest(tar));
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: diffIds },
      config: {},
    }),
  );
  const configDesc = { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length };
  await w.putBlob(configDesc, config);
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: configDesc, layers }),
  );
  const digest = await w.putManifest(manifest, MediaType.ociManifest, 'big');
  await w.commit();
  const totalBytes = layers.reduce((n, l) => n + l.size, 0);

  const client = registryClientFromEnv({ insecureRegistries: [a.host], now: () => new Date() });
  const { openOciLayout } = await import('../src/oci/layout-dir.js');
  await copyImage(
    await openOciLayout(layout),
    'big',
    client.repository({ registry: a.host, repository: 'bench/big' }),
    {
      tag: 'v1',
    },
  );

  const vouchMs: number[] = [];
  const skopeoMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // A fresh, empty destination registry per tool and round: skopeo's blob-info cache would otherwise
    // turn later rounds into cross-repository mounts, which measures nothing.
    const b = await startRegistry(scope);
    const c = await startRegistry(scope);
    let t0 = performance.now();
    const fresh = registryClientFromEnv({ insecureRegistries: [a.host, b.host], now: () => new Date() });
    const result = await copyImage(
      fresh.repository({ registry: a.host, repository: 'bench/big' }),
      'v1',
      fresh.repository({ registry: b.host, repository: 'vouch/copy' }),
      { tag: 'v1' },
    );
    vouchMs.push(performance.now() - t0);
    if (result.digest !== digest) throw new Error(`bench copy: digest changed ${digest} -> ${result.digest}`);
    t0 = performance.now();
    execFileSync('skopeo', [
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${a.host}/bench/big:v1`,
      `docker://${c.host}/skopeo/copy:v1`,
    ]);
    skopeoMs.push(performance.now() - t0);
    await b.stop();
    await c.stop();
  }
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
  const v = median(vouchMs);
  const s = median(skopeoMs);
  return [
    { name: 'copy: image size', value: totalBytes / 1e6, unit: 'MB' },
    { name: 'copy: vouch registry->registry (median of 3)', value: v, unit: 'ms' },
    { name: 'copy: skopeo registry->registry (median of 3)', value: s, unit: 'ms' },
    { name: 'copy: vouch / skopeo time ratio (<1 = vouch faster)', value: v / s, unit: 'x' },
    { name: 'copy: vouch throughput', value: totalBytes / 1e6 / (v / 1000), unit: 'MB/s' },
  ];
}
