// `sbom`: vouch's SBOM generation over a large real npm lockfile. The corpus is made once by npm itself
// (`npm i --package-lock-only` in .bench/sbom-npm, which needs the npm registry) and reused afterwards.
// The cdxgen comparison is added by the lead once cdxgen is installed for the bench.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateSbom, openDirTree, serializeCycloneDx, serializeSpdx } from '../src/sbom/index.js';
import type { BenchFigure, BenchScope } from './figure.js';

const CORPUS = join(new URL('..', import.meta.url).pathname, '.bench', 'sbom-npm');
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

/** Times scan + CycloneDX + SPDX on the npm corpus (median of ROUNDS, after one warm-up). */
export async function benchSbom(_scope?: BenchScope): Promise<BenchFigure[]> {
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
