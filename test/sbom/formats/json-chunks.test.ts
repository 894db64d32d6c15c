// SBOMs are written as chunks (src/sbom/formats/json-chunks.ts) and the text is byte for byte what the
// one-string serializers give, deterministic serial numbers and namespaces included.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { writeFileAtomic } from '../../../src/fs/atomic-file.js';
import { cycloneDxChunks, serializeCycloneDx } from '../../../src/sbom/formats/cyclonedx.js';
import { jsonChunks } from '../../../src/sbom/formats/json-chunks.js';
import { serializeSpdx, spdxChunks } from '../../../src/sbom/formats/spdx.js';
import type { SbomResult } from '../../../src/sbom/generate.js';
import type { Component } from '../../../src/sbom/model.js';

const VALUES: ReadonlyArray<Record<string, unknown>> = [
  {},
  { a: [] },
  { a: [{}], b: {} },
  {
    s: 'line\nbreak "quoted" \u2028 ü',
    n: 1.5,
    t: true,
    z: null,
    u: undefined,
    nested: { x: [1, [2, { y: [] }]] },
  },
  { list: [1, 'two', null, { deep: { deeper: ['a', 'b'] } }, [], [[]]] },
  { list: Array.from({ length: 5000 }, (_, i) => ({ i, name: `pkg-${i}`, tags: [i, `t${i}`] })) },
];

for (const [i, v] of VALUES.entries()) {
  test(`jsonChunks gives JSON.stringify(value, null, 2) for value ${i}`, () => {
    assert.equal([...jsonChunks(v)].join(''), JSON.stringify(v, null, 2));
  });
}

function components(n: number): Component[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `pkg-${i}`,
    version: `1.${i}.0`,
    purl: `pkg:npm/pkg-${String(i).padStart(6, '0')}@1.${i}.0`,
    type: 'library',
    license: 'MIT',
    hashes: [{ alg: 'SHA-256', content: 'ab'.repeat(32) }],
    scope: 'required',
    foundBy: ['javascript-lock-cataloger'],
    locations: [{ path: '/package-lock.json' }],
    dependsOn: i > 0 ? [`pkg:npm/pkg-${String(i - 1).padStart(6, '0')}@1.${i - 1}.0`] : [],
  }));
}

const RESULT: SbomResult = { source: 'dir:app', components: components(300), warnings: [] };
const NOW = new Date('2026-01-02T03:04:05Z');

test('CycloneDX chunks are the deterministic CycloneDX text', () => {
  const opts = { now: NOW, deterministic: true };
  assert.equal([...cycloneDxChunks(RESULT, opts)].join(''), serializeCycloneDx(RESULT, opts));
});

test('SPDX chunks are the deterministic SPDX text', () => {
  const opts = { now: NOW, deterministic: true };
  assert.equal([...spdxChunks(RESULT, opts)].join(''), serializeSpdx(RESULT, opts));
});

test('without --deterministic the chunks carry a random serial number each time', () => {
  const a = [...cycloneDxChunks(RESULT, { now: NOW })].join('');
  const b = [...cycloneDxChunks(RESULT, { now: NOW })].join('');
  assert.notEqual(a, b);
  assert.equal(a.replace(/urn:uuid:[0-9a-f-]+/, ''), b.replace(/urn:uuid:[0-9a-f-]+/, ''));
});

test('200,000 components are written without building the document as one string', () => {
  const big: SbomResult = { source: 'dir:big', components: components(200_000), warnings: [] };
  let chars = 0;
  let largest = 0;
  for (const c of cycloneDxChunks(big, { now: NOW, deterministic: true })) {
    chars += c.length;
    largest = Math.max(largest, c.length);
  }
  // The whole is hundreds of MB; no chunk is more than a batch plus one component.
  assert.ok(chars > 100_000_000, `${chars} characters`);
  assert.ok(largest < 128 * 1024, `largest chunk ${largest} characters`);
});

test('jsonChunks gives JSON.stringify(value, null, 2) for any JSON value at every streaming depth', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 6 }), (v, depth) => {
      assert.equal([...jsonChunks(v, depth)].join(''), JSON.stringify(v, null, 2));
    }),
    { seed: 20261208, numRuns: 500, interruptAfterTimeLimit: 10_000 },
  );
});

test('an atomic write of chunks is the joined text', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-chunks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const chunks = [...cycloneDxChunks(RESULT, { now: NOW, deterministic: true })];
  await writeFileAtomic(join(dir, 'bom.json'), chunks);
  assert.equal(readFileSync(join(dir, 'bom.json'), 'utf8'), chunks.join(''));
});
