import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  type AuthorityRequirement,
  type Evidence,
  type EvidenceCollector,
  evaluate,
  evidenceRequirements,
  type ImageIdentity,
  loadPolicies,
  mergePolicySets,
  type PolicySet,
  pemAnchor,
  promotePolicies,
  type ResourceContext,
} from '../../src/policy/index.js';
import { decide } from '../../src/evidence/index.js';
import {
  att,
  certSigner,
  D1,
  D2,
  D3,
  evidence,
  evidenceMap,
  fixture,
  KEY_PEM,
  keySigner,
  NOW,
  OTHER_KEY_FP,
  sig,
} from './evidence-factory.js';

const PACK = new URL('../../deploy/policies/', import.meta.url).pathname;
const pack = (rel: string) => readFileSync(`${PACK}${rel}`, 'utf8');
const RELEASE = 'https://github.com/myorg/myrepo/.github/workflows/release.yaml@refs/heads/main';
const LDBL = 'https://github.com/ldbl/app/.github/workflows/release.yaml@refs/tags/v1';

function keyCip(extra = ''): string {
  const key = KEY_PEM.trim()
    .split('\n')
    .map((l) => `          ${l}`)
    .join('\n');
  return `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: key-policy }
spec:
  images: [{ glob: "registry.example.com/**" }]
  authorities:
    - name: release-key
      key:
        data: |
${key}
${extra}`;
}

const one = (
  policies: PolicySet,
  ref: string,
  digest: string | undefined,
  ev: Evidence[],
  opts: { resource?: ResourceContext; noMatchPolicy?: 'allow' | 'warn' | 'deny' } = {},
) =>
  evaluate(
    {
      policies,
      images: [{ ref, ...(digest ? { digest } : {}) }],
      evidence: evidenceMap(...ev),
      ...(opts.resource ? { resource: opts.resource } : {}),
    },
    { now: NOW, ...(opts.noMatchPolicy ? { noMatchPolicy: opts.noMatchPolicy } : {}) },
  );

test('a key authority admits an image signed by that key', () => {
  const d = one(loadPolicies(keyCip(), 'k.yaml'), 'registry.example.com/team/app:2.3', D1, [
    evidence(D1, { signatures: [sig(D1, keySigner(), 'registry.example.com/team/app')] }),
  ]);
  assert.equal(d.allowed, true);
  assert.equal(d.images[0]?.policies[0]?.matchedBy, 'registry.example.com/**');
});

test('a signature by another key is denied, and the verdict says which key was expected and found', () => {
  const d = one(loadPolicies(keyCip(), 'k.yaml'), 'registry.example.com/team/app:2.3', D1, [
    evidence(D1, { signatures: [sig(D1, keySigner(OTHER_KEY_FP), 'registry.example.com/team/app')] }),
  ]);
  assert.equal(d.allowed, false);
  const check = d.images[0]?.policies[0]?.authorities[0]?.checks[0];
  assert.ok(check);
  assert.match(check.expected, /^key spki-sha256:/);
  assert.match(check.found, new RegExp(OTHER_KEY_FP.slice(0, 16)));
  assert.match(
    d.reasons[0] ?? '',
    /ClusterImagePolicy key-policy \(glob registry\.example\.com\/\*\*\): no authority passed \(tried release-key\)/,
  );
});

test('a signature verified for another digest never counts for this image', () => {
  const d = one(loadPolicies(keyCip(), 'k.yaml'), 'registry.example.com/team/app:2.3', D1, [
    evidence(D1, { signatures: [sig(D2, keySigner(), 'registry.example.com/team/app')] }),
  ]);
  assert.equal(d.allowed, false);
  assert.match(d.images[0]?.policies[0]?.authorities[0]?.checks[0]?.found ?? '', /another digest/);
});

test('without a transparency-log entry a keyless signature fails (policy-controller requires Rekor by default)', () => {
  const policies = loadPolicies(pack('cip/require-signed-images.yaml'), 'p.yaml');
  const d = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, { signatures: [sig(D1, certSigner(RELEASE), 'registry.example.com/app', { tlog: false })] }),
  ]);
  assert.equal(d.allowed, false);
  assert.match(d.reasons[0] ?? '', /without transparency-log entry/);
});

