import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyImage } from '../src/oci/copy.js';
import { buildImage } from '../src/oci/image-builder.js';
import { createOciLayoutWriter, openOciLayout } from '../src/oci/layout-dir.js';
import { type RegistryClient, registryClientFromEnv } from '../src/oci/registry-client.js';
import { appendToCosignTag, readAttachedSignatures } from '../src/sign/cosign-storage.js';
import { privateKeyFromKeyObject } from '../src/crypto/key-material.js';
import { signImageLayer } from '../src/sign/sign-image.js';
import { verifyAttachedSignatures } from '../src/sign/verify-attached.js';
import { startRegistry } from '../test/support/registry.js';
import type { BenchFigure, BenchScope } from './figure.js';

const ROUNDS = 20;

/**
 * `verify`: `vouch verify --key` of a key-signed image in a local registry, as the library does it
 * (resolve the tag once, read the .sig manifest + payload, verify). Cold: a new registry client per
 * run (new connections, token cache empty); warm: one client reused across runs.
 */
export async function benchVerify(scope: BenchScope): Promise<BenchFigure[]> {
  const reg = await startRegistry(scope);
  const work = mkdtempSync(join(tmpdir(), 'vouch-bench-verify-'));
  scope.after(() => rmSync(work, { recursive: true, force: true }));
  const layout = join(work, 'layout');
  const w = await createOciLayoutWriter(layout);
  await buildImage(w, {
    created: new Date('2026-01-01T00:00:00Z'),
    layers: [[{ path: 'app/hello.txt', content: 'bench\n' }]],
    tag: 'v1',
  });
  await w.commit();
  const setup = registryClientFromEnv({ insecureRegistries: [reg.host], now: () => new Date() });
  const repo = setup.repository({ registry: reg.host, repository: 'bench/verify' });
  const { digest } = await copyImage(await openOciLayout(layout), 'v1', repo, { tag: 'v1' });
  const key = privateKeyFromKeyObject(
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    'bench key',
  );
  const layer = signImageLayer(key, { dockerReference: `${reg.host}/bench/verify`, digest });
  await appendToCosignTag({ reader: repo, writer: repo }, digest, 'sig', layer, new Date());
  const trust = { kind: 'key' as const, keys: [key.publicKey] };

  const once = async (client: RegistryClient): Promise<number> => {
    const t0 = performance.now();
    const r = client.repository({ registry: reg.host, repository: 'bench/verify' });
    const resolved = await r.fetchManifest('v1');
    const attached = await readAttachedSignatures(r, resolved.digest);
    const v = verifyAttachedSignatures({ attached, trust, now: new Date() });
    if (!v.ok) throw new Error(`bench verify: ${v.error?.message ?? 'failed'}`);
    return performance.now() - t0;
  };
  const fresh = (): RegistryClient =>
    registryClientFromEnv({ insecureRegistries: [reg.host], now: () => new Date() });
  const cold: number[] = [];
  for (let i = 0; i < ROUNDS; i++) cold.push(await once(fresh()));
  const shared = fresh();
  await once(shared);
  const warm: number[] = [];
  for (let i = 0; i < ROUNDS; i++) warm.push(await once(shared));
  return [
    {
      name: 'verify key-signed image, local registry, cold client (median)',
      value: median(cold),
      unit: 'ms',
    },
    {
      name: 'verify key-signed image, local registry, warm client (median)',
      value: median(warm),
      unit: 'ms',
    },
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}
