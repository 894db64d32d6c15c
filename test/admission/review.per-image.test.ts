// Each image of a pod is decided, timed and explained on its own (docs/security.md, "Fail closed per
// image"): an image that errors or misses the deadline never changes the outcome of its neighbour, a
// policy in Enforce denies whatever the server's --mode, and the pod's verdict is the conjunction.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type EnforcementMode, policyReportFor, type ReviewDeps, review } from '../../src/admission/index.js';
import { PolicyDecider } from '../../src/admission/policy-decider.js';
import { loadPolicies } from '../../src/policy/index.js';
import { KEY_PEM } from '../policy/evidence-factory.js';
import { admissionReviewFor, type Json } from '../support/admission.js';
import { ScriptedDecider, type ScriptedImage } from '../support/table-decider.js';
import { TableRegistry, UNSIGNED } from '../support/table-registry.js';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const DEADLINE_MS = 25;

function pod(images: readonly string[]): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'prod' },
    spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
  };
}

/** One image's script, and what the webhook must conclude about it on its own. */
interface Case {
  readonly label: string;
  readonly script: ScriptedImage;
}

const MODES: readonly EnforcementMode[] = ['audit', 'enforce'];
const CASES: Case[] = [];
for (const mode of MODES) {
  for (const behaviour of ['pass', 'deny', 'error', 'deadline'] as const) {
    CASES.push({
      label: `${behaviour} (${mode} policy)`,
      script: { behaviour, policy: { name: `p-${mode}`, mode } },
    });
  }
}
for (const behaviour of ['error', 'deadline'] as const) {
  CASES.push({ label: `${behaviour} (no policy)`, script: { behaviour } });
}

/** The spec, per image: result and the mode it acts in. */
function expected(
  c: Case,
  server: EnforcementMode,
): { result: string; mode: EnforcementMode; reason?: string } {
  const mode = c.script.policy?.mode ?? server;
  switch (c.script.behaviour) {
    case 'pass':
      return { result: 'pass', mode };
    case 'deny':
      return { result: 'fail', mode, reason: 'no-signatures' };
    case 'error':
      return { result: 'error', mode, reason: 'registry-unreachable' };
    case 'deadline':
      return { result: 'error', mode, reason: 'timeout' };
  }
}

for (const server of MODES) {
  for (const a of CASES) {
    for (const b of CASES) {
      test(`server --mode ${server}: image A ${a.label} next to image B ${b.label}`, async () => {
        const imgA = 'registry.example.com/a:1';
        const imgB = 'registry.example.com/b:1';
        const decider = new ScriptedDecider(
          new Map([
            [imgA, a.script],
            [imgB, b.script],
          ]),
        );
        const deps: ReviewDeps = {
          decider,
          mode: server,
          endpoint: 'validate',
          now: NOW,
          deadlineMs: DEADLINE_MS,
        };
        const r = await review(admissionReviewFor(pod([imgA, imgB]), { uid: 'u' }), deps);
        const images = r.decision?.images ?? [];
        assert.equal(images.length, 2);
        const pairs: Array<[string, Case]> = [
          [imgA, a],
          [imgB, b],
        ];
        let allowed = true;
        for (const [i, [image, c]] of pairs.entries()) {
          const want = expected(c, server);
          const got = images[i];
          assert.equal(got?.image, image);
          assert.equal(got?.outcomes.length, 1, `${image}: one outcome`);
          const o = got?.outcomes[0];
          assert.equal(o?.result, want.result, `${image}: result`);
          assert.equal(o?.mode, want.mode, `${image}: mode`);
          assert.equal(o?.reason, want.reason, `${image}: reason`);
          assert.equal(o?.policy, c.script.policy?.name ?? 'vouch', `${image}: owning policy`);
          // Every explanation belongs to its own image, never to the neighbour.
          const other = image === imgA ? imgB : imgA;
          assert.ok(!o?.message.includes(other), `${image}'s message names ${other}: ${o?.message}`);
          if (c.script.behaviour !== 'deadline') assert.ok(o?.message.includes(image), o?.message);
          // A deadline reaches the image's own in-flight work as an abort.
          assert.equal(decider.aborted.includes(image), c.script.behaviour === 'deadline');
          // Only a passing image keeps its digest.
          assert.equal(
            got?.digest !== undefined,
            c.script.behaviour === 'pass' || c.script.behaviour === 'deny',
          );
          if (want.result !== 'pass' && want.mode === 'enforce') allowed = false;
        }
        const res = r.review.response;
        assert.equal(res.allowed, allowed, 'the pod verdict is the conjunction of its images');
        const message = res.status?.message ?? '';
        const warnings = (res.warnings ?? []).join('\n');
        for (const [image, c] of pairs) {
          const want = expected(c, server);
          if (want.result === 'pass') continue;
          if (want.mode === 'enforce') assert.ok(message.includes(`image "${image}"`), message);
          else assert.ok(warnings.includes(image), warnings);
        }
        // The PolicyReport has one result per image, each under its own image and policy.
        const report = policyReportFor(r.decision ?? assert.fail('no decision'));
        assert.deepEqual(
          report.results.map((x) => [x.properties?.image, x.policy, x.result]),
          pairs.map(([image, c]) => [image, c.script.policy?.name ?? 'vouch', expected(c, server).result]),
        );
      });
    }
  }
}

const indentedKey = KEY_PEM.trim()
  .split('\n')
  .map((l) => `                      ${l}`)
  .join('\n');

const ENFORCE_SIGNED = loadPolicies(
  `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: require-signed }
spec:
  validationFailureAction: Enforce
  rules:
    - name: key
      match: { any: [{ resources: { kinds: [Pod] } }] }
      verifyImages:
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

for (const neighbour of ['Bad/REF', '127.0.0.1:1/x:1', 'registry.example.com/team/missing:1']) {
  test(`an Enforce policy's deny of an unsigned image stands in --mode audit next to ${neighbour}`, async () => {
    const registry = new TableRegistry();
    const decider = new PolicyDecider({
      policies: () => ENFORCE_SIGNED,
      collector: registry.collector,
      resolver: registry.resolver,
      evaluate: { noMatchPolicy: 'allow' },
    });
    const r = await review(admissionReviewFor(pod([UNSIGNED, neighbour])), {
      decider,
      mode: 'audit',
      endpoint: 'validate',
      now: NOW,
      deadlineMs: 5_000,
    });
    assert.equal(r.review.response.allowed, false);
    const [mine, theirs] = r.decision?.images ?? [];
    assert.equal(mine?.outcomes[0]?.policy, 'require-signed');
    assert.equal(mine?.outcomes[0]?.result, 'fail');
    assert.equal(mine?.outcomes[0]?.mode, 'enforce');
    if (neighbour === '127.0.0.1:1/x:1') {
      // No policy selects it, so it is decided without resolving its tag (policy-controller#1863): the
      // unreachable registry is never asked, and the no-match policy (allow) leaves it no outcome.
      assert.deepEqual(theirs?.outcomes, []);
      return;
    }
    assert.equal(theirs?.outcomes[0]?.result, 'error');
    // The neighbour's failure is owned by the Enforce policy when it selects it, else by the server.
    const owned = neighbour.startsWith('registry.example.com/');
    assert.equal(theirs?.outcomes[0]?.policy, owned ? 'require-signed' : 'vouch');
    assert.equal(theirs?.outcomes[0]?.mode, owned ? 'enforce' : 'audit');
    assert.match(
      r.review.response.status?.message ?? '',
      /image "registry\.example\.com\/team\/app:1\.0\.0"/,
    );
  });
}