test('keyless: the exact subject of the release workflow is admitted, another workflow is not', () => {
  const policies = loadPolicies(pack('cip/require-signed-images.yaml'), 'p.yaml');
  const ok = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, { signatures: [sig(D1, certSigner(RELEASE), 'registry.example.com/app')] }),
  ]);
  assert.equal(ok.allowed, true);
  const other = RELEASE.replace('release.yaml', 'debug.yaml');
  const bad = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, { signatures: [sig(D1, certSigner(other), 'registry.example.com/app')] }),
  ]);
  assert.equal(bad.allowed, false);
  assert.match(bad.reasons[0] ?? '', /no authority passed/);
  assert.match(JSON.stringify(bad.images[0]?.policies[0]?.authorities), /debug\.yaml/);
});

test('keyless: the same identity from another CA (trust anchor) does not count', () => {
  const policies = loadPolicies(pack('cip/require-signed-images.yaml'), 'p.yaml');
  const d = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, {
      signatures: [sig(D1, certSigner(RELEASE, { anchor: 'pem-sha256:abc' }), 'registry.example.com/app')],
    }),
  ]);
  assert.equal(d.allowed, false);
});

test('keyless regexp identity: any repository of the org passes; a look-alike org does not', () => {
  const text = pack('cip/require-signed-images.yaml').replace(
    `subject: ${RELEASE}`,
    'subjectRegExp: "^https://github\\\\.com/myorg/[^/]+/"',
  );
  const policies = loadPolicies(text, 'p.yaml');
  const pass = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, {
      signatures: [
        sig(
          D1,
          certSigner('https://github.com/myorg/other/.github/workflows/x.yml@refs/heads/main'),
          'registry.example.com/app',
        ),
      ],
    }),
  ]);
  assert.equal(pass.allowed, true);
  const fail = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, {
      signatures: [
        sig(
          D1,
          certSigner('https://github.com/myorgevil/x/.github/workflows/x.yml@refs/heads/main'),
          'registry.example.com/app',
        ),
      ],
    }),
  ]);
  assert.equal(fail.allowed, false);
});

test('any one authority of a policy suffices', () => {
  const text = keyCip(`    - name: fallback
      keyless:
        identities: [{ issuer: "https://token.actions.githubusercontent.com", subject: "${RELEASE}" }]
`);
  const d = one(loadPolicies(text, 'k.yaml'), 'registry.example.com/app:1', D1, [
    evidence(D1, { signatures: [sig(D1, certSigner(RELEASE), 'registry.example.com/app')] }),
  ]);
  assert.equal(d.allowed, true);
  assert.match(d.images[0]?.policies[0]?.summary ?? '', /satisfied by authority fallback/);
});

test('every matching policy must pass: a second matching policy that fails denies', () => {
  const policies = mergePolicySets([
    loadPolicies(keyCip(), 'k.yaml'),
    loadPolicies(pack('cip/require-signed-images.yaml'), 'p.yaml'),
  ]);
  const d = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, { signatures: [sig(D1, keySigner(), 'registry.example.com/app')] }),
  ]);
  assert.equal(d.allowed, false);
  assert.equal(d.images[0]?.policies.length, 2);
  assert.deepEqual(
    d.images[0]?.policies.map((p) => p.passed),
    [true, false],
  );
});

test('mode: warn admits a failing image with a warning', () => {
  const policies = loadPolicies(keyCip().replace('spec:\n', 'spec:\n  mode: warn\n'), 'k.yaml');
  const d = one(policies, 'registry.example.com/app:1', D1, [evidence(D1, {})]);
  assert.equal(d.allowed, true);
  assert.equal(d.images[0]?.outcome, 'warn');
  assert.equal(d.warnings.length, 1);
});

test('an image no policy matches is denied by default, and admitted with no-match policy allow', () => {
  const policies = loadPolicies(keyCip(), 'k.yaml');
  assert.equal(one(policies, 'docker.io/library/nginx:1', D1, []).allowed, false);
  assert.equal(one(policies, 'docker.io/library/nginx:1', D1, [], { noMatchPolicy: 'allow' }).allowed, true);
  assert.equal(
    one(policies, 'docker.io/library/nginx:1', D1, [], { noMatchPolicy: 'warn' }).images[0]?.outcome,
    'warn',
  );
});

