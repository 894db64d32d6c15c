// `vouch policy test` end to end: real images in a real registry (and an OCI layout), signed and
// attested by the real CLI, judged by Kyverno policies and ClusterImagePolicies that trust that key.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { startRegistry } from '../support/registry.js';
import { ENV, keyPair, layoutWith, pushImage, tempDir } from './sign-setup.js';

// The suite shares one registry and key pair; they are cleaned up when the file's tests end.
const scope = { after: (fn: () => unknown) => after(async () => void (await fn())) };
const reg = await startRegistry(scope);
const keys = await keyPair(scope);
const otherKeys = await keyPair(scope, 'other');
const work = tempDir(scope, 'policy-test');

const SIGNED = `${reg.host}/pol/signed:v1`;
const UNSIGNED = `${reg.host}/pol/unsigned:v1`;
const signedDigest = await pushImage(scope, SIGNED, 'signed app\n');
const unsignedDigest = await pushImage(scope, UNSIGNED, 'unsigned app\n');

const SBOM = {
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  metadata: { timestamp: '2026-11-01T00:00:00Z' },
  components: [{ type: 'library', name: 'left-pad', version: '1.3.0' }],
};
writeFileSync(join(work, 'sbom.json'), JSON.stringify(SBOM));

async function cli(argv: string[], env: Record<string, string> = {}) {
  return runCli(argv, { env, cwd: work });
}

for (const args of [
  ['sign', '--insecure-registry', '--key', keys.key, SIGNED],
  [
    'attest',
    '--insecure-registry',
    '--type',
    'cyclonedx',
    '--predicate',
    'sbom.json',
    '--key',
    keys.key,
    SIGNED,
  ],
]) {
  const r = await cli(args, ENV);
  assert.equal(r.code, 0, r.stderr);
}

const indent = (text: string, n: number) =>
  text
    .trim()
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`)
    .join('\n');
const PUB = readFileSync(keys.pub, 'utf8');
const OTHER_PUB = readFileSync(otherKeys.pub, 'utf8');

function kyverno(opts: { count?: number; withOther?: boolean; conditions?: string } = {}): string {
  const entry = (pem: string) => `            - keys:
                publicKeys: |-
${indent(pem, 18)}
                rekor: { ignoreTlog: true }`;
  const entries = [entry(PUB), ...(opts.withOther ? [entry(OTHER_PUB)] : [])].join('\n');
  const attestations = opts.conditions
    ? `
        attestations:
          - type: https://cyclonedx.org/bom
            conditions:
              - all:
${indent(opts.conditions, 18)}`
    : '';
  return `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: verify-pol }
spec:
  validationFailureAction: Enforce
  rules:
    - name: signed
      match: { any: [{ resources: { kinds: [Pod] } }] }
      verifyImages:
      - imageReferences: ["${reg.host}/pol/*"]
        attestors:
          - ${opts.count !== undefined ? `count: ${opts.count}\n            ` : ''}entries:
${entries}${attestations}
`;
}

function cip(cue?: string): string {
  const att = cue
    ? `
    attestations:
    - name: sbom
      predicateType: cyclonedx
      policy:
        type: cue
        data: |
${indent(cue, 10)}`
    : '';
  return `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: cip-pol }
spec:
  images: [{ glob: "${reg.host}/pol/**" }]
  authorities:
  - name: release-key
    key:
      data: |
${indent(PUB, 8)}
    ctlog: {}${att}
`;
}

function policyFile(name: string, text: string): string {
  writeFileSync(join(work, name), text);
  return name;
}

interface JsonDecision {
  allowed: boolean;
  images: {
    image: string;
    digest: string;
    outcome: string;
    reasons: string[];
    patch?: { value: string };
    policies: { engine: string; passed: boolean; matchedBy: string; authorities: { ok: boolean }[] }[];
  }[];
  resolved: { ref: string; digest: string; resolvedFrom: string }[];
}

const json = (stdout: string) => JSON.parse(stdout) as JsonDecision;

test('an image signed with the trusted key is allowed by a Kyverno policy and a ClusterImagePolicy', async () => {
  const k = policyFile('kyverno.yaml', kyverno());
  const c = policyFile('cip.yaml', cip());
  const r = await cli(['policy', 'test', '--insecure-registry', '-f', k, '-f', c, SIGNED]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^ALLOW ${SIGNED}`, 'm'));
  assert.match(r.stdout, /Kyverno verify-pol rule signed .* passed/);
  assert.match(r.stdout, /ClusterImagePolicy cip-pol .*matched by ".*\/pol\/\*\*": passed/);
  assert.match(r.stdout, /result: ALLOWED/);
});

