// Reason labels come from the actual failure of the actual policy, and only images without a trusted
// signature count as unsigned. The real engine behind the real webhook; the registry side is a table
// whose evidence is shaped per image (signed without a Rekor entry, signed by another key, nothing).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAdmissionServer } from '../../src/admission/index.js';
import { PolicyDecider } from '../../src/admission/policy-decider.js';
import type { Digest } from '../../src/oci/digest.js';
import {
  type AuthorityRequirement,
  type Evidence,
  emptyEvidence,
  type ImageIdentity,
  loadPolicies,
  mergePolicySets,
  type PolicySet,
} from '../../src/policy/index.js';
import { evidence, KEY_PEM, keySigner, OTHER_KEY_FP, sig } from '../policy/evidence-factory.js';
import {
  admissionReviewFor,
  httpsRequest,
  type Json,
  loadWorkload,
  postReview,
  testCertificate,
  withImages,
} from '../support/admission.js';

const REPO = 'registry.example.com/team';
/** Signed by the policy key, never uploaded to Rekor (what `vouch sign --key` produces). */
const OFFLINE = `${REPO}/offline:1.0.0`;
const UNSIGNED = `${REPO}/unsigned:1.0.0`;
const OTHER = `${REPO}/other-key:1.0.0`;
const DIGEST: Readonly<Record<string, Digest>> = {
  [OFFLINE]: `sha256:${'0f'.repeat(32)}` as Digest,
  [UNSIGNED]: `sha256:${'00'.repeat(32)}` as Digest,
  [OTHER]: `sha256:${'0e'.repeat(32)}` as Digest,
};

const indent = (n: number) =>
  KEY_PEM.trim()
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`)
    .join('\n');

/** A Kyverno Audit rule with a keys attestor and Kyverno's default Rekor check (no ignoreTlog). */
const KYVERNO_AUDIT = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: require-signed }
spec:
  validationFailureAction: Audit
  rules:
    - name: key
      match: { any: [{ resources: { kinds: [Pod] } }] }
      verifyImages:
        - imageReferences: ["${REPO}/*"]
          attestors:
            - entries:
                - keys:
                    publicKeys: |
${indent(22)}
`;

/** Evidence as the edge reports it: problems prefixed with the requirement they belong to. */
class ShapedCollector {
  readonly asked: AuthorityRequirement[] = [];
  constructor(private readonly problemFor?: (r: AuthorityRequirement) => string | undefined) {}
  async collect(image: ImageIdentity, r: AuthorityRequirement): Promise<Evidence> {
    this.asked.push(r);
    const problem = this.problemFor?.(r);
    const base = problem ? { ...emptyEvidence(image.digest), problems: [`${r.id}: ${problem}`] } : undefined;
    if (image.ref === OFFLINE) {
      return evidence(image.digest, {
        signatures: [sig(image.digest, keySigner(), image.ref.split(':')[0] ?? '', { tlog: false })],
      });
    }
    if (image.ref === OTHER) {
      return evidence(image.digest, {
        signatures: [sig(image.digest, keySigner(OTHER_KEY_FP), image.ref.split(':')[0] ?? '')],
      });
    }
    return base ?? emptyEvidence(image.digest);
  }
}

async function webhook(
  t: { after: (fn: () => Promise<void>) => void },
  policies: PolicySet,
  collector = new ShapedCollector(),
) {
  const pair = await testCertificate();
  const server = await startAdmissionServer({
    tls: { kind: 'pem', certPem: pair.certPem, keyPem: pair.keyPem },
    decider: new PolicyDecider({
      policies: () => policies,
      collector,
      resolver: {
        resolve: async (image: string) => {
          const d = DIGEST[image];
          if (d === undefined) throw new Error(`no such image ${image}`);
          return d;
        },
      },
      evaluate: { cipNamespaceOptIn: false },
    }),
    mode: 'enforce',
    cache: false,
  });
  t.after(() => server.close());
  const post = async (image: string) =>
    (
      await postReview(
        server.url,
        pair.certPem,
        '/validate',
        admissionReviewFor(withImages(loadWorkload('pod.json') as Json, [image]), { namespace: 'shop' }),
      )
    ).json.response as { allowed: boolean; warnings?: string[]; status?: { message: string } };
  const metrics = async () => (await httpsRequest(server.url, pair.certPem, { path: '/metrics' })).body;
  return { post, metrics };
}