test('ClusterImagePolicies apply only in namespaces labelled policy.sigstore.dev/include=true', () => {
  const policies = loadPolicies(keyCip(), 'k.yaml');
  const base: ResourceContext = {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'x',
    namespace: 'dev',
    labels: {},
    annotations: {},
    namespaceLabels: {},
    operation: 'CREATE',
  };
  assert.equal(one(policies, 'registry.example.com/app:1', D1, [], { resource: base }).allowed, true);
  const optedIn = { ...base, namespaceLabels: { 'policy.sigstore.dev/include': 'true' } };
  assert.equal(one(policies, 'registry.example.com/app:1', D1, [], { resource: optedIn }).allowed, false);
});

test('a static fail authority denies with its message', () => {
  const text =
    'apiVersion: policy.sigstore.dev/v1alpha1\nkind: ClusterImagePolicy\nmetadata: { name: block }\nspec:\n  images: [{ glob: "**" }]\n  authorities: [{ static: { action: fail, message: "frozen" } }]\n';
  const d = one(loadPolicies(text, 's.yaml'), 'ghcr.io/a/b:1', D1, []);
  assert.equal(d.allowed, false);
  assert.match(JSON.stringify(d.images[0]?.policies[0]?.authorities), /fail: frozen/);
});

test('an image whose tag did not resolve to a digest fails closed', () => {
  const d = one(loadPolicies(keyCip(), 'k.yaml'), 'registry.example.com/app:1', undefined, []);
  assert.equal(d.allowed, false);
  assert.match(JSON.stringify(d.images[0]?.policies), /image digest unknown/);
});

// --- attestations (CIP + CUE) ---

const SBOM_SIGNER = certSigner('https://github.com/myorg/app/.github/workflows/release.yaml@refs/heads/main');

test('CIP SBOM attestation with at least one component passes the pack CUE policy', () => {
  const policies = loadPolicies(pack('cip/require-sbom-attestation.yaml'), 'p.yaml');
  const d = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, {
      attestations: [
        att(D1, SBOM_SIGNER, 'registry.example.com/app', 'https://cyclonedx.org/bom', {
          components: [{ name: 'openssl' }],
        }),
      ],
    }),
  ]);
  assert.equal(d.allowed, true, JSON.stringify(d.reasons));
});

test("CIP SBOM attestation with no components fails the CUE policy, with CUE's reason", () => {
  const policies = loadPolicies(pack('cip/require-sbom-attestation.yaml'), 'p.yaml');
  const d = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, {
      attestations: [
        att(D1, SBOM_SIGNER, 'registry.example.com/app', 'https://cyclonedx.org/bom', { components: [] }),
      ],
    }),
  ]);
  assert.equal(d.allowed, false);
  assert.match(
    JSON.stringify(d.images[0]?.policies),
    /predicate\.components: incompatible list lengths \(0 and 1 or more\)/,
  );
});

test('an authority with attestations needs the attestation, a signature alone is not enough', () => {
  const policies = loadPolicies(pack('cip/require-sbom-attestation.yaml'), 'p.yaml');
  const d = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, { signatures: [sig(D1, SBOM_SIGNER, 'registry.example.com/app')] }),
  ]);
  assert.equal(d.allowed, false);
  assert.match(JSON.stringify(d.images[0]?.policies), /no verified attestations/);
});

const VULN = 'https://cosign.sigstore.dev/attestation/vuln/v1';
const vulnPredicate = (critical: number | undefined, finished: string) => ({
  scanner: {
    uri: 'pkg:github/aquasecurity/trivy',
    result: critical === undefined ? {} : { Summary: { Critical: critical } },
  },
  metadata: { scanStartedOn: finished, scanFinishedOn: finished },
});

