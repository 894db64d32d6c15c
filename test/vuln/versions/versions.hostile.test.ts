import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type SchemeName, schemes } from '../../../src/vuln/versions/index.js';

const HOSTILE = [
  '1'.repeat(100_000),
  `${'1.'.repeat(5_000)}1`,
  `1.0${'-a'.repeat(5_000)}`,
  `1.0.0-${'a.'.repeat(5_000)}a`,
  '\u0000',
  '1.0\n1.1',
  '١.٢.٣', // Arabic-Indic digits are not ASCII digits
  '💥',
  '1.0.0+'.padEnd(300, 'x'),
];

for (const name of Object.keys(schemes) as SchemeName[]) {
  test(`hostile: ${name} refuses oversized and odd version strings as values, without a crash`, () => {
    const scheme = schemes[name];
    for (const raw of HOSTILE) {
      const p = scheme.parse(raw);
      assert.equal(p.ok, false, `${name}: ${JSON.stringify(raw.slice(0, 20))}`);
      if (!p.ok) assert.ok(p.invalid.raw.length <= 256);
    }
  });

  test(`hostile: ${name} orders numbers beyond 2^53 without losing precision`, () => {
    const scheme = schemes[name];
    assert.equal(scheme.compare('1.0.99999999999999999998', '1.0.99999999999999999999'), -1);
  });
}
