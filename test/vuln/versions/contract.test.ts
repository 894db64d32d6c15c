import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type SchemeName, schemes, type VersionScheme } from '../../../src/vuln/versions/index.js';

// One table of orderings that every version scheme must honour (hono's router contract style): plain
// dotted numeric versions order numerically in every ecosystem vouch supports.
const ascending = [
  '0.1.0',
  '0.9.0',
  '0.10.0',
  '1.0.0',
  '1.0.1',
  '1.2.0',
  '1.10.0',
  '2.0.0',
  '10.0.0',
  '100.0.0',
];
const notVersions = ['not a version!', '  ', '1.0.0 junk words'];

function runContract(scheme: VersionScheme): void {
  test(`${scheme.name}: dotted numeric versions order numerically, not lexically`, () => {
    for (let i = 0; i < ascending.length; i++) {
      for (let j = 0; j < ascending.length; j++) {
        const a = ascending[i] ?? '';
        const b = ascending[j] ?? '';
        assert.equal(scheme.compare(a, b), Math.sign(i - j), `${a} vs ${b}`);
      }
    }
  });

  test(`${scheme.name}: compare is antisymmetric and reflexive on parsed versions`, () => {
    for (const a of ascending) {
      const pa = scheme.parse(a);
      assert.ok(pa.ok, a);
      assert.equal(pa.version.compare(pa.version), 0);
      for (const b of ascending) {
        const pb = scheme.parse(b);
        assert.ok(pb.ok, b);
        assert.equal(pa.version.compare(pb.version), -pb.version.compare(pa.version) || 0);
      }
    }
  });

  test(`${scheme.name}: a string that is not a version is a typed result, not a crash`, () => {
    for (const raw of notVersions) {
      const p = scheme.parse(raw);
      assert.equal(p.ok, false, raw);
      if (!p.ok) {
        assert.equal(p.invalid.scheme, scheme.name);
        assert.equal(p.invalid.raw, raw);
        assert.ok(p.invalid.reason.length > 0);
      }
      assert.throws(() => scheme.compare(raw, '1.0.0'), { code: 'INPUT_MALFORMED' });
    }
  });

  test(`${scheme.name}: a version cannot be compared with another scheme's version`, () => {
    const other = scheme.name === 'semver' ? schemes.debian : schemes.semver;
    const a = scheme.parse('1.0.0');
    const b = other.parse('1.0.0');
    assert.ok(a.ok && b.ok);
    assert.throws(() => a.version.compare(b.version), { code: 'INTERNAL' });
  });
}

for (const name of Object.keys(schemes) as SchemeName[]) runContract(schemes[name]);
