import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VulnFinding } from '../../../src/vuln/match.js';
import { applyVex, createOpenVex, parseOpenVex, parseVexDocument } from '../../../src/vuln/vex/index.js';

const NOW = new Date('2024-05-01T00:00:00Z');

function finding(id: string, purl: string, aliases: string[] = []): VulnFinding {
  return {
    id,
    aliases,
    upstream: [],
    purl,
    ref: undefined,
    ecosystem: 'npm',
    name: 'x',
    version: '1.0.0',
    fixed: [],
    severity: { level: 'high', score: undefined, vector: undefined, source: 'test', invalid: [] },
    summary: undefined,
  };
}

test('createOpenVex output parses back into the statement it describes', () => {
  const doc = createOpenVex({
    products: ['pkg:oci/app'],
    subcomponents: ['pkg:npm/x@1.0.0'],
    vulnerability: 'CVE-1',
    status: 'fixed',
    author: 'me',
    now: NOW,
  });
  const [s] = parseOpenVex(doc, 'doc');
  assert.equal(s?.status, 'fixed');
  assert.deepEqual(s?.products, [{ ids: ['pkg:oci/app'], subcomponents: ['pkg:npm/x@1.0.0'] }]);
  assert.equal(s?.time, NOW.getTime());
});

test('statement timestamps override the document timestamp; equal times go to the later statement', () => {
  const doc = {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': 'x',
    author: 'a',
    timestamp: '2024-01-01T00:00:00Z',
    version: 1,
    statements: [
      {
        vulnerability: { name: 'CVE-1' },
        products: [{ '@id': 'pkg:npm/x' }],
        status: 'not_affected',
        justification: 'component_not_present',
        timestamp: '2024-03-01T00:00:00Z',
      },
      { vulnerability: { name: 'CVE-1' }, products: [{ '@id': 'pkg:npm/x' }], status: 'under_investigation' },
      { vulnerability: { name: 'CVE-2' }, products: [{ '@id': 'pkg:npm/x' }], status: 'under_investigation' },
      { vulnerability: { name: 'CVE-2' }, products: [{ '@id': 'pkg:npm/x' }], status: 'fixed' },
    ],
  };
  const statements = parseVexDocument(doc, 'doc');
  const out = applyVex(
    [finding('GHSA-a', 'pkg:npm/x@1.0.0', ['CVE-1']), finding('CVE-2', 'pkg:npm/x@1.0.0')],
    statements,
  );
  assert.deepEqual(
    out.suppressed.map((d) => [d.finding.id, d.statement.status]),
    [
      ['GHSA-a', 'not_affected'],
      ['CVE-2', 'fixed'],
    ],
  );
});

test('a 0.0.x document naming the vulnerability with a bare string is read', () => {
  const [s] = parseOpenVex(
    {
      '@context': 'https://openvex.dev/ns',
      '@id': 'x',
      author: 'a',
      timestamp: '2023-01-01T00:00:00Z',
      version: 1,
      statements: [
        { vulnerability: 'CVE-9', products: ['pkg:npm/x'].map((p) => ({ '@id': p })), status: 'fixed' },
      ],
    },
    'old',
  );
  assert.deepEqual(s?.vulnerability, ['CVE-9']);
});