test('vuln attestation: no criticals and scanned within 24 h of the injected now passes', () => {
  const policies = loadPolicies(pack('cip/require-vuln-attestation.yaml'), 'p.yaml');
  const d = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, {
      attestations: [
        att(D1, SBOM_SIGNER, 'registry.example.com/app', VULN, vulnPredicate(0, '2026-11-23T06:00:00Z')),
      ],
    }),
  ]);
  assert.equal(d.allowed, true, JSON.stringify(d.reasons));
});

test('vuln attestation: a scan older than 24 h fails against the injected now', () => {
  const policies = loadPolicies(pack('cip/require-vuln-attestation.yaml'), 'p.yaml');
  const d = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, {
      attestations: [
        att(D1, SBOM_SIGNER, 'registry.example.com/app', VULN, vulnPredicate(0, '2026-11-21T06:00:00Z')),
      ],
    }),
  ]);
  assert.equal(d.allowed, false);
  assert.match(JSON.stringify(d.images[0]?.policies), /scanFinishedOn: invalid value/);
});

test('vuln attestation: a critical CVE fails, and so does a scan without the count', () => {
  const policies = loadPolicies(pack('cip/require-vuln-attestation.yaml'), 'p.yaml');
  for (const critical of [2, undefined]) {
    const d = one(policies, 'registry.example.com/app:1', D1, [
      evidence(D1, {
        attestations: [
          att(
            D1,
            SBOM_SIGNER,
            'registry.example.com/app',
            VULN,
            vulnPredicate(critical, '2026-11-23T06:00:00Z'),
          ),
        ],
      }),
    ]);
    assert.equal(d.allowed, false, String(critical));
  }
});

test('the seed SBOM CIP loads but its CUE does not compile, so it fails closed with POLICY_INVALID', () => {
  const policies = loadPolicies(fixture('seeds/require-sbom-attestation.yaml'), 'seed.yaml');
  const d = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, {
      attestations: [
        att(D1, SBOM_SIGNER, 'registry.example.com/app', 'https://cyclonedx.org/bom', {
          components: [{ name: 'x' }],
        }),
      ],
    }),
  ]);
  assert.equal(d.allowed, false);
  assert.match(
    JSON.stringify(d.images[0]?.policies),
    /POLICY_INVALID: CUE does not compile: line 1: \\"#\\" does not start a comment/,
  );
});

test('rego attestation policies fail closed as UNSUPPORTED', () => {
  const text = pack('cip/require-sbom-attestation.yaml').replace('type: cue', 'type: rego');
  const d = one(loadPolicies(text, 'p.yaml'), 'registry.example.com/app:1', D1, [
    evidence(D1, {
      attestations: [
        att(D1, SBOM_SIGNER, 'registry.example.com/app', 'https://cyclonedx.org/bom', { components: [{}] }),
      ],
    }),
  ]);
  assert.equal(d.allowed, false);
  assert.match(JSON.stringify(d.images[0]?.policies), /UNSUPPORTED: rego/);
});

// --- Kyverno ---

const LDBL_SIG = (digest = D1) => sig(digest, certSigner(LDBL), 'ghcr.io/ldbl/app');

