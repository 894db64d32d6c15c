import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AdmissionServerOptions, startAdmissionServer } from '../../src/admission/index.js';
import { PolicyDecider } from '../../src/admission/policy-decider.js';
import { loadPolicies, type PolicySet } from '../../src/policy/index.js';
import { KEY_PEM } from '../policy/evidence-factory.js';
import { SIGNED, TableRegistry } from '../support/table-registry.js';
import {
  admissionReviewFor,
  httpsRequest,
  type Json,
  loadWorkload,
  postReview,
  testCertificate,
  withImages,
} from '../support/admission.js';

// The real policy engine behind the real webhook: policies are parsed from YAML, the decision goes
// through PolicyDecider and the server's verdict cache. Only the registry side is a table: the
// unsigned image has nothing attached, the signed one a signature by the fixture key.
const NOW_MS = Date.parse('2026-11-23T12:00:00Z');

const indentedKey = KEY_PEM.trim()
  .split('\n')
  .map((l) => `                      ${l}`)
  .join('\n');

/** A Kyverno ClusterPolicy in Enforce whose rule adds `ruleExtra` (exclude, preconditions, …). */
function kyverno(ruleExtra: string, match = '{ any: [{ resources: { kinds: [Pod] } }] }'): PolicySet {
  return loadPolicies(
    `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: require-signed }
spec:
  validationFailureAction: Enforce
  rules:
    - name: key
      match: ${match}
${ruleExtra}      verifyImages:
        - imageReferences: ["registry.example.com/*"]
          mutateDigest: false
          verifyDigest: false
          attestors:
            - entries:
                - keys:
                    rekor: { ignoreTlog: true }
                    publicKeys: |
${indentedKey}
`,
    'k.yaml',
  );
}

async function webhook(
  t: { after: (fn: () => Promise<void>) => void },
  policies: () => PolicySet,
  over: Partial<AdmissionServerOptions> = {},
  noMatchPolicy?: 'allow',
) {
  const registry = new TableRegistry();
  const pair = await testCertificate();
  const server = await startAdmissionServer({
    tls: { kind: 'pem', certPem: pair.certPem, keyPem: pair.keyPem },
    decider: new PolicyDecider({
      policies,
      collector: registry.collector,
      resolver: registry.resolver,
      ...(noMatchPolicy ? { evaluate: { noMatchPolicy } } : {}),
    }),
    mode: 'enforce',
    clock: () => NOW_MS,
    ...over,
  });
  t.after(() => server.close());
  const post = async (object: Json, opts: { operation?: string } = {}) =>
    (await postReview(server.url, pair.certPem, '/validate', admissionReviewFor(object, opts))).json
      .response as { allowed: boolean; status?: { message: string } };
  const metrics = async () => (await httpsRequest(server.url, pair.certPem, { path: '/metrics' })).body;
  return { registry, post, metrics };
}

/** pod.json (image registry.example.com/team/app:1.0.0, unsigned) with other labels and name. */
function pod(labels: Record<string, string>, name = 'web'): Json {
  const p = loadWorkload('pod.json');
  return { ...p, metadata: { ...(p.metadata as Json), name, labels } };
}

const EXCLUDE_SKIP = `      exclude:
        any:
          - resources:
              selector: { matchLabels: { skip-verify: "true" } }
`;

test('a Kyverno exclude by object label admits the labelled unsigned pod and denies it without the label', async (t) => {
  const set = kyverno(EXCLUDE_SKIP);
  const { post } = await webhook(t, () => set, { cache: false });
  assert.equal((await post(pod({ run: 'web', 'skip-verify': 'true' }))).allowed, true);
  const denied = await post(pod({ run: 'web' }));
  assert.equal(denied.allowed, false);
  assert.match(denied.status?.message ?? '', /require-signed/);
  // Without the label the rule applies, and a signed image passes it.
  assert.equal((await post(withImages(pod({ run: 'web' }), [SIGNED]))).allowed, true);
});

test('with the cache on, the labelled and unlabelled pod never share a cached verdict', async (t) => {
  const set = kyverno(EXCLUDE_SKIP);
  const { post, registry } = await webhook(t, () => set);
  assert.equal((await post(pod({ 'skip-verify': 'true' }))).allowed, true);
  assert.equal((await post(pod({}))).allowed, false);
  assert.equal((await post(pod({ 'skip-verify': 'true' }))).allowed, true);
  assert.equal(registry.resolutions, 2);
});

test('a policy set that reads no object facts keeps one cache entry for pods differing in labels and name', async (t) => {
  const set = kyverno('');
  const { post, registry, metrics } = await webhook(t, () => set);
  assert.equal((await post(pod({ 'pod-template-hash': 'aaaa' }, 'web-aaaa-1'))).allowed, false);
  assert.equal((await post(pod({ 'pod-template-hash': 'bbbb' }, 'web-bbbb-2'))).allowed, false);
  assert.equal(registry.resolutions, 1);
  assert.match(await metrics(), /^vouch_verdict_cache_events_total\{event="hit"\} 1$/m);
});

