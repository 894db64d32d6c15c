import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DrillReport } from '../../src/demo/drill.js';
import { runCli } from '../support/cli.js';

test('vouch demo holds the binary outcome: Audit warns, Enforce denies unsigned and admits signed pinned to its digest', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'vouch-drill-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const r = await runCli(['demo', '--out', out, '-o', 'json'], { env: { VOUCH_PASSWORD: 'drill-password' } });
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(0, 2000));
  const report = JSON.parse(r.stdout) as DrillReport;
  assert.equal(report.ok, true);
  assert.deepEqual(
    report.checks.map((c) => c.ok),
    [true, true, true, true, true],
  );
  const enforce = report.phases.find((p) => p.mode === 'enforce');
  const deniedUnsigned = enforce?.exchanges.find(
    (e) => e.image === report.unsigned.ref && e.endpoint === 'validate',
  );
  assert.equal(deniedUnsigned?.allowed, false);
  assert.match(deniedUnsigned?.message ?? '', /require-signed-attested-release/);
  assert.match(deniedUnsigned?.message ?? '', /no signatures attached/);
  const pinned = enforce?.exchanges.find((e) => e.image === report.signed.ref && e.endpoint === 'mutate');
  assert.deepEqual(pinned?.pinnedTo, [`registry.vouch.local/payments-api@${report.signed.digest}`]);
  assert.ok(report.sbom.components >= 5, `SBOM has ${report.sbom.components} components`);
  // The unsigned rebuild is counted under the reason a responder needs first: nothing is signed.
  assert.ok(
    Object.keys(enforce?.metrics ?? {}).some((k) =>
      /^cosign_verification_failures_total\{policy="require-signed-attested-release",reason="no-signatures"\}$/.test(
        k,
      ),
    ),
    JSON.stringify(enforce?.metrics),
  );
});

test('vouch demo leaves its evidence: keys, SBOM, attestations, policies, PolicyReports, decision log', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'vouch-drill-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const r = await runCli(['demo', '--out', out], { env: { VOUCH_PASSWORD: 'drill-password' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\[PASS\] Enforce: unsigned rebuild denied, with the reason/);
  for (const f of [
    'cosign.key',
    'cosign.pub',
    'sbom.cdx.json',
    'attestation-sbom.json',
    'attestation-slsa.json',
    'drill-report.json',
    'decisions.jsonl',
  ]) {
    assert.ok(existsSync(join(out, f)), `${f} missing`);
  }
  assert.equal(existsSync(join(out, 'cosign.password')), false, 'a given password is not written down');
  const policies = readdirSync(join(out, 'policies'));
  assert.deepEqual(policies.sort(), [
    'require-sbom-attestation.yaml',
    'require-signed-attested-release.yaml',
  ]);
  assert.match(
    readFileSync(join(out, 'policies', 'require-signed-attested-release.yaml'), 'utf8'),
    /validationFailureAction: Enforce/,
  );
  assert.ok(readdirSync(join(out, 'reports')).length > 0, 'no PolicyReport written');
  const decisions = readFileSync(join(out, 'decisions.jsonl'), 'utf8').trim().split('\n');
  assert.ok(decisions.length >= 4);
});
