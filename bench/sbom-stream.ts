// Peak memory of writing a CycloneDX SBOM of a million components as chunks (src/sbom/formats/
// json-chunks.ts) to a file: the model, the document objects and one 64 KiB batch at a time, never
// the text as one string (which, at ~700 MB, V8 cannot even hold).
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { cycloneDxChunks } from '../src/sbom/formats/cyclonedx.js';
import type { SbomResult } from '../src/sbom/generate.js';
import type { Component } from '../src/sbom/model.js';
import type { BenchFigure, BenchScope } from './figure.js';

const N = 1_000_000;

export async function benchSbomStream(scope: BenchScope): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-bench-sbom-stream-'));
  scope.after(() => rmSync(dir, { recursive: true, force: true }));
  const components: Component[] = Array.from({ length: N }, (_, i) => ({
    name: `pkg-${i}`,
    version: `1.${i}.0`,
    purl: `pkg:npm/pkg-${String(i).padStart(7, '0')}@1.${i}.0`,
    type: 'library',
    license: 'MIT',
    hashes: [],
    scope: 'required',
    foundBy: ['javascript-lock-cataloger'],
    locations: [{ path: '/package-lock.json' }],
    dependsOn: [],
  }));
  const result: SbomResult = { source: 'dir:big', components, warnings: [] };
  const modelRss = process.memoryUsage().rss;
  const file = join(dir, 'sbom.cdx.json');
  const started = performance.now();
  await pipeline(
    Readable.from(cycloneDxChunks(result, { now: new Date(0), deterministic: true })),
    createWriteStream(file),
  );
  const seconds = (performance.now() - started) / 1000;
  return [
    { name: 'sbom-stream: components', value: N, unit: 'components' },
    { name: 'sbom-stream: document size', value: statSync(file).size / 2 ** 20, unit: 'MiB' },
    { name: 'sbom-stream: RSS with the model built', value: modelRss / 2 ** 20, unit: 'MiB' },
    {
      name: 'sbom-stream: peak RSS (model + deterministic write)',
      value: process.resourceUsage().maxRSS / 1024,
      unit: 'MiB',
    },
    { name: 'sbom-stream: write time (two passes: hash, then write)', value: seconds, unit: 's' },
  ];
}
