// `vouch policy lint` and `vouch policy promote` on the seed policies (test/fixtures/policy/seeds), run
// in-process as a user would run them.
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPolicies } from '../../src/policy/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from './sign-setup.js';

const SEEDS = new URL('../fixtures/policy/seeds/', import.meta.url).pathname;
const seed = (name: string) => join(SEEDS, name);

interface LintJson {
  ok: boolean;
  files: {
    file: string;
    ok: boolean;
    issues: { severity: string; path: string; fix?: string }[];
    corrected?: string;
  }[];
}

test('lint fails on the mutateDigest + Audit seed and prints the fix and the corrected YAML', async (t) => {
  const r = await runCli(['policy', 'lint', '-f', seed('verify-signed-images-example.yaml')]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /error: .*mutateDigest: mutateDigest must be set to false for 'Audit'/);
  assert.match(r.stdout, /fix: set `mutateDigest: false`/);
  const corrected = r.stdout.split(/--- corrected .* ---\n/)[1] ?? '';
  assert.match(corrected, /mutateDigest: false/);
  // The corrected document keeps the seed's comment and is itself lint-clean.
  assert.match(corrected, /# Replace with your CI issuer and subject constraints\./);
  const again = join(tempDir(t, 'lint'), 'fixed.yaml');
  writeFileSync(again, corrected);
  const clean = await runCli(['policy', 'lint', '-f', again]);
  assert.equal(clean.code, 0, clean.stdout);
});

test('lint -o json reports every seed finding with its field path', async () => {
  const files = readdirSync(SEEDS).filter((f) => f.endsWith('.yaml'));
  const r = await runCli(['policy', 'lint', '-o', 'json', ...files.flatMap((f) => ['-f', seed(f)])]);
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout) as LintJson;
  assert.equal(doc.ok, false);
  const errorPaths = doc.files.flatMap((f) =>
    f.issues.filter((i) => i.severity === 'error').map((i) => `${f.file.split('/').pop()}: ${i.path}`),
  );
  assert.deepEqual(errorPaths.sort(), [
    'require-sbom-attestation-example.yaml: spec.rules[0].verifyImages[0].mutateDigest',
    'require-sbom-attestation.yaml: spec.authorities[0].attestations[0].policy.data',
    'require-vuln-attestation.yaml: spec.authorities[0].attestations[0].policy.data',
    'verify-signed-images-example.yaml: spec.rules[0].verifyImages[0].mutateDigest',
  ]);
  assert.ok(
    doc.files.every((f) => f.issues.every((i) => i.fix !== undefined)),
    'every issue carries a fix',
  );
});

test("the seed CIP's `#` comment is reported with real CUE's own compile error and the // fix", async () => {
  const r = await runCli(['policy', 'lint', '-o', 'json', '-f', seed('require-sbom-attestation.yaml')]);
  assert.equal(r.code, 1);
  const issue = (JSON.parse(r.stdout) as LintJson).files[0]?.issues.find((i) => i.severity === 'error');
  assert.equal(issue?.path, 'spec.authorities[0].attestations[0].policy.data');
  assert.match(r.stdout, /CUE does not compile: expected label or ':', found 'IDENT' CUE \(policy 1:3\)/);
  assert.equal(issue?.fix, 'replace `# …` comment lines with `// …`');
});

test('lint --cue real refuses time.Now(), which only vouch binds, as real CUE does', async () => {
  const r = await runCli(['policy', 'lint', '--cue', 'real', '-f', seed('require-vuln-attestation.yaml')]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /cannot call non-function time\.Now/);
});

test('lint --cue builtin never starts real CUE and says how to get it', async (t) => {
  const file = join(tempDir(t, 'lint-builtin'), 'cip.yaml');
  writeFileSync(
    file,
    readFileSync(seed('require-sbom-attestation.yaml'), 'utf8').replace(
      '# CUE policy: SBOM must have at least one component\n          predicate: components: [_, ...]',
      'import "list"\n          predicate: components: list.MinItems(1)',
    ),
  );
  const builtin = await runCli(['policy', 'lint', '--cue', 'builtin', '-f', file]);
  assert.match(
    builtin.stdout,
    /warning: .*policy\.data: vouch cannot evaluate this CUE with the vouch-cue-subset engine/,
  );
  assert.match(builtin.stdout, /fix: run with --cue auto/);
  const auto = await runCli(['policy', 'lint', '-f', file]);
  assert.doesNotMatch(auto.stdout, /policy\.data/, 'real CUE compiles it: nothing to report');
});

test('lint of a clean policy exits 0', async () => {
  const r = await runCli(['policy', 'lint', '-f', seed('require-signed-images.yaml')]);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /require-signed-images\.yaml: ok/);
});

test('promote is a dry run by default: it prints the unified diff and leaves the file alone', async (t) => {
  const dir = tempDir(t, 'promote');
  const file = join(dir, 'p.yaml');
  copyFileSync(seed('verify-signed-images-example.yaml'), file);
  const before = readFileSync(file, 'utf8');
  const r = await runCli(['policy', 'promote', '-f', file, '--to', 'enforce']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^--- a\//m);
  assert.match(r.stdout, /^- {2}validationFailureAction: Audit$/m);
  assert.match(r.stdout, /^\+ {2}validationFailureAction: Enforce$/m);
  assert.equal(readFileSync(file, 'utf8'), before);
});

test('promote --write rewrites the file with comments and list style kept', async (t) => {
  const dir = tempDir(t, 'promote');
  const file = join(dir, 'cip.yaml');
  copyFileSync(seed('require-signed-images.yaml'), file);
  const before = readFileSync(file, 'utf8');
  const r = await runCli(['policy', 'promote', '-f', file, '--to', 'audit', '--write']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1 change\(s\) written/);
  const after = readFileSync(file, 'utf8');
  assert.equal(after, `${before.trimEnd()}\n  mode: warn\n`, 'only the mode line is added');
  assert.equal(loadPolicies(after, file).cips[0]?.mode, 'warn');
  // Atomic write: no temp file is left beside the target.
  assert.deepEqual(readdirSync(dir), ['cip.yaml']);
  assert.ok(statSync(file).isFile());
  const back = await runCli(['policy', 'promote', '-f', file, '--to', 'enforce', '-o', 'json']);
  const doc = JSON.parse(back.stdout) as { written: boolean; files: { changes: string[] }[] };
  assert.equal(doc.written, false);
  assert.deepEqual(doc.files[0]?.changes, [`${file}: spec.mode: warn -> enforce`]);
});

test('promote of a file with no policy is refused with POLICY_INVALID', async (t) => {
  const dir = tempDir(t, 'promote');
  const file = join(dir, 'cm.yaml');
  writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n');
  const r = await runCli(['policy', 'promote', '-f', file, '--to', 'enforce', '-o', 'json']);
  assert.equal(r.code, 2);
  assert.equal((JSON.parse(r.stderr) as { error: { code: string } }).error.code, 'POLICY_INVALID');
});
