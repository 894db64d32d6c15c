import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateSbom, openDirTree, parseSbomOutputs, renderSbom } from '../../../src/sbom/index.js';
import { schemaErrors } from '../fixtures.js';

test('-o specs parse as syft writes them: format, optionally =file', () => {
  assert.deepEqual(parseSbomOutputs(['cyclonedx-json=out/bom.json', 'spdx-json=s.json', 'table']), [
    { format: 'cyclonedx-json', file: 'out/bom.json' },
    { format: 'spdx-json', file: 's.json' },
    { format: 'table' },
  ]);
});

test('an unknown format, an empty file name or two stdout outputs are USAGE errors', () => {
  assert.throws(() => parseSbomOutputs(['syft-json']), { code: 'USAGE' });
  assert.throws(() => parseSbomOutputs(['table=']), { code: 'USAGE' });
  assert.throws(() => parseSbomOutputs(['table', 'cyclonedx-json']), { code: 'USAGE' });
});

test('renderSbom honours the CycloneDX version option', async () => {
  const r = await generateSbom(await openDirTree('test/fixtures/sbom/go'));
  const doc = JSON.parse(renderSbom(r, 'cyclonedx-json', { now: new Date(0), cyclonedxVersion: '1.7' })) as {
    specVersion: string;
  };
  assert.equal(doc.specVersion, '1.7');
  assert.deepEqual(schemaErrors('cdx17', doc), []);
  assert.deepEqual(schemaErrors('spdx23', JSON.parse(renderSbom(r, 'spdx-json', { now: new Date(0) }))), []);
});
