import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VulnFinding } from '../../../src/vuln/match.js';
import { applyVex, parseCycloneDxVex } from '../../../src/vuln/vex/index.js';

function finding(id: string, purl: string, ref?: string): VulnFinding {
  return {
    id,
    aliases: [],
    upstream: [],
    purl,
    ref,
    ecosystem: 'npm',
    name: 'x',
    version: '1.0.0',
    fixed: [],
    severity: { level: 'high', score: undefined, vector: undefined, source: 'test', invalid: [] },
    summary: undefined,
  };
}

test('affects refs resolve through the document components to purls, and match bom-refs as given', () => {
  const doc = {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    components: [{ 'bom-ref': 'c1', name: 'x', purl: 'pkg:npm/x@1.0.0' }],
    vulnerabilities: [
      { id: 'CVE-1', analysis: { state: 'false_positive' }, affects: [{ ref: 'c1' }] },
      { id: 'CVE-2', analysis: { state: 'resolved' }, affects: [{ ref: 'their-ref' }] },
      { id: 'CVE-3', affects: [{ ref: 'c1' }] },
    ],
  };
  const statements = parseCycloneDxVex(doc, 'd');
  assert.equal(statements.length, 2, 'an entry without analysis says nothing');
  const out = applyVex(
    [
      finding('CVE-1', 'pkg:npm/x@1.0.0'),
      finding('CVE-2', 'pkg:npm/y@2.0.0', 'their-ref'),
      finding('CVE-3', 'pkg:npm/x@1.0.0'),
    ],
    statements,
  );
  assert.deepEqual(
    out.suppressed.map((d) => [d.finding.id, d.statement.status]),
    [
      ['CVE-1', 'not_affected'],
      ['CVE-2', 'fixed'],
    ],
  );
  assert.deepEqual(
    out.active.map((a) => a.finding.id),
    ['CVE-3'],
  );
});

test('a product with subcomponents applies only when it matches a purl subject', () => {
  const statements = parseCycloneDxVex({ bomFormat: 'CycloneDX', vulnerabilities: [] }, 'empty');
  assert.deepEqual(statements, []);
  const open = [
    {
      vulnerability: ['CVE-1'],
      products: [{ ids: ['pkg:oci/app'], subcomponents: ['pkg:npm/x'] }],
      status: 'not_affected' as const,
      justification: 'component_not_present',
      impactStatement: undefined,
      actionStatement: undefined,
      time: 0,
      origin: 'o',
      seq: 0,
    },
  ];
  const f = [finding('CVE-1', 'pkg:npm/x@1.0.0')];
  assert.equal(applyVex(f, open, 'pkg:oci/app?tag=v1').suppressed.length, 1);
  assert.equal(applyVex(f, open, 'pkg:oci/other').suppressed.length, 0);
  assert.equal(applyVex(f, open, undefined).suppressed.length, 1);
});
