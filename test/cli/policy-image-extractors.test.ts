// `vouch policy test --resource` with Kyverno imageExtractors: a kind without a pod spec (a Tekton Task,
// a made-up CustomWorkload) whose images a rule extracts, judged against real images in a real registry
// signed by the real CLI.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { startRegistry } from '../support/registry.js';
import { ENV, keyPair, pushImage, tempDir } from './sign-setup.js';

const scope = { after: (fn: () => unknown) => after(async () => void (await fn())) };
const reg = await startRegistry(scope);
const keys = await keyPair(scope);
const work = tempDir(scope, 'policy-image-extractors');

const SIGNED = `${reg.host}/ext/signed:v1`;
const UNSIGNED = `${reg.host}/ext/unsigned:v1`;
const signedDigest = await pushImage(scope, SIGNED, 'signed step\n');
await pushImage(scope, UNSIGNED, 'unsigned step\n');
{
  const r = await runCli(['sign', '--insecure-registry', '--key', keys.key, SIGNED], { env: ENV, cwd: work });
  assert.equal(r.code, 0, r.stderr);
}

const PUB = readFileSync(keys.pub, 'utf8')
  .trim()
  .split('\n')
  .map((l) => `                  ${l}`)
  .join('\n');

function write(name: string, text: string): string {
  writeFileSync(join(work, name), text);
  return name;
}

function policy(kind: string, extractor: string): string {
  return write(
    `kyverno-${kind}.yaml`,
    `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: custom-signed }
spec:
  validationFailureAction: Enforce
  rules:
    - name: signed
      match: { any: [{ resources: { kinds: [${kind}] } }] }
      imageExtractors:
        ${kind}:
${extractor}
      verifyImages:
      - imageReferences: ["${reg.host}/ext/*"]
        mutateDigest: true
        attestors:
          - entries:
            - keys:
                publicKeys: |-
${PUB}
                rekor: { ignoreTlog: true }
`,
  );
}

const CUSTOM = `          - path: /spec/workers/*
            value: image
            key: name`;

function customWorkload(images: string[]): string {
  return write(
    'custom.yaml',
    `apiVersion: example.com/v1
kind: CustomWorkload
metadata: { name: jobs, namespace: prod }
spec:
  workers:
${images.map((image, i) => `    - { name: w${i}, image: "${image}" }`).join('\n')}
`,
  );
}

interface JsonDecision {
  allowed: boolean;
  images: { image: string; outcome: string; pointer?: string; patch?: { path: string; value: string } }[];
}

async function policyTest(policyFile: string, resource: string) {
  return runCli(
    ['policy', 'test', '--insecure-registry', '-o', 'json', '-f', policyFile, '--resource', resource],
    { env: {}, cwd: work },
  );
}

test('a CustomWorkload with a signed and an unsigned extracted image: the signed is allowed, the unsigned denied', async () => {
  const r = await policyTest(policy('CustomWorkload', CUSTOM), customWorkload([SIGNED, UNSIGNED]));
  assert.equal(r.code, 1, r.stderr);
  const d = JSON.parse(r.stdout) as JsonDecision;
  assert.equal(d.allowed, false);
  assert.deepEqual(
    d.images.map((i) => [i.image, i.outcome]),
    [
      [SIGNED, 'allow'],
      [UNSIGNED, 'deny'],
    ],
  );
});

test('a CustomWorkload whose only extracted image is signed is allowed', async () => {
  const r = await policyTest(policy('CustomWorkload', CUSTOM), customWorkload([SIGNED]));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((JSON.parse(r.stdout) as JsonDecision).allowed, true);
});

test('a Tekton Task’s step images are extracted by path and pinned by mutateDigest at their field', async () => {
  const p = policy('Task', '          - path: /spec/steps/*/image');
  const t = write(
    'task.yaml',
    `apiVersion: tekton.dev/v1
kind: Task
metadata: { name: build, namespace: ci }
spec:
  steps:
    - { name: build, image: "${SIGNED}" }
`,
  );
  const r = await policyTest(p, t);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const d = JSON.parse(r.stdout) as JsonDecision;
  assert.deepEqual(d.images[0]?.patch, {
    op: 'replace',
    path: '/spec/steps/0/image',
    value: `${reg.host}/ext/signed@${signedDigest}`,
  });
});

test('a custom kind no rule extracts images from is refused as UNSUPPORTED', async () => {
  const r = await policyTest(
    policy('Task', '          - path: /spec/steps/*/image'),
    customWorkload([UNSIGNED]),
  );
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /CustomWorkload has no pod template/);
});
