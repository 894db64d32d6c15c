import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VersionScheme } from '../../../src/vuln/versions/index.js';

/** Asserts that `chain` is strictly ascending under `scheme`, pair by pair, in both directions. */
export function testAscending(scheme: VersionScheme, title: string, chain: readonly string[]): void {
  test(`${scheme.name}: ${title}`, () => {
    for (let i = 0; i < chain.length; i++) {
      for (let j = i + 1; j < chain.length; j++) {
        const a = chain[i] ?? '';
        const b = chain[j] ?? '';
        assert.equal(scheme.compare(a, b), -1, `${a} < ${b}`);
        assert.equal(scheme.compare(b, a), 1, `${b} > ${a}`);
      }
    }
  });
}

/** Asserts that every pair in `group` compares equal under `scheme`. */
export function testEqual(scheme: VersionScheme, title: string, group: readonly string[]): void {
  test(`${scheme.name}: ${title}`, () => {
    for (const a of group) for (const b of group) assert.equal(scheme.compare(a, b), 0, `${a} == ${b}`);
  });
}

/** Seeded PRNG (mulberry32) so generated cross-check inputs are the same on every run. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