test('seed Kyverno policy in Audit: unsigned image is admitted with a warning', () => {
  const policies = loadPolicies(pack('kyverno/verify-signed-images.yaml'), 'k.yaml');
  const d = one(policies, 'ghcr.io/ldbl/app:v1', D1, [evidence(D1, {})]);
  assert.equal(d.allowed, true);
  assert.equal(d.images[0]?.outcome, 'warn');
  assert.match(d.warnings[0] ?? '', /verify-signed-images-example\/verify-ghcr-signatures \(Audit/);
});

test('seed Kyverno policy promoted to Enforce: unsigned is denied, signed is admitted and pinned to its digest', () => {
  const promoted = promotePolicies(pack('kyverno/verify-signed-images.yaml'), 'k.yaml', 'enforce').text;
  const policies = loadPolicies(promoted, 'k.yaml');
  const images = [{ ref: 'ghcr.io/ldbl/app:v1', digest: D1, pointer: '/spec/containers/0/image' }];
  const denied = evaluate({ policies, images, evidence: evidenceMap(evidence(D1, {})) }, { now: NOW });
  assert.equal(denied.allowed, false);
  assert.match(
    denied.reasons[0] ?? '',
    /expected certificate from fulcio:https:\/\/fulcio\.sigstore\.dev with issuer "https:\/\/token\.actions\.githubusercontent\.com" subject "https:\/\/github\.com\/ldbl\/\*" \(wildcard\)/,
  );
  const admitted = evaluate(
    { policies, images, evidence: evidenceMap(evidence(D1, { signatures: [LDBL_SIG()] })) },
    { now: NOW },
  );
  assert.equal(admitted.allowed, true);
  assert.deepEqual(admitted.patches, [
    { op: 'replace', path: '/spec/containers/0/image', value: `ghcr.io/ldbl/app@${D1}` },
  ]);
});

test('a subject outside the wildcard is not trusted', () => {
  const policies = loadPolicies(
    promotePolicies(pack('kyverno/verify-signed-images.yaml'), 'k.yaml', 'enforce').text,
    'k.yaml',
  );
  const d = one(policies, 'ghcr.io/ldbl/app:v1', D1, [
    evidence(D1, { signatures: [sig(D1, certSigner('https://github.com/evil/app/x'), 'ghcr.io/ldbl/app')] }),
  ]);
  assert.equal(d.allowed, false);
});

function kyvernoEnforce(verifyImages: string): PolicySet {
  return loadPolicies(
    `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: kp }
spec:
  validationFailureAction: Enforce
  rules:
    - name: r
      match: { any: [{ resources: { kinds: [Pod] } }] }
      verifyImages:
${verifyImages}`,
    'kp.yaml',
  );
}

const keyBlock = (pem: string, indent: string) =>
  pem
    .trim()
    .split('\n')
    .map((l) => `${indent}${l}`)
    .join('\n');

test('attestor count: 2 of 3 keys suffice, 1 of 3 does not', () => {
  const other = fixture('keys/other.pub');
  const entry = (pem: string) =>
    `                - keys:\n                    publicKeys: |\n${keyBlock(pem, '                      ')}`;
  const policies = kyvernoEnforce(`        - imageReferences: ["ghcr.io/*"]
          mutateDigest: false
          verifyDigest: false
          attestors:
            - count: 2
              entries:
${entry(KEY_PEM)}
${entry(other)}
${entry(KEY_PEM)}
`);
  const twoOk = one(policies, 'ghcr.io/a/b:1', D1, [
    evidence(D1, { signatures: [sig(D1, keySigner(), 'ghcr.io/a/b')] }),
  ]);
  assert.equal(twoOk.allowed, true, JSON.stringify(twoOk.reasons));
  const oneOk = one(policies, 'ghcr.io/a/b:1', D1, [
    evidence(D1, { signatures: [sig(D1, keySigner(OTHER_KEY_FP), 'ghcr.io/a/b')] }),
  ]);
  assert.equal(oneOk.allowed, false);
  assert.match(oneOk.reasons[0] ?? '', /expected 2 of 3 entries verified, found 1 verified/);
});

test('verifyDigest without mutateDigest refuses a tag and accepts a digest', () => {
  const policies = kyvernoEnforce(`        - imageReferences: ["ghcr.io/*"]
          mutateDigest: false
          attestors:
            - entries:
                - keys:
                    publicKeys: |
${keyBlock(KEY_PEM, '                      ')}
`);
  const ev = evidence(D1, { signatures: [sig(D1, keySigner(), 'ghcr.io/a/b')] });
  const byTag = one(policies, 'ghcr.io/a/b:1', D1, [ev]);
  assert.equal(byTag.allowed, false);
  assert.match(byTag.reasons[0] ?? '', /missing digest for ghcr\.io\/a\/b:1/);
  assert.equal(one(policies, `ghcr.io/a/b@${D1}`, D1, [ev]).allowed, true);
});

test('a multi-container pod is denied when one image fails, and the verdict names that image', () => {
  const policies = loadPolicies(
    promotePolicies(pack('kyverno/verify-signed-images.yaml'), 'k.yaml', 'enforce').text,
    'k.yaml',
  );
  const d = evaluate(
    {
      policies,
      images: [
        { ref: 'ghcr.io/ldbl/app:v1', digest: D1, container: 'app', pointer: '/spec/containers/0/image' },
        {
          ref: 'ghcr.io/ldbl/sidecar:v1',
          digest: D2,
          container: 'sidecar',
          pointer: '/spec/containers/1/image',
        },
        {
          ref: 'docker.io/library/busybox:1',
          digest: D3,
          container: 'debug',
          pointer: '/spec/containers/2/image',
        },
      ],
      evidence: evidenceMap(evidence(D1, { signatures: [LDBL_SIG(D1)] }), evidence(D2, {})),
    },
    { now: NOW },
  );
  assert.equal(d.allowed, false);
  assert.deepEqual(
    d.images.map((i) => i.outcome),
    ['allow', 'deny', 'allow'],
  );
  assert.equal(d.reasons.length, 1);
  assert.match(d.reasons[0] ?? '', /^ghcr\.io\/ldbl\/sidecar:v1: /);
  assert.deepEqual(d.patches, [
    { op: 'replace', path: '/spec/containers/0/image', value: `ghcr.io/ldbl/app@${D1}` },
  ]);
});

test('Kyverno attestation conditions: a passing SLSA predicate is admitted, a failing one is denied with the condition', () => {
  const policies = kyvernoEnforce(`        - imageReferences: ["ghcr.io/ldbl/*"]
          attestations:
            - type: https://slsa.dev/provenance/v1
              attestors:
                - entries:
                    - keyless: { issuer: "https://token.actions.githubusercontent.com", subject: "https://github.com/ldbl/*" }
              conditions:
                - all:
                    - key: "{{ buildDefinition.externalParameters.workflow.repository }}"
                      operator: Equals
                      value: "https://github.com/ldbl/*"
                  any:
                    - key: "{{ buildDefinition.externalParameters.workflow.ref }}"
                      operator: AnyIn
                      value: ["refs/tags/*", "refs/heads/main"]
`);
  const prov = (repo: string, ref: string) => ({
    buildDefinition: { externalParameters: { workflow: { repository: repo, ref } } },
  });
  const good = att(
    D1,
    certSigner(LDBL),
    'ghcr.io/ldbl/app',
    'https://slsa.dev/provenance/v1',
    prov('https://github.com/ldbl/app', 'refs/tags/v1.2.3'),
  );
  assert.equal(
    one(policies, 'ghcr.io/ldbl/app:v1', D1, [evidence(D1, { attestations: [good] })]).allowed,
    true,
  );
  const bad = att(
    D1,
    certSigner(LDBL),
    'ghcr.io/ldbl/app',
    'https://slsa.dev/provenance/v1',
    prov('https://github.com/fork/app', 'refs/tags/v1'),
  );
  const d = one(policies, 'ghcr.io/ldbl/app:v1', D1, [evidence(D1, { attestations: [bad] })]);
  assert.equal(d.allowed, false);
  assert.match(
    d.reasons[0] ?? '',
    /expected "https:\/\/github\.com\/fork\/app" Equals "https:\/\/github\.com\/ldbl\/\*"/,
  );
});

test('keyless additionalExtensions must all match the certificate', () => {
  const policies = kyvernoEnforce(`        - imageReferences: ["ghcr.io/*"]
          mutateDigest: false
          verifyDigest: false
          attestors:
            - entries:
                - keyless:
                    issuer: "https://token.actions.githubusercontent.com"
                    subject: "https://github.com/ldbl/*"
                    additionalExtensions:
                      githubWorkflowTrigger: push
`);
  const withExt = (trigger: string) =>
    sig(D1, certSigner(LDBL, { extensions: { githubWorkflowTrigger: trigger } }), 'ghcr.io/a/b');
  assert.equal(
    one(policies, 'ghcr.io/a/b:1', D1, [evidence(D1, { signatures: [withExt('push')] })]).allowed,
    true,
  );
  assert.equal(
    one(policies, 'ghcr.io/a/b:1', D1, [evidence(D1, { signatures: [withExt('pull_request_target')] })])
      .allowed,
    false,
  );
});

test('keyless roots: the trust anchor is the sha256 of the given PEM roots', () => {
  const roots = fixture('keys/cosign.pub');
  const policies = kyvernoEnforce(`        - imageReferences: ["ghcr.io/*"]
          mutateDigest: false
          verifyDigest: false
          attestors:
            - entries:
                - keyless:
                    issuer: "https://token.actions.githubusercontent.com"
                    subject: "https://github.com/ldbl/*"
                    roots: |
${keyBlock(roots, '                      ')}
`);
  const anchored = sig(D1, certSigner(LDBL, { anchor: pemAnchor(roots) }), 'ghcr.io/a/b');
  assert.equal(one(policies, 'ghcr.io/a/b:1', D1, [evidence(D1, { signatures: [anchored] })]).allowed, true);
  assert.equal(
    one(policies, 'ghcr.io/a/b:1', D1, [evidence(D1, { signatures: [LDBL_SIG()] })]).allowed,
    false,
  );
});

test('validationFailureActionOverrides turn Enforce into Audit for a namespace', () => {
  const text = promotePolicies(pack('kyverno/verify-signed-images.yaml'), 'k.yaml', 'enforce').text.replace(
    'background: false',
    'background: false\n  validationFailureActionOverrides:\n    - action: Audit\n      namespaces: [dev]',
  );
  const policies = loadPolicies(text, 'k.yaml');
  const r = (namespace: string): ResourceContext => ({
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'p',
    namespace,
    labels: {},
    annotations: {},
    namespaceLabels: {},
    operation: 'CREATE',
  });
  assert.equal(
    one(policies, 'ghcr.io/ldbl/app:v1', D1, [evidence(D1, {})], { resource: r('dev') }).images[0]?.outcome,
    'warn',
  );
  assert.equal(
    one(policies, 'ghcr.io/ldbl/app:v1', D1, [evidence(D1, {})], { resource: r('prod') }).images[0]?.outcome,
    'deny',
  );
});

test('images outside imageReferences and skipImageReferences are not judged by Kyverno', () => {
  const policies = kyvernoEnforce(`        - imageReferences: ["ghcr.io/*"]
          skipImageReferences: ["ghcr.io/trusted/*"]
          attestors: [{ entries: [{ keyless: { issuer: "https://i", subject: "s" } }] }]
`);
  assert.equal(one(policies, 'ghcr.io/trusted/x:1', D1, []).allowed, true);
  assert.equal(one(policies, 'quay.io/x/y:1', D1, []).allowed, true);
  assert.equal(one(policies, 'ghcr.io/other/x:1', D1, []).allowed, false);
});

// --- the edge contract ---

/** An in-memory EvidenceCollector: the edge's role, answering from a table of verified facts. */
class TableCollector implements EvidenceCollector {
  readonly asked: AuthorityRequirement[] = [];
  constructor(private readonly table: Map<string, Evidence>) {}
  async collect(image: ImageIdentity, req: AuthorityRequirement): Promise<Evidence> {
    this.asked.push(req);
    if (image.digest === D2) throw new Error('registry unreachable');
    return this.table.get(image.digest) ?? evidence(image.digest, {});
  }
}

test('decide asks the collector once per authority with its trust material, and a collector failure denies with the reason', async () => {
  const policies = loadPolicies(keyCip(), 'k.yaml');
  const collector = new TableCollector(
    evidenceMap(evidence(D1, { signatures: [sig(D1, keySigner(), 'registry.example.com/app')] })),
  );
  const d = await decide(
    {
      policies,
      images: [
        { ref: 'registry.example.com/app:1', digest: D1 },
        { ref: 'registry.example.com/other:1', digest: D2 },
      ],
    },
    collector,
    { now: NOW },
  );
  assert.deepEqual(
    d.images.map((i) => i.outcome),
    ['allow', 'deny'],
  );
  assert.match(JSON.stringify(d.images[1]?.policies), /registry unreachable/);
  const req = collector.asked[0];
  assert.ok(req && req.kind === 'key');
  assert.equal(req.publicKeyPem, KEY_PEM);
  // A key authority without ctlog is signature-only, as in policy-controller (see tlog-semantics.test.ts).
  assert.equal(req.tlog.required, false);
});

test('evidence requirements name the predicate types and trust anchor an attestation authority needs', () => {
  const policies = loadPolicies(pack('cip/require-vuln-attestation.yaml'), 'p.yaml');
  const reqs = evidenceRequirements(policies, { ref: 'registry.example.com/app:1', digest: D1 }, undefined);
  assert.equal(reqs.length, 1);
  const r = reqs[0];
  assert.ok(r && r.kind === 'keyless');
  assert.deepEqual(r.predicateTypes, [VULN]);
  assert.equal(r.trustAnchor, 'fulcio:https://fulcio.sigstore.dev');
});

test("source.oci: signatures must come from the named repository, not the image's own", () => {
  const policies = loadPolicies(
    keyCip().replace(
      '    - name: release-key\n',
      '    - name: release-key\n      source: [{ oci: registry.example.com/signatures }]\n',
    ),
    'k.yaml',
  );
  const fromSigs = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, { signatures: [sig(D1, keySigner(), 'registry.example.com/signatures')] }),
  ]);
  assert.equal(fromSigs.allowed, true);
  const fromImage = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, { signatures: [sig(D1, keySigner(), 'registry.example.com/app')] }),
  ]);
  assert.equal(fromImage.allowed, false);
  assert.match(fromImage.reasons[0] ?? '', /stored in registry\.example\.com\/app/);
});

