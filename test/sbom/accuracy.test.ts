// Every SBOM fixture against the package list Python's own parsers read from it
// (test/fixtures/sbom/expected-packages.py): nothing missing, nothing extra. The same comparison gives
// the accuracy table in docs/sbom.md (`npm run bench sbom-accuracy`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sbomAccuracy } from '../../bench/sbom-accuracy.js';

test('every fixture: the packages vouch lists are exactly those an independent reader finds', async () => {
  const rows = await sbomAccuracy();
  assert.ok(rows.length >= 40, `only ${rows.length} fixtures compared`);
  for (const r of rows) {
    assert.deepEqual(
      { fixture: r.fixture, missing: r.missing, extra: r.extra },
      { fixture: r.fixture, missing: [], extra: [] },
    );
  }
});