test('Kyverno: a key-signed image without a Rekor entry, by tag, is a no-tlog-entry failure and never counted unsigned', async (t) => {
  const { post, metrics } = await webhook(t, loadPolicies(KYVERNO_AUDIT, 'kyverno.yaml'));
  const r = await post(OFFLINE);
  // Kyverno verifies the Rekor entry of a keys attestor unless rekor.ignoreTlog: true, so Audit warns.
  assert.equal(r.allowed, true);
  assert.match(r.warnings?.join('\n') ?? '', /require-signed\/key: .*in the tra/);
  const m = await metrics();
  assert.match(
    m,
    /^cosign_verification_failures_total\{policy="require-signed",reason="no-tlog-entry"\} 1$/m,
  );
  assert.doesNotMatch(m, /reason="untrusted-signer"/);
  assert.doesNotMatch(m, /^unsigned_image_deployments_total\{/m);
});

test('Kyverno: an unsigned image and an image signed by another key are counted unsigned, with their own reasons', async (t) => {
  const { post, metrics } = await webhook(t, loadPolicies(KYVERNO_AUDIT, 'kyverno.yaml'));
  assert.equal((await post(UNSIGNED)).allowed, true);
  assert.equal((await post(OTHER)).allowed, true);
  const m = await metrics();
  assert.match(
    m,
    /^cosign_verification_failures_total\{policy="require-signed",reason="no-signatures"\} 1$/m,
  );
  assert.match(
    m,
    /^cosign_verification_failures_total\{policy="require-signed",reason="untrusted-signer"\} 1$/m,
  );
  assert.match(m, /^unsigned_image_deployments_total\{namespace="shop"\} 2$/m);
});

test('Kyverno with rekor.ignoreTlog: true admits the offline key signature: no failure at all', async (t) => {
  const waived = KYVERNO_AUDIT.replace(
    '                - keys:\n',
    '                - keys:\n                    rekor: { ignoreTlog: true }\n',
  );
  const { post, metrics } = await webhook(t, loadPolicies(waived, 'kyverno.yaml'));
  const r = await post(OFFLINE);
  assert.equal(r.allowed, true);
  assert.equal(r.warnings, undefined);
  assert.doesNotMatch(await metrics(), /^cosign_verification_failures_total\{/m);
});

test('a ClusterImagePolicy reason is that of the authority that came closest, not the most basic one', async (t) => {
  // Authority 1 requires Rekor (ctlog.url) and finds the key signature without an entry; authority 2
  // trusts another key and finds nothing. The image is signed: "no-signatures" would be false.
  const cip = `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: logged-release }
spec:
  mode: warn
  images: [{ glob: "${REPO}/**" }]
  authorities:
    - name: release-key
      ctlog: { url: "https://rekor.sigstore.dev" }
      key:
        data: |
${indent(10)}
    - name: legacy-key
      keyless:
        identities: [{ issuer: "https://accounts.example.com", subject: "legacy@example.com" }]
`;
  const { post, metrics } = await webhook(t, loadPolicies(cip, 'cip.yaml'));
  assert.equal((await post(OFFLINE)).allowed, true);
  const m = await metrics();
  assert.match(
    m,
    /^cosign_verification_failures_total\{policy="logged-release",reason="no-tlog-entry"\} 1$/m,
  );
  assert.doesNotMatch(m, /^unsigned_image_deployments_total\{/m);
});

test("one policy's verdict never carries another policy file's evidence problems", async (t) => {
  const cip = (name: string) => `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: ${name} }
spec:
  images: [{ glob: "${REPO}/**" }]
  authorities:
    - key:
        data: |
${indent(10)}
`;
  const set = mergePolicySets([
    loadPolicies(cip('team-a'), 'team-a.yaml'),
    loadPolicies(cip('team-b'), 'team-b.yaml'),
  ]);
  const collector = new ShapedCollector((r) =>
    r.id.startsWith('team-b.yaml:') ? 'secret team-b registry answered 401' : undefined,
  );
  const { post } = await webhook(t, set, collector);
  const r = await post(UNSIGNED);
  assert.equal(r.allowed, false);
  const message = r.status?.message ?? '';
  const [a, b] = ['team-a', 'team-b'].map(
    (p) => message.split(/\[\d+\] /).find((l) => l.includes(`ClusterImagePolicy ${p}`)) ?? '',
  );
  assert.ok(a && b, message);
  assert.doesNotMatch(a ?? '', /team-b registry answered 401/);
  assert.match(b ?? '', /team-b registry answered 401/);
});
