// Policy reloads check each file's size before reading it (a 100 MB file in the policy directory is
// refused by its size, never read whole), and a refused reload keeps the previous set.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PolicyStore } from '../../src/admission/policy-store.js';

const CIP = `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: allow-all }
spec:
  images: [{ glob: "**" }]
  authorities: [{ static: { action: pass } }]
`;

test('a policy file over the YAML size limit is refused by its size and the previous set stays', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-policy-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'allow.yaml'), CIP);
  const store = new PolicyStore([dir]);
  assert.equal((await store.reload()).ok, true);
  const before = store.current();
  assert.equal(before.cips.length, 1);
  // 100 MB, sparse: costs no disk, and reading it whole would cost 100 MB of memory.
  const big = join(dir, 'big.yaml');
  writeFileSync(big, '');
  truncateSync(big, 100 * 1024 * 1024);
  const outcome = await store.reload();
  assert.equal(outcome.ok, false);
  assert.equal(outcome.error?.code, 'INPUT_TOO_LARGE');
  assert.match(outcome.error?.message ?? '', /big\.yaml is 104857600 bytes, at most 4194304/);
  assert.equal(store.current(), before);
});