test('an unsigned image is denied with the policy, authority and what was found', async () => {
  const c = policyFile('cip-deny.yaml', cip());
  const r = await cli(['policy', 'test', '--insecure-registry', '-o', 'json', '-f', c, UNSIGNED]);
  assert.equal(r.code, 1, r.stderr);
  const d = json(r.stdout);
  assert.equal(d.allowed, false);
  const im = d.images[0];
  assert.equal(im?.outcome, 'deny');
  assert.equal(im?.digest, unsignedDigest);
  assert.equal(im?.policies[0]?.passed, false);
  assert.ok((im?.reasons.length ?? 0) > 0);
  const table = await cli(['policy', 'test', '--insecure-registry', '-f', c, UNSIGNED]);
  assert.equal(table.code, 1);
  assert.match(table.stdout, /^DENY /m);
  assert.match(table.stdout, /fail release-key/);
  assert.match(table.stdout, /✗ .*expected .*; found /);
});

test('a tag is resolved once to its digest; a digest reference is used as written', async () => {
  const k = policyFile('kyverno-tag.yaml', kyverno());
  const byTag = json(
    (await cli(['policy', 'test', '--insecure-registry', '-o', 'json', '-f', k, SIGNED])).stdout,
  );
  assert.deepEqual(byTag.resolved, [{ ref: SIGNED, digest: signedDigest, resolvedFrom: 'tag' }]);
  const pinned = `${reg.host}/pol/signed@${signedDigest}`;
  const r = await cli(['policy', 'test', '--insecure-registry', '-o', 'json', '-f', k, pinned]);
  assert.equal(r.code, 0, r.stdout);
  const byDigest = json(r.stdout);
  assert.deepEqual(byDigest.resolved, [{ ref: pinned, digest: signedDigest, resolvedFrom: 'digest' }]);
  assert.equal(byDigest.images[0]?.patch, undefined, 'a digest reference needs no pinning');
});

test('mutateDigest prints the pinned reference for a tag', async () => {
  const k = policyFile('kyverno-pin.yaml', kyverno());
  const r = await cli(['policy', 'test', '--insecure-registry', '-f', k, SIGNED]);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, new RegExp(`pinned: ${reg.host}/pol/signed@${signedDigest}`));
});

test('in a multi-container pod one unsigned image denies the pod and is named', async () => {
  const pod = `apiVersion: v1
kind: Pod
metadata: { name: web, namespace: prod }
spec:
  containers:
    - { name: app, image: "${SIGNED}" }
    - { name: sidecar, image: "${UNSIGNED}" }
`;
  writeFileSync(join(work, 'pod.yaml'), pod);
  const k = policyFile('kyverno-pod.yaml', kyverno());
  const r = await cli([
    'policy',
    'test',
    '--insecure-registry',
    '-o',
    'json',
    '-f',
    k,
    '--resource',
    'pod.yaml',
  ]);
  assert.equal(r.code, 1, r.stderr);
  const d = json(r.stdout);
  assert.deepEqual(
    d.images.map((i) => [i.image, i.outcome]),
    [
      [SIGNED, 'allow'],
      [UNSIGNED, 'deny'],
    ],
  );
});

test('an attestor set with count 2 fails when only one of its keys signed; count 1 passes', async () => {
  const two = policyFile('kyverno-count2.yaml', kyverno({ withOther: true }));
  const r2 = await cli(['policy', 'test', '--insecure-registry', '-f', two, SIGNED]);
  assert.equal(r2.code, 1, r2.stdout);
  assert.match(r2.stdout, /attestors: expected 2/);
  const one = policyFile('kyverno-count1.yaml', kyverno({ withOther: true, count: 1 }));
  const r1 = await cli(['policy', 'test', '--insecure-registry', '-f', one, SIGNED]);
  assert.equal(r1.code, 0, r1.stdout);
});