test('Docker Hub names normalise: a signature found in index.docker.io/library/nginx counts for nginx', () => {
  const text = keyCip().replace('registry.example.com/**', 'index.docker.io/library/nginx:*');
  const d = one(loadPolicies(text, 'k.yaml'), 'nginx:1.25', D1, [
    evidence(D1, { signatures: [sig(D1, keySigner(), 'index.docker.io/library/nginx')] }),
  ]);
  assert.equal(d.allowed, true, JSON.stringify(d.reasons));
});

test('a CIP-level CUE policy sees what each passing authority matched (authorityMatches)', () => {
  const text = `${keyCip()}  policy:
    type: cue
    data: |
      authorityMatches: "release-key": signatures: [_, ...]
`;
  const policies = loadPolicies(text, 'k.yaml');
  const signed = one(policies, 'registry.example.com/app:1', D1, [
    evidence(D1, { signatures: [sig(D1, keySigner(), 'registry.example.com/app')] }),
  ]);
  assert.equal(signed.allowed, true, JSON.stringify(signed.reasons));
  const wrongName = loadPolicies(text.replace('"release-key": signatures', '"other": signatures'), 'k.yaml');
  const d = one(wrongName, 'registry.example.com/app:1', D1, [
    evidence(D1, { signatures: [sig(D1, keySigner(), 'registry.example.com/app')] }),
  ]);
  assert.equal(d.allowed, false);
});

