import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSbomInput } from '../../src/vuln/sbom-input.js';

test('a document that is neither CycloneDX nor SPDX is INPUT_MALFORMED', () => {
  for (const doc of [null, 1, [], {}, { bomFormat: 'Other' }]) {
    assert.throws(() => readSbomInput(doc, 'x'), { code: 'INPUT_MALFORMED' });
  }
});

test('unsupported spec versions are UNSUPPORTED', () => {
  assert.throws(() => readSbomInput({ bomFormat: 'CycloneDX', specVersion: '1.2' }, 'x'), {
    code: 'UNSUPPORTED',
  });
  assert.throws(() => readSbomInput({ spdxVersion: 'SPDX-3.0' }, 'x'), { code: 'UNSUPPORTED' });
});

test('wrongly typed component lists are INPUT_MALFORMED naming the field', () => {
  assert.throws(() => readSbomInput({ bomFormat: 'CycloneDX', specVersion: '1.6', components: {} }, 'x'), {
    code: 'INPUT_MALFORMED',
    fields: ['components'],
  });
  assert.throws(() => readSbomInput({ spdxVersion: 'SPDX-2.3', packages: [{ externalRefs: 3 }] }, 'x'), {
    code: 'INPUT_MALFORMED',
    fields: ['packages[0].externalRefs'],
  });
});

test('non-string and non-pkg purls are reported as invalid, not thrown', () => {
  const r = readSbomInput(
    {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      components: [
        { name: 'a', purl: 42 },
        { name: 'b', purl: 'http://x' },
        { name: 'c', purl: 'pkg:' },
        { name: 'd' },
      ],
    },
    'x',
  );
  assert.equal(r.components.length, 0);
  assert.deepEqual(
    r.problems.map((p) => p.reason),
    ['invalid-purl', 'invalid-purl', 'invalid-purl', 'missing-purl'],
  );
});

test('components nested beyond the depth limit are refused, not recursed into', () => {
  let c: Record<string, unknown> = { name: 'leaf', purl: 'pkg:npm/leaf@1.0.0' };
  for (let i = 0; i < 200; i++) c = { name: `n${i}`, purl: `pkg:npm/n${i}@1.0.0`, components: [c] };
  assert.throws(() => readSbomInput({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [c] }, 'x'), {
    code: 'INPUT_MALFORMED',
  });
});