test('a Kyverno attestation condition on the signed SBOM passes or fails on its content', async () => {
  const ok = policyFile(
    'kyverno-att-ok.yaml',
    kyverno({ conditions: '- key: "{{ components[0].name }}"\n  operator: Equals\n  value: left-pad' }),
  );
  const pass = await cli(['policy', 'test', '--insecure-registry', '-f', ok, SIGNED]);
  assert.equal(pass.code, 0, pass.stdout);
  const bad = policyFile(
    'kyverno-att-bad.yaml',
    kyverno({ conditions: '- key: "{{ components[0].name }}"\n  operator: Equals\n  value: right-pad' }),
  );
  const fail = await cli(['policy', 'test', '--insecure-registry', '-f', bad, SIGNED]);
  assert.equal(fail.code, 1, fail.stdout);
  assert.match(fail.stdout, /conditions/);
});

test('a ClusterImagePolicy CUE policy on the signed SBOM passes or fails on its content', async () => {
  const ok = policyFile(
    'cip-cue-ok.yaml',
    cip('predicate: components: [_, ...]\npredicate: bomFormat: "CycloneDX"'),
  );
  const pass = await cli(['policy', 'test', '--insecure-registry', '-f', ok, SIGNED]);
  assert.equal(pass.code, 0, pass.stdout);
  const bad = policyFile('cip-cue-bad.yaml', cip('predicate: bomFormat: "SPDX"'));
  const fail = await cli(['policy', 'test', '--insecure-registry', '-f', bad, SIGNED]);
  assert.equal(fail.code, 1, fail.stdout);
  assert.match(fail.stdout, /✗ sbom policy: /);
});

test('a CUE policy beyond the built-in subset is judged by real CUE on the signed SBOM', async () => {
  const ok = policyFile('cip-cue-list.yaml', cip('import "list"\npredicate: components: list.MinItems(1)'));
  const pass = await cli(['policy', 'test', '--insecure-registry', '-f', ok, SIGNED]);
  assert.equal(pass.code, 0, pass.stdout);
  const bad = policyFile(
    'cip-cue-strings.yaml',
    cip('import "strings"\npredicate: bomFormat: strings.HasPrefix("SPDX")'),
  );
  const fail = await cli(['policy', 'test', '--insecure-registry', '-f', bad, SIGNED]);
  assert.equal(fail.code, 1, fail.stdout);
  assert.match(fail.stdout, /✗ sbom policy: .*invalid value "CycloneDX"/);
});

test('--cue real gives the verdicts the built-in subset gives for the same SBOM policies', async () => {
  for (const [policy, code] of [
    ['predicate: components: [_, ...]\npredicate: bomFormat: "CycloneDX"', 0],
    ['predicate: bomFormat: "SPDX"', 1],
    ['predicate: metadata: timestamp: <"2026-01-01T00:00:00Z"', 1],
  ] as const) {
    const f = policyFile('cip-cue-real.yaml', cip(policy));
    for (const mode of ['builtin', 'real']) {
      const r = await cli(['policy', 'test', '--cue', mode, '--insecure-registry', '-f', f, SIGNED]);
      assert.equal(r.code, code, `${mode}: ${policy}\n${r.stdout}`);
    }
  }
});

test('images and signatures in an OCI layout are judged with --oci-dir', async (t) => {
  const { dir, digest } = await layoutWith(t, 'layout app\n');
  const s = await cli(['sign', '--key', keys.key, `oci-dir:${dir}:v1`], ENV);
  assert.equal(s.code, 0, s.stderr);
  const k = policyFile('kyverno-layout.yaml', kyverno().replace(`${reg.host}/pol/*`, 'mirror.local/*'));
  const r = await cli(['policy', 'test', '-o', 'json', '--oci-dir', dir, '-f', k, 'mirror.local/app:v1']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(json(r.stdout).images[0]?.digest, digest);
  const other = await layoutWith(t, 'unsigned layout app\n');
  const u = await cli(['policy', 'test', '--oci-dir', other.dir, '-f', k, 'mirror.local/app:v1']);
  assert.equal(u.code, 1, u.stdout);
});

test('a policy key reference is verified with the key given by --key-ref', async () => {
  const text = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: keyref }
spec:
  validationFailureAction: Enforce
  rules:
    - name: signed
      match: { any: [{ resources: { kinds: [Pod] } }] }
      verifyImages:
      - imageReferences: ["${reg.host}/pol/*"]
        attestors:
          - entries:
            - keys: { kms: "k8s://cosign-system/release-key", rekor: { ignoreTlog: true } }
`;
  const k = policyFile('kyverno-keyref.yaml', text);
  const without = await cli(['policy', 'test', '--insecure-registry', '-f', k, SIGNED]);
  assert.equal(without.code, 1, without.stdout);
  const withKey = await cli([
    'policy',
    'test',
    '--insecure-registry',
    '-f',
    k,
    '--key-ref',
    `k8s://cosign-system/release-key=${keys.pub}`,
    SIGNED,
  ]);
  assert.equal(withKey.code, 0, withKey.stdout + withKey.stderr);
});

