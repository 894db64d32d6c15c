import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { lintPolicies, loadPolicies, promotePolicies, readPolicies } from '../../src/policy/index.js';
import { FIXTURES, fixture } from './evidence-factory.js';

const SEEDS = readdirSync(`${FIXTURES}seeds`).filter((f) => f.endsWith('.yaml'));
const PACK = new URL('../../deploy/policies/', import.meta.url).pathname;
const PACK_FILES = [
  'kyverno/verify-signed-images.yaml',
  'kyverno/require-sbom-attestation.yaml',
  'cip/require-signed-images.yaml',
  'cip/require-sbom-attestation.yaml',
  'cip/require-vuln-attestation.yaml',
];

test('the five seed policies are all present', () => {
  assert.equal(SEEDS.length, 5);
});

for (const f of SEEDS) {
  test(`seed policy ${f} loads`, () => {
    const p = loadPolicies(fixture(`seeds/${f}`), f);
    assert.equal(p.cips.length + p.kyverno.length, 1);
  });
}

for (const f of ['verify-signed-images-example.yaml', 'require-sbom-attestation-example.yaml']) {
  test(`lint catches Kyverno refusing mutateDigest with Audit in seed ${f} and shows the corrected YAML`, () => {
    const r = lintPolicies(fixture(`seeds/${f}`), f);
    assert.equal(r.ok, false);
    const errors = r.issues.filter((i) => i.severity === 'error');
    assert.deepEqual(
      errors.map((i) => [i.path, i.message]),
      [
        [
          'spec.rules[0].verifyImages[0].mutateDigest',
          "mutateDigest must be set to false for 'Audit' failure action",
        ],
      ],
    );
    assert.ok(r.corrected);
    assert.match(r.corrected, /mutateDigest: false/);
    // The fix keeps the seed's comment and passes lint.
    if (f.startsWith('verify'))
      assert.match(r.corrected, /# Replace with your CI issuer and subject constraints\./);
    assert.equal(lintPolicies(r.corrected, f).ok, true);
  });
}

test('lint on the seed SBOM CIP: its CUE does not compile because # is not a CUE comment', () => {
  const r = lintPolicies(fixture('seeds/require-sbom-attestation.yaml'), 's.yaml');
  const e = r.issues.find((i) => i.severity === 'error');
  assert.equal(e?.path, 'spec.authorities[0].attestations[0].policy.data');
  assert.match(e?.message ?? '', /CUE does not compile: line 1/);
  assert.match(e?.fix ?? '', /\/\//);
});

test('lint on the seed vuln CIP: predicate type without scheme, CUE syntax, and time.Now not being CUE', () => {
  const r = lintPolicies(fixture('seeds/require-vuln-attestation.yaml'), 'v.yaml');
  const byPath = r.issues.map((i) => `${i.severity} ${i.path} ${i.message.slice(0, 40)}`);
  assert.ok(
    byPath.some((s) =>
      s.startsWith('warning spec.authorities[0].attestations[0].predicateType "cosign.sigstore.dev/'),
    ),
    byPath.join('\n'),
  );
  assert.ok(
    byPath.some((s) =>
      s.startsWith('error spec.authorities[0].attestations[0].policy.data CUE does not compile'),
    ),
  );
  assert.ok(r.issues.some((i) => /time\.Now\(\) is not part of CUE/.test(i.message)));
  assert.equal(
    r.issues.find((i) => i.path.endsWith('predicateType'))?.fix,
    'use "https://cosign.sigstore.dev/attestation/vuln/v1"',
  );
});

test('lint on the seed keyless CIP finds nothing to fix', () => {
  assert.deepEqual(lintPolicies(fixture('seeds/require-signed-images.yaml'), 's.yaml').issues, []);
});

for (const f of PACK_FILES) {
  test(`policy pack ${f} loads and has no lint errors`, () => {
    const text = readFileSync(`${PACK}${f}`, 'utf8');
    loadPolicies(text, f);
    const errors = lintPolicies(text, f).issues.filter((i) => i.severity === 'error');
    assert.deepEqual(errors, []);
  });
}

test('promote to Enforce flips the seed action and keeps comments, with a unified diff', () => {
  const text = readFileSync(`${PACK}kyverno/verify-signed-images.yaml`, 'utf8');
  const r = promotePolicies(text, 'verify.yaml', 'enforce');
  assert.deepEqual(r.changes, [
    'verify.yaml: spec.validationFailureAction: Audit -> Enforce',
    'verify.yaml: spec.rules.0.verifyImages.0.mutateDigest: false -> true',
  ]);
  assert.match(r.text, /# From the release-incident guide/);
  assert.match(r.text, /# Replace with your CI issuer and subject constraints\./);
  assert.match(r.diff, /^--- a\/verify\.yaml\n\+\+\+ b\/verify\.yaml\n@@ /);
  assert.match(r.diff, /\n- {2}validationFailureAction: Audit\n\+ {2}validationFailureAction: Enforce\n/);
  assert.match(r.diff, /\n- {10}mutateDigest: false\n\+ {10}mutateDigest: true\n/);
  assert.equal(lintPolicies(r.text, 'verify.yaml').ok, true);
});

test('promote to Audit sets mutateDigest false, so the result is a policy Kyverno accepts', () => {
  const enforced = promotePolicies(
    fixture('seeds/require-sbom-attestation-example.yaml'),
    's.yaml',
    'enforce',
  ).text;
  const back = promotePolicies(enforced, 's.yaml', 'audit');
  assert.equal(lintPolicies(back.text, 's.yaml').ok, true);
  assert.match(back.text, /mutateDigest: false/);
});

test('promote flips a ClusterImagePolicy between warn and enforce', () => {
  const r = promotePolicies(fixture('seeds/require-signed-images.yaml'), 'cip.yaml', 'audit');
  assert.deepEqual(r.changes, ['cip.yaml: spec.mode: (unset) -> warn']);
  assert.equal(loadPolicies(r.text, 'cip.yaml').cips[0]?.mode, 'warn');
  const again = promotePolicies(r.text, 'cip.yaml', 'enforce');
  assert.equal(loadPolicies(again.text, 'cip.yaml').cips[0]?.mode, 'enforce');
});

test('promoting what is already promoted changes nothing and prints no diff', () => {
  const text = fixture('seeds/require-signed-images.yaml');
  const r = promotePolicies(text, 'cip.yaml', 'enforce');
  assert.equal(r.text, text);
  assert.equal(r.diff, '');
});

test('promote keeps every document of a multi-document file', () => {
  const text = `${fixture('seeds/verify-signed-images-example.yaml')}---\n${fixture('seeds/require-signed-images.yaml')}`;
  const r = promotePolicies(text, 'both.yaml', 'enforce');
  const read = readPolicies(r.text, 'both.yaml');
  assert.equal(read.policies.kyverno[0]?.validationFailureAction, 'Enforce');
  assert.equal(read.policies.cips.length, 1);
});

test('promote refuses a file without policies', () => {
  assert.throws(() => promotePolicies('apiVersion: v1\nkind: ConfigMap\n', 'cm.yaml', 'enforce'), {
    code: 'POLICY_INVALID',
  });
});

test('lint warns about Kyverno imageReferences and CIP globs without a registry', () => {
  const kyverno = readFileSync(`${PACK}kyverno/verify-signed-images.yaml`, 'utf8').replace(
    '"ghcr.io/ldbl/*"',
    '"nginx*"',
  );
  const k = lintPolicies(kyverno, 'k.yaml').issues.find(
    (i) => i.path === 'spec.rules[0].verifyImages[0].imageReferences[0]',
  );
  assert.equal(k?.fix, 'write "docker.io/nginx*" (Docker Hub) or the full registry host');
  const cip = fixture('seeds/require-signed-images.yaml').replace('"registry.example.com/**"', '"myorg/app"');
  const c = lintPolicies(cip, 'c.yaml').issues.find((i) => i.path === 'spec.images[0].glob');
  assert.equal(c?.fix, 'write "index.docker.io/myorg/app" for Docker Hub, or the full registry host');
});
