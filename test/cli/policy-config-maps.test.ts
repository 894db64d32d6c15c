// `vouch policy test --config-maps`: a Kyverno policy whose key lives in a ConfigMap, as in Kyverno's own
// verifyImages tests, judged against a real image signed by the real CLI in a loopback registry.
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
const otherKeys = await keyPair(scope, 'other');
const work = tempDir(scope, 'policy-config-maps');

const SIGNED = `${reg.host}/cm/signed:v1`;
await pushImage(scope, SIGNED, 'signed with a ConfigMap key\n');
const signed = await runCli(['sign', '--insecure-registry', '--key', keys.key, SIGNED], {
  env: ENV,
  cwd: work,
});
assert.equal(signed.code, 0, signed.stderr);

const indent = (text: string, n: number) =>
  text
    .trim()
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`)
    .join('\n');

writeFileSync(
  join(work, 'policy.yaml'),
  `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: { name: cm-keys }
spec:
  validationFailureAction: Enforce
  rules:
    - name: signed
      match: { any: [{ resources: { kinds: [Pod] } }] }
      context:
        - name: keys
          configMap: { name: keys, namespace: default }
      verifyImages:
        - imageReferences: ["${reg.host}/cm/*"]
          attestors:
            - entries:
                - keys:
                    publicKeys: "{{ keys.data.org }}"
                    rekor: { ignoreTlog: true }
`,
);

/** A `kubectl get configmap -o yaml` List holding `org: <pem>` in default/keys. */
function configMapList(file: string, pem: string): string {
  writeFileSync(
    join(work, file),
    `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: { name: keys, namespace: default }
    data:
      org: |
${indent(pem, 8)}
`,
  );
  return file;
}

function policyTest(...extra: string[]) {
  return runCli(['policy', 'test', '--insecure-registry', '-f', 'policy.yaml', ...extra, SIGNED], {
    cwd: work,
  });
}

test('the key in the given ConfigMap verifies the signed image', async () => {
  const r = await policyTest('--config-maps', configMapList('right.yaml', readFileSync(keys.pub, 'utf8')));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /result: ALLOWED/);
});

test('another key in the ConfigMap denies the image', async () => {
  const r = await policyTest(
    '--config-maps',
    configMapList('wrong.yaml', readFileSync(otherKeys.pub, 'utf8')),
  );
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^DENY /m);
});

test('without --config-maps the rule fails closed and names the missing ConfigMap', async () => {
  const r = await policyTest();
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /ConfigMap default\/keys not found/);
});

test('a --config-maps file that is not YAML is bad input (exit 2), not a verdict', async () => {
  writeFileSync(join(work, 'bad.yaml'), 'items: [unclosed\n');
  const r = await policyTest('--config-maps', 'bad.yaml', '-o', 'json');
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.equal((JSON.parse(r.stderr) as { error: { code: string } }).error.code, 'INPUT_MALFORMED');
  assert.equal(r.stdout, '');
});
