// `sbom`: vouch's SBOM generation over a large real npm lockfile, against OWASP cdxgen on the same
// directory (wall time and component sets by normalised purl), and an image SBOM of a ~200 MB image
// pulled from a local registry. The npm corpus is made once by npm itself (`npm i --package-lock-only`
// in .bench/sbom-npm, which needs the npm registry) and reused; cdxgen is installed into .bench/peers.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { writeTar } from '../src/archive/tar-writer.js';
import { sha256Digest } from '../src/oci/digest.js';
import { MediaType } from '../src/oci/media-types.js';
import { registryClientFromEnv } from '../src/oci/registry-client.js';
import {
  generateSbom,
  openDirTree,
  openSbomSource,
  parseSbomSource,
  serializeCycloneDx,
  serializeSpdx,
} from '../src/sbom/index.js';
import { startRegistry } from '../test/support/registry.js';
import type { BenchFigure, BenchScope } from './figure.js';
import { CDXGEN_ENV, CDXGEN_VERSION, cdxgenArgs, ensureCdxgen, runCdxgen } from './peers/cdxgen.js';
import { type ProcessTime, timeProcess } from './peers/process-time.js';
import { buildVouch } from './peers/vouch-build.js';

const ROOT = new URL('..', import.meta.url).pathname;
const CORPUS = join(ROOT, '.bench', 'sbom-npm');
const PACKAGES = [
  'next',
  'react',
  'react-dom',
  'webpack',
  'eslint',
  'jest',
  'typescript',
  '@angular/cli',
  'gatsby',
  'aws-sdk',
  '@babel/core',
  'storybook',
];
const ROUNDS = 7;

