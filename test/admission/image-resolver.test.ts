// The webhook's tag resolution: failures are remembered briefly (an outage costs one lookup per TTL,
// not one per review), and a webhook deadline cancels the registry request it has in flight.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withAbortSignal } from '../../src/abort-scope.js';
import { review } from '../../src/admission/index.js';
import { TagResolver } from '../../src/admission/image-resolver.js';
import { PolicyDecider } from '../../src/admission/policy-decider.js';
import { VouchError } from '../../src/errors.js';
import type { ImageReader } from '../../src/oci/image-store.js';
import { RegistryClient } from '../../src/oci/registry-client.js';
import { loadPolicies } from '../../src/policy/index.js';
import { admissionReviewFor } from '../support/admission.js';
import { startLyingRegistry } from '../support/lying-registry.js';
import { TableRegistry } from '../support/table-registry.js';

/** An opener whose every lookup fails with `error`, counting lookups. */
function failing(error: VouchError) {
  const counter = { lookups: 0 };
  const open = () =>
    ({
      resolve: async () => {
        counter.lookups += 1;
        throw error;
      },
    }) as unknown as ImageReader;
  return { counter, open };
}

test('a failed lookup is answered from memory until its short TTL passes', async () => {
  const down = new VouchError('REGISTRY_UNREACHABLE', 'registry.example.com: connection refused');
  const { counter, open } = failing(down);
  let now = 1_000;
  const resolver = new TagResolver(open, {
    ttlMs: 30_000,
    failureTtlMs: 5_000,
    maxEntries: 10,
    clock: () => now,
  });
  await assert.rejects(resolver.resolve('registry.example.com/app:1'), (e) => e === down);
  now += 4_000;
  await assert.rejects(resolver.resolve('registry.example.com/app:1'), (e) => e === down);
  assert.equal(counter.lookups, 1);
  now += 2_000;
  await assert.rejects(resolver.resolve('registry.example.com/app:1'), (e) => e === down);
  assert.equal(counter.lookups, 2);
});

test('without failureTtlMs failures are not remembered', async () => {
  const { counter, open } = failing(new VouchError('REGISTRY_UNREACHABLE', 'refused'));
  const resolver = new TagResolver(open, { ttlMs: 30_000, maxEntries: 10, clock: () => 0 });
  await assert.rejects(resolver.resolve('registry.example.com/app:1'));
  await assert.rejects(resolver.resolve('registry.example.com/app:1'));
  assert.equal(counter.lookups, 2);
});

test('a lookup cut short by its own deadline is not remembered', async () => {
  const { counter, open } = failing(new VouchError('TIMEOUT', 'verification deadline passed'));
  const resolver = new TagResolver(open, {
    ttlMs: 30_000,
    failureTtlMs: 5_000,
    maxEntries: 10,
    clock: () => 0,
  });
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    withAbortSignal(controller.signal, () => resolver.resolve('registry.example.com/app:1')),
  );
  await assert.rejects(resolver.resolve('registry.example.com/app:1'));
  assert.equal(counter.lookups, 2);
});

test('past the webhook deadline the registry request in flight is cancelled, not left running', async (t) => {
  // Every answer drips, the ping too: whichever request is in flight at the deadline must be cancelled.
  const reg = await startLyingRegistry({ kind: 'drip', intervalMs: 5, contentLength: 100_000, ping: true });
  t.after(() => reg.close());
  const client = new RegistryClient({ insecureRegistries: [reg.host], now: () => new Date() });
  const resolver = new TagResolver((ref) => client.repository(ref), {
    ttlMs: 30_000,
    failureTtlMs: 5_000,
    maxEntries: 10,
    clock: Date.now,
  });
  const policies = loadPolicies(
    `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: require-signed }
spec:
  validationFailureAction: Enforce
  rules:
    - name: key
      match: { any: [{ resources: { kinds: [Pod] } }] }
      verifyImages:
        - imageReferences: ["127.0.0.1:*"]
          mutateDigest: false
          attestors: [{ entries: [{ keyless: { subject: s, issuer: i, rekor: { url: "https://rekor.example" } } }] }]
`,
    'k.yaml',
  );
  const decider = new PolicyDecider({
    policies: () => policies,
    collector: new TableRegistry().collector,
    resolver,
  });
  const image = `${reg.host}/app:v1`;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', image }] },
  };
  const r = await review(admissionReviewFor(pod), {
    decider,
    mode: 'audit',
    endpoint: 'validate',
    now: new Date(),
    deadlineMs: 100,
  });
  assert.equal(r.review.response.allowed, false, 'the Enforce policy owns the deadline');
  assert.equal(r.decision?.images[0]?.outcomes[0]?.reason, 'timeout');
  // The request in flight was aborted by the deadline: the server saw its client go away.
  const cancelled = () => reg.requests.length > 0 && reg.requests.every((x) => x.closedEarly);
  for (let i = 0; i < 100 && !cancelled(); i++) await new Promise((res) => setTimeout(res, 5));
  assert.ok(cancelled(), JSON.stringify(reg.requests));
});
