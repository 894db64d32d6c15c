import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readSbomInput } from '../../src/vuln/sbom-input.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/vuln/sboms/${name}`, import.meta.url), 'utf8'));
const golden = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/sbom/golden/${name}`, import.meta.url), 'utf8'));

test('vouch sbom output (CycloneDX and SPDX) reads back to the same purls', () => {
  const cdx = readSbomInput(golden('npm-v3.cdx.json'), 'cdx');
  const spdx = readSbomInput(golden('npm-v3.spdx.json'), 'spdx');
  assert.ok(cdx.components.length > 5);
  assert.deepEqual(cdx.components.map((c) => c.purl).sort(), spdx.components.map((c) => c.purl).sort());
});

test('CycloneDX components carry their bom-ref; the subject is metadata.component', () => {
  const r = readSbomInput(fixture('cdx-1.7-nested.json'), 'x');
  assert.equal(r.format, 'cyclonedx');
  assert.equal(r.specVersion, '1.7');
  assert.ok(r.subject?.startsWith('pkg:oci/shop@'));
  assert.deepEqual(
    r.components.map((c) => c.ref),
    ['nokogiri', 'guzzle', 'newtonsoft', 'unknown-eco'],
  );
});

test('SPDX packages without a PACKAGE-MANAGER purl are counted as missing', () => {
  const r = readSbomInput(fixture('trivy-spdx-2.2.json'), 'x');
  assert.equal(r.components.length, 2);
  assert.deepEqual(
    r.problems.map((p) => [p.component, p.reason]),
    [['SPDXRef-Application-5c4b3a2f1e0d9c8b', 'missing-purl']],
  );
});

test("the scanned project's own components (vouch:origin) are not matched, in CycloneDX or SPDX", () => {
  const cdx = readSbomInput(golden('npm-v3.cdx.json'), 'cdx');
  const spdx = readSbomInput(golden('npm-v3.spdx.json'), 'spdx');
  for (const r of [cdx, spdx]) {
    assert.ok(!r.components.some((c) => c.purl === 'pkg:npm/vouch-fixture-npm@1.0.0'));
    assert.equal(r.components.length, 10);
  }
});
