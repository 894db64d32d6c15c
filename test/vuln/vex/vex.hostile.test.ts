import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCycloneDxVex, parseOpenVex, parseVexDocument } from '../../../src/vuln/vex/index.js';

const base = {
  '@context': 'https://openvex.dev/ns/v0.2.0',
  '@id': 'x',
  author: 'a',
  timestamp: '2024-01-01T00:00:00Z',
  version: 1,
};

test('a document of neither VEX format is INPUT_MALFORMED', () => {
  for (const doc of [null, [], 'x', { statements: [] }, { bomFormat: 'CycloneDX' }]) {
    assert.throws(() => parseVexDocument(doc, 'd'), { code: 'INPUT_MALFORMED' });
  }
});

test('OpenVEX statements with wrong types list each bad field', () => {
  const doc = {
    ...base,
    timestamp: 'yesterday',
    statements: [
      7,
      { vulnerability: {}, products: [{}], status: 'affected' },
      {
        vulnerability: { name: 'CVE-1' },
        products: [{ '@id': 'p', subcomponents: 'q' }],
        status: 'not_affected',
        justification: 'because',
      },
    ],
  };
  assert.throws(
    () => parseOpenVex(doc, 'd'),
    (e: unknown) => {
      const fields = (e as { code: string; fields: string[] }).fields;
      assert.equal((e as { code: string }).code, 'INPUT_MALFORMED');
      assert.deepEqual(fields, [
        'timestamp',
        'statements[0]',
        'statements[1].vulnerability.name',
        'statements[1].products[0].@id',
        'statements[1].action_statement',
        'statements[2].products[0].subcomponents',
        'statements[2].justification',
      ]);
      return true;
    },
  );
});

test('unknown OpenVEX fields are ignored', () => {
  const s = parseOpenVex(
    {
      ...base,
      extra: { deep: [1, 2] },
      statements: [
        {
          vulnerability: { name: 'C' },
          products: [{ '@id': 'p', x: 1 }],
          status: 'fixed',
          status_notes: 'n',
        },
      ],
    },
    'd',
  );
  assert.equal(s.length, 1);
});

test('CycloneDX VEX with an unknown state or missing affects lists the fields', () => {
  const doc = {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    vulnerabilities: [
      { id: 'CVE-1', analysis: { state: 'probably_fine' }, affects: [{ ref: 'p' }] },
      { id: 'CVE-2', analysis: { state: 'not_affected' } },
      { analysis: { state: 'resolved' }, affects: [{}] },
    ],
  };
  assert.throws(
    () => parseCycloneDxVex(doc, 'd'),
    (e: unknown) => {
      assert.deepEqual((e as { fields: string[] }).fields, [
        'vulnerabilities[0].analysis.state',
        'vulnerabilities[1].affects',
        'vulnerabilities[2].id',
        'vulnerabilities[2].affects[0].ref',
      ]);
      return true;
    },
  );
});

test('a large OpenVEX document parses without trouble', () => {
  const statements = Array.from({ length: 20_000 }, (_, i) => ({
    vulnerability: { name: `CVE-2024-${i}` },
    products: [{ '@id': `pkg:npm/p${i}` }],
    status: 'fixed',
  }));
  assert.equal(parseOpenVex({ ...base, statements }, 'big').length, 20_000);
});