/** Creates the npm corpus if absent; returns its directory. */
export function ensureNpmCorpus(): string {
  if (existsSync(join(CORPUS, 'package-lock.json'))) return CORPUS;
  mkdirSync(CORPUS, { recursive: true });
  writeFileSync(
    join(CORPUS, 'package.json'),
    `${JSON.stringify({ name: 'vouch-bench-npm', version: '1.0.0', private: true })}\n`,
  );
  execFileSync(
    'npm',
    [
      'i',
      '--package-lock-only',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--legacy-peer-deps',
      ...PACKAGES,
    ],
    {
      cwd: CORPUS,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return CORPUS;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** Every benchmark of the SBOM area: in-process, against cdxgen, and an image from a registry. */
export async function benchSbom(scope: BenchScope): Promise<BenchFigure[]> {
  return [...(await benchNpmInProcess()), ...benchVsCdxgen(scope), ...(await benchImage(scope))];
}

/** Times scan + CycloneDX + SPDX on the npm corpus (median of ROUNDS, after one warm-up). */
async function benchNpmInProcess(): Promise<BenchFigure[]> {
  const dir = ensureNpmCorpus();
  const now = new Date(0);
  const scan: number[] = [];
  const cdx: number[] = [];
  const spdx: number[] = [];
  let components = 0;
  let bytes = 0;
  for (let i = 0; i <= ROUNDS; i++) {
    const t0 = performance.now();
    const r = await generateSbom(await openDirTree(dir));
    const t1 = performance.now();
    const doc = serializeCycloneDx(r, { now, deterministic: true });
    const t2 = performance.now();
    serializeSpdx(r, { now, deterministic: true });
    const t3 = performance.now();
    if (i === 0) continue; // warm-up: JIT and file cache
    scan.push(t1 - t0);
    cdx.push(t2 - t1);
    spdx.push(t3 - t2);
    components = r.components.length;
    bytes = doc.length;
  }
  return [
    { name: 'sbom npm corpus: components', value: components, unit: 'components' },
    { name: 'sbom npm corpus: scan (read + catalog + merge), median', value: median(scan), unit: 'ms' },
    { name: 'sbom npm corpus: CycloneDX 1.6 JSON serialise, median', value: median(cdx), unit: 'ms' },
    { name: 'sbom npm corpus: SPDX 2.3 JSON serialise, median', value: median(spdx), unit: 'ms' },
    {
      name: 'sbom npm corpus: scan + CycloneDX end to end, median',
      value: median(scan) + median(cdx),
      unit: 'ms',
    },
    { name: 'sbom npm corpus: CycloneDX document size', value: bytes, unit: 'bytes' },
  ];
}

/**
 * A purl reduced to what identifies a package across tools: percent-decoding undone (cdxgen and vouch
 * both write `%40` for npm scopes, but other tools differ), qualifiers and subpath dropped (cdxgen adds
 * none for npm; vouch adds none either, but OS packages carry arch/distro).
 */
export function normalisePurl(purl: string): string {
  const noSubpath = purl.split('#')[0] ?? purl;
  const noQualifiers = noSubpath.split('?')[0] ?? noSubpath;
  return decodeURIComponent(noQualifiers);
}

/**
 * Normalised purl -> CycloneDX scope (absent means `required`, CycloneDX 1.6 §component.scope). The
 * project itself counts wherever a tool puts it: cdxgen as `metadata.component`, vouch as a component
 * with `vouch:origin` root.
 */
function purlScopes(cdxJson: string): Map<string, string> {
  const doc = JSON.parse(cdxJson) as {
    components?: Array<{ purl?: string; scope?: string }>;
    metadata?: { component?: { purl?: string } };
  };
  const root = doc.metadata?.component?.purl;
  return new Map([
    ...(doc.components ?? []).flatMap((c) =>
      c.purl ? [[normalisePurl(c.purl), c.scope ?? 'required'] as const] : [],
    ),
    ...(root ? [[normalisePurl(root), 'required'] as const] : []),
  ]);
}

const PEER_ROUNDS = 3;

/**
 * vouch vs cdxgen on the same npm corpus, process against process: each starts node, loads its
 * compiled JavaScript, reads the lockfile and writes CycloneDX JSON to a file. Runs alternate, one
 * warm-up each, then the median of PEER_ROUNDS for wall time and for CPU time (user + sys). Then the
 * component sets by normalised purl, with every difference printed.
 */
function benchVsCdxgen(scope: BenchScope): BenchFigure[] {
  const dir = ensureNpmCorpus();
  ensureCdxgen();
  const vouchEntry = buildVouch();
  const work = mkdtempSync(join(tmpdir(), 'vouch-bench-sbom-'));
  scope.after(() => rmSync(work, { recursive: true, force: true }));
  const vouchOut = join(work, 'vouch.cdx.json');
  const cdxgenOut = join(work, 'cdxgen.cdx.json');
  const vouchArgs = [vouchEntry, 'sbom', dir, '-o', `cyclonedx-json=${vouchOut}`];
  const runVouch = (): ProcessTime => timeProcess(process.execPath, vouchArgs, { cwd: ROOT });
  console.log(`sbom vs cdxgen: vouch: node ${vouchArgs.join(' ')}`);
  console.log(
    `sbom vs cdxgen: cdxgen ${CDXGEN_VERSION}: ${Object.entries(CDXGEN_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} node ${cdxgenArgs(dir, cdxgenOut).join(' ')}`,
  );
  runVouch();
  runCdxgen(dir, cdxgenOut);
  const vouchRuns: ProcessTime[] = [];
  const cdxgenRuns: ProcessTime[] = [];
  for (let i = 0; i < PEER_ROUNDS; i++) {
    vouchRuns.push(runVouch());
    cdxgenRuns.push(runCdxgen(dir, cdxgenOut));
  }
  // How much of vouch's process time is starting the CLI at all (node + loading every command).
  const startup = [0, 1, 2].map(() =>
    timeProcess(process.execPath, [vouchEntry, '--version'], { cwd: ROOT }),
  );
  const ours = purlScopes(readFileSync(vouchOut, 'utf8'));
  const theirs = purlScopes(readFileSync(cdxgenOut, 'utf8'));
  const onlyCdxgen = [...theirs.keys()].filter((p) => !ours.has(p)).sort();
  const onlyVouch = [...ours.keys()].filter((p) => !theirs.has(p)).sort();
  for (const p of onlyCdxgen) console.log(`sbom vs cdxgen: only cdxgen: ${p}`);
  for (const p of onlyVouch) console.log(`sbom vs cdxgen: only vouch:  ${p}`);
  const scopeDiffs = [...ours].filter(([p, scope]) => theirs.has(p) && theirs.get(p) !== scope).sort();
  for (const [p, scope] of scopeDiffs) {
    console.log(`sbom vs cdxgen: scope differs: ${p}: vouch ${scope}, cdxgen ${theirs.get(p) ?? '?'}`);
  }
  const vWall = median(vouchRuns.map((r) => r.wallMs));
  const cWall = median(cdxgenRuns.map((r) => r.wallMs));
  const vCpu = median(vouchRuns.map((r) => r.cpuMs));
  const cCpu = median(cdxgenRuns.map((r) => r.cpuMs));
  return [
    { name: 'sbom vs cdxgen: vouch process wall time, median', value: vWall, unit: 'ms' },
    { name: `sbom vs cdxgen: cdxgen ${CDXGEN_VERSION} process wall time, median`, value: cWall, unit: 'ms' },
    {
      name: 'sbom vs cdxgen: cdxgen / vouch wall-time ratio (>1 = vouch faster)',
      value: cWall / vWall,
      unit: 'x',
    },
    { name: 'sbom vs cdxgen: vouch process CPU time (user+sys), median', value: vCpu, unit: 'ms' },
    { name: `sbom vs cdxgen: cdxgen ${CDXGEN_VERSION} process CPU time, median`, value: cCpu, unit: 'ms' },
    {
      name: 'sbom vs cdxgen: cdxgen / vouch CPU-time ratio (>1 = vouch faster)',
      value: cCpu / vCpu,
      unit: 'x',
    },
    {
      name: 'sbom vs cdxgen: of which vouch startup (`vouch --version`) CPU time, median',
      value: median(startup.map((r) => r.cpuMs)),
      unit: 'ms',
    },
    { name: 'sbom vs cdxgen: purls found by vouch', value: ours.size, unit: 'purls' },
    { name: 'sbom vs cdxgen: purls found by cdxgen', value: theirs.size, unit: 'purls' },
    { name: 'sbom vs cdxgen: purls only cdxgen found', value: onlyCdxgen.length, unit: 'purls' },
    { name: 'sbom vs cdxgen: purls only vouch found', value: onlyVouch.length, unit: 'purls' },
    { name: 'sbom vs cdxgen: common purls whose scope differs', value: scopeDiffs.length, unit: 'purls' },
  ];
}

const IMAGE_FILLER_LAYERS = 9;
const IMAGE_FILLER_BYTES = 22 * 1024 * 1024;
const IMAGE_ROUNDS = 3;

/**
 * An image SBOM of a ~200 MB image in a local registry: nine layers of incompressible filler (the bytes
 * every layer walk must stream, gunzip and hash) under a top layer of real package databases (the test
 * fixtures' Debian dpkg status and os-release, the npm corpus lockfile). Times resolve + walk + catalog,
 * median of IMAGE_ROUNDS; the registry and vouch share this machine.
 */
async function benchImage(scope: BenchScope): Promise<BenchFigure[]> {
  const reg = await startRegistry(scope);
  const client = registryClientFromEnv({ insecureRegistries: [reg.host], now: () => new Date() });
  const repo = client.repository({ registry: reg.host, repository: 'bench/sbom' });
  const fixtures = join(ROOT, 'test', 'fixtures', 'sbom');
  const layers: Array<{ mediaType: string; digest: ReturnType<typeof sha256Digest>; size: number }> = [];
  const diffIds: string[] = [];
  const push = async (tar: Buffer): Promise<void> => {
    const blob = gzipSync(tar, { level: 1 });
    const desc = { mediaType: MediaType.ociLayerGzip, digest: sha256Digest(blob), size: blob.length };
    await repo.putBlob(desc, blob);
    layers.push(desc);
    diffIds.push(sha256Digest(tar));
  };
  for (let i = 0; i < IMAGE_FILLER_LAYERS; i++) {
    await push(
      writeTar(
        [{ path: `opt/filler/layer-${i}.bin`, type: 'file', content: randomBytes(IMAGE_FILLER_BYTES) }],
        { mtime: 0 },
      ),
    );
  }
  await push(
    writeTar(
      [
        {
          path: 'etc/os-release',
          type: 'file',
          content: readFileSync(join(fixtures, 'rootfs-debian/etc/os-release')),
        },
        {
          path: 'var/lib/dpkg/status',
          type: 'file',
          content: readFileSync(join(fixtures, 'rootfs-debian/var/lib/dpkg/status')),
        },
        { path: 'app/package.json', type: 'file', content: readFileSync(join(CORPUS, 'package.json')) },
        {
          path: 'app/package-lock.json',
          type: 'file',
          content: readFileSync(join(CORPUS, 'package-lock.json')),
        },
      ],
      { mtime: 0 },
    ),
  );
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: diffIds },
      config: {},
    }),
  );
  const configDesc = { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length };
  await repo.putBlob(configDesc, config);
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: configDesc, layers }),
  );
  await repo.putManifest(manifest, MediaType.ociManifest, 'v1');
  const totalBytes = layers.reduce((n, l) => n + l.size, 0);

  const source = `registry:${reg.host}/bench/sbom:v1`;
  const times: number[] = [];
  let components = 0;
  for (let i = 0; i < IMAGE_ROUNDS; i++) {
    const t0 = performance.now();
    const opened = await openSbomSource(parseSbomSource(source, ROOT), {
      open: { insecureRegistries: [reg.host], cwd: ROOT },
      defaultPlatform: { os: 'linux', architecture: 'amd64' },
    });
    const r = await generateSbom(
      opened.tree,
      opened.kind === 'image' ? { image: opened.image, onBadFile: 'warn' } : {},
    );
    times.push(performance.now() - t0);
    components = r.components.length;
  }
  const ms = median(times);
  return [
    { name: 'sbom image: compressed size in the registry', value: totalBytes / 1e6, unit: 'MB' },
    { name: 'sbom image: components (dpkg + npm)', value: components, unit: 'components' },
    {
      name: `sbom image: registry pull + layer walk + catalog, median of ${IMAGE_ROUNDS}`,
      value: ms,
      unit: 'ms',
    },
    { name: 'sbom image: throughput', value: totalBytes / 1e6 / (ms / 1000), unit: 'MB/s' },
  ];
}