test('a Kyverno match on operations sees the AdmissionReview operation', async (t) => {
  const set = kyverno('', '{ any: [{ resources: { kinds: [Pod], operations: [CREATE] } }] }');
  const { post } = await webhook(t, () => set);
  assert.equal((await post(pod({}), { operation: 'CREATE' })).allowed, false);
  // An UPDATE is outside the rule; Kyverno-only sets admit images no rule selects.
  assert.equal((await post(pod({}), { operation: 'UPDATE' })).allowed, true);
});

test('a Kyverno match on names and annotations sees the object name and annotations', async (t) => {
  const set = kyverno(
    '',
    '{ all: [{ resources: { kinds: [Pod], names: ["web-*"], annotations: { team: "pay*" } } }] }',
  );
  const { post } = await webhook(t, () => set);
  const annotated = (name: string, team: string): Json => {
    const p = pod({}, name);
    return { ...p, metadata: { ...(p.metadata as Json), annotations: { team } } };
  };
  assert.equal((await post(annotated('web-1', 'payments'))).allowed, false);
  assert.equal((await post(annotated('web-1', 'search'))).allowed, true);
  assert.equal((await post(annotated('api-1', 'payments'))).allowed, true);
});

test('preconditions on request.object decide per object through the webhook and its cache', async (t) => {
  const set = kyverno(`      preconditions:
        all:
          - key: "{{ request.object.metadata.labels.tier || '' }}"
            operator: Equals
            value: prod
`);
  const { post, registry } = await webhook(t, () => set);
  assert.equal((await post(pod({ tier: 'prod' }))).allowed, false);
  assert.equal((await post(pod({ tier: 'dev' }))).allowed, true);
  assert.equal((await post(pod({ tier: 'prod' }))).allowed, false);
  assert.equal(registry.resolutions, 2);
});

test('a ClusterImagePolicy match[].selector selects by the object labels through the webhook', async (t) => {
  const key = KEY_PEM.trim()
    .split('\n')
    .map((l) => `          ${l}`)
    .join('\n');
  const set = loadPolicies(
    `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: labelled-pods }
spec:
  images: [{ glob: "registry.example.com/**" }]
  match:
    - { group: "", version: v1, resource: pods, selector: { matchLabels: { verify: "true" } } }
  authorities:
    - name: release-key
      ctlog: { }
      key:
        data: |
${key}
`,
    'cip.yaml',
  );
  const { post, registry } = await webhook(
    t,
    () => set,
    { namespaceLabels: async () => ({ 'policy.sigstore.dev/include': 'true' }) },
    'allow',
  );
  assert.equal((await post(pod({ verify: 'true' }))).allowed, false);
  assert.equal((await post(pod({}))).allowed, true);
  // The unselected pod gets the no-match verdict, which reads the reference only: no resolution.
  assert.equal(registry.resolutions, 1);
});

test('after a policy reload the cache never serves a verdict of the old policy set', async (t) => {
  let set = kyverno('');
  const { post } = await webhook(t, () => set);
  assert.equal((await post(pod({ 'skip-verify': 'true' }))).allowed, false);
  // No invalidate() call: the new set must not be answered from the old set's entry.
  set = kyverno(EXCLUDE_SKIP);
  assert.equal((await post(pod({ 'skip-verify': 'true' }))).allowed, true);
});

test('a pod nested too deeply to key the cache on is still decided, just not cached', async (t) => {
  const set = kyverno(`      preconditions:
        all:
          - key: "{{ request.object.metadata.labels.tier || '' }}"
            operator: Equals
            value: prod
`);
  const pair = await testCertificate();
  const registry = new TableRegistry();
  const server = await startAdmissionServer({
    tls: { kind: 'pem', certPem: pair.certPem, keyPem: pair.keyPem },
    decider: new PolicyDecider({
      policies: () => set,
      collector: registry.collector,
      resolver: registry.resolver,
    }),
    mode: 'enforce',
    clock: () => NOW_MS,
  });
  t.after(() => server.close());
  // 20,000 levels: JSON.parse reads it, JSON.stringify (and so a cache key) overflows the stack.
  const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
  const object = { ...pod({ tier: 'prod' }), extra: '__DEEP__' };
  const body = JSON.stringify(admissionReviewFor(object)).replace('"__DEEP__"', deep);
  const send = async () => {
    const r = await httpsRequest(server.url, pair.certPem, {
      method: 'POST',
      path: '/validate',
      body,
      headers: { 'content-type': 'application/json' },
    });
    return (JSON.parse(r.body) as { response: { allowed: boolean; status?: { message: string } } }).response;
  };
  const first = await send();
  assert.equal(first.allowed, false);
  assert.match(first.status?.message ?? '', /require-signed/);
  assert.doesNotMatch(first.status?.message ?? '', /INTERNAL/);
  await send();
  assert.equal(registry.resolutions, 2);
});
