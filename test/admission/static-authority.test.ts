// Static authorities and the no-match verdict read nothing but the image reference, so the webhook
// decides them without resolving the tag: an image on an unreachable registry is still decided, and
// no digest pin comes back. policy-controller answers `static` authorities before any signature fetch
// (pkg/webhook/validator.go ValidatePolicy); policy-controller#1863 is the upstream request that they
// also skip tag resolution, which vouch does. Anything else that selects the image still resolves it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAdmissionServer } from '../../src/admission/index.js';
import { PolicyDecider } from '../../src/admission/policy-decider.js';
import type { Digest } from '../../src/oci/digest.js';
import { emptyEvidence, loadPolicies, type PolicySet } from '../../src/policy/index.js';
import { KEY_PEM } from '../policy/evidence-factory.js';
import {
  admissionReviewFor,
  type Json,
  loadWorkload,
  postReview,
  testCertificate,
  withImages,
} from '../support/admission.js';
import { closedLoopbackPort } from '../support/closed-port.js';

const UNREACHABLE = `127.0.0.1:${await closedLoopbackPort()}`;
const IMAGE = `${UNREACHABLE}/team/app:1.0.0`;

const indentedKey = KEY_PEM.trim()
  .split('\n')
  .map((l) => `          ${l}`)
  .join('\n');

function cip(authorities: string, glob = `${UNREACHABLE}/**`): PolicySet {
  return loadPolicies(
    `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: static-policy }
spec:
  images: [{ glob: "${glob}" }]
  authorities:
${authorities}`,
    'cip.yaml',
  );
}

const STATIC_PASS = '    - static: { action: pass }\n';
const STATIC_FAIL = '    - static: { action: fail, message: "images from this registry are retired" }\n';
const KEY = `    - name: release-key
      key:
        data: |
${indentedKey}
`;

/** A webhook whose registry is unreachable: every resolution is counted and fails as a refused dial would. */
async function webhook(
  t: { after: (fn: () => Promise<void>) => void },
  policies: PolicySet,
  noMatchPolicy?: 'allow' | 'deny',
) {
  let resolutions = 0;
  const pair = await testCertificate();
  const server = await startAdmissionServer({
    tls: { kind: 'pem', certPem: pair.certPem, keyPem: pair.keyPem },
    decider: new PolicyDecider({
      policies: () => policies,
      collector: { collect: async (image) => emptyEvidence(image.digest) },
      resolver: {
        resolve: async (image: string): Promise<Digest> => {
          resolutions += 1;
          throw new Error(`connect ECONNREFUSED ${UNREACHABLE} (resolving ${image})`);
        },
      },
      evaluate: { cipNamespaceOptIn: false, ...(noMatchPolicy ? { noMatchPolicy } : {}) },
    }),
    mode: 'enforce',
    cache: false,
  });
  t.after(() => server.close());
  const post = async (path: '/validate' | '/mutate', image = IMAGE) =>
    (await postReview(server.url, pair.certPem, path, admissionReviewFor(withImages(pod(), [image])))).json
      .response as { allowed: boolean; patch?: string; status?: { message: string } };
  return { post, resolutions: () => resolutions };
}

function pod(): Json {
  return loadWorkload('pod.json');
}

test('a static pass authority admits an image on an unreachable registry without resolving it, and pins nothing', async (t) => {
  const { post, resolutions } = await webhook(t, cip(STATIC_PASS));
  const validated = await post('/validate');
  assert.equal(validated.allowed, true, validated.status?.message);
  const mutated = await post('/mutate');
  assert.equal(mutated.allowed, true);
  assert.equal(mutated.patch, undefined);
  assert.equal(resolutions(), 0);
});

test('a static fail authority denies with its message, without resolving the image', async (t) => {
  const { post, resolutions } = await webhook(t, cip(STATIC_FAIL));
  const r = await post('/validate');
  assert.equal(r.allowed, false);
  assert.match(r.status?.message ?? '', /images from this registry are retired/);
  assert.equal(resolutions(), 0);
});

test('an image no policy selects is decided by the no-match policy without resolving it', async (t) => {
  const elsewhere = cip(STATIC_PASS, 'registry.example.com/**');
  const denied = await webhook(t, elsewhere);
  const d = await denied.post('/validate');
  assert.equal(d.allowed, false);
  assert.match(d.status?.message ?? '', /no policy matches this image \(no-match policy: deny\)/);
  const allowed = await webhook(t, elsewhere, 'allow');
  assert.equal((await allowed.post('/validate')).allowed, true);
  assert.equal(denied.resolutions() + allowed.resolutions(), 0);
});

test('an authority that reads signatures still needs the digest: the unreachable registry denies in Enforce', async (t) => {
  // One passing authority suffices, but which one passes is known only after the key authority looked.
  const { post, resolutions } = await webhook(t, cip(KEY + STATIC_PASS));
  const r = await post('/validate');
  assert.equal(r.allowed, false);
  assert.match(r.status?.message ?? '', /ECONNREFUSED/);
  assert.equal(resolutions(), 1);
});