test('--no-match-policy decides an image no policy selects', async () => {
  const c = policyFile('cip-nomatch.yaml', cip());
  const other = `${reg.host}/elsewhere/app:v1`;
  await pushImage(scope, other, 'elsewhere\n');
  const deny = await cli(['policy', 'test', '--insecure-registry', '-f', c, other]);
  assert.equal(deny.code, 1, deny.stdout);
  assert.match(deny.stdout, /no policy matches this image/);
  const warn = await cli([
    'policy',
    'test',
    '--insecure-registry',
    '--no-match-policy',
    'warn',
    '-f',
    c,
    other,
  ]);
  assert.equal(warn.code, 0, warn.stdout);
  assert.match(warn.stdout, /^WARN /m);
});

test('giving both image references and --resource is a usage error', async () => {
  const c = policyFile('cip-usage.yaml', cip());
  const r = await cli(['policy', 'test', '-f', c, '--resource', 'pod.yaml', SIGNED]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not both/);
});

test('a remote CUE policy is fetched, pinned by sha256sum and judges the signed SBOM', async (t) => {
  const bodies: Record<string, string> = {
    '/ok.cue': 'predicate: components: [_, ...]\n',
    '/strict.cue': 'predicate: bomFormat: "SPDX"\n',
  };
  const server = createServer((req, res) => {
    const body = bodies[req.url ?? ''];
    if (body === undefined) res.writeHead(404).end();
    else res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const remote = (path: string, sha: string) =>
    policyFile(
      'cip-remote.yaml',
      cip('a: 1').replace(
        /policy:\n\s+type: cue\n\s+data: \|\n\s+a: 1/,
        `policy:\n        type: cue\n        remote:\n          url: ${base}${path}\n          sha256sum: ${sha}`,
      ),
    );
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const pass = await cli([
    'policy',
    'test',
    '--insecure-registry',
    '-f',
    remote('/ok.cue', sha(bodies['/ok.cue'] ?? '')),
    SIGNED,
  ]);
  assert.equal(pass.code, 0, pass.stdout + pass.stderr);
  const fail = await cli([
    'policy',
    'test',
    '--insecure-registry',
    '-f',
    remote('/strict.cue', sha(bodies['/strict.cue'] ?? '')),
    SIGNED,
  ]);
  assert.equal(fail.code, 1, fail.stdout);
  assert.match(fail.stdout, /from http:\/\/127\.0\.0\.1:\d+\/strict\.cue/);
  const tampered = await cli([
    'policy',
    'test',
    '--insecure-registry',
    '-f',
    remote('/ok.cue', sha('other')),
    SIGNED,
  ]);
  assert.equal(tampered.code, 2, tampered.stderr);
  assert.match(tampered.stderr, /the policy pins/);
});

test('a configMapRef CUE policy is read from --config-maps and judges the signed SBOM', async () => {
  const withRef = policyFile(
    'cip-configmapref.yaml',
    cip('a: 1').replace(
      /policy:\n\s+type: cue\n\s+data: \|\n\s+a: 1/,
      'policy:\n        type: cue\n        configMapRef: { name: sbom-policies, key: sbom.cue }',
    ),
  );
  const maps = (cue: string) => {
    writeFileSync(
      join(work, 'configmaps.yaml'),
      `apiVersion: v1
kind: ConfigMap
metadata: { name: sbom-policies, namespace: cosign-system }
data:
  sbom.cue: ${JSON.stringify(cue)}
`,
    );
    return 'configmaps.yaml';
  };
  const run = (file: string) =>
    cli(['policy', 'test', '--insecure-registry', '--config-maps', file, '-f', withRef, SIGNED]);
  assert.equal((await run(maps('predicate: components: [_, ...]'))).code, 0);
  const fail = await run(maps('predicate: bomFormat: "SPDX"'));
  assert.equal(fail.code, 1, fail.stdout);
  assert.match(fail.stdout, /from ConfigMap cosign-system\/sbom-policies key sbom\.cue/);
  const none = await cli(['policy', 'test', '--insecure-registry', '-f', withRef, SIGNED]);
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /no ConfigMaps to read it from/);
});