test('a namespaced Kyverno Policy applies only in its own namespace', () => {
  const text = promotePolicies(pack('kyverno/verify-signed-images.yaml'), 'k.yaml', 'enforce')
    .text.replace('kind: ClusterPolicy', 'kind: Policy')
    .replace(
      '  name: verify-signed-images-example',
      '  name: verify-signed-images-example\n  namespace: team-a',
    );
  const policies = loadPolicies(text, 'k.yaml');
  const r = (namespace: string): ResourceContext => ({
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'p',
    namespace,
    labels: {},
    annotations: {},
    namespaceLabels: {},
    operation: 'CREATE',
  });
  assert.equal(
    one(policies, 'ghcr.io/ldbl/app:v1', D1, [evidence(D1, {})], { resource: r('team-a') }).allowed,
    false,
  );
  assert.equal(
    one(policies, 'ghcr.io/ldbl/app:v1', D1, [evidence(D1, {})], { resource: r('team-b') }).allowed,
    true,
  );
});

test('an unparseable image reference is denied with the reason, never thrown', async () => {
  const policies = loadPolicies(keyCip(), 'k.yaml');
  const d = await decide(
    { policies, images: [{ ref: 'Bad Ref!!', digest: D1 }] },
    new TableCollector(new Map()),
    { now: NOW },
  );
  assert.equal(d.allowed, false);
  assert.match(d.reasons[0] ?? '', /invalid image reference/);
});
