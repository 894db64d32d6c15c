// `vouch policy test` decides an image that only static authorities judge without contacting its
// registry (policy-controller#1863 asks policy-controller for the same): the registry here is a
// loopback port nothing listens on, and the verdict still comes, with exit 0 for pass and 1 for fail.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { fileScope, tempDir } from './sign-setup.js';
import { closedLoopbackPort } from '../support/closed-port.js';

const HOST = `127.0.0.1:${await closedLoopbackPort()}`;
const work = tempDir(fileScope, 'policy-static');

function cip(name: string, action: 'pass' | 'fail'): string {
  return `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: ${name} }
spec:
  images: [{ glob: "${HOST}/**" }]
  authorities:
    - static: { action: ${action} }
`;
}

test('policy test: a static pass policy allows an image on an unreachable registry, unresolved', async () => {
  writeFileSync(join(work, 'pass.yaml'), cip('static-pass', 'pass'));
  const r = await runCli(['policy', 'test', '--insecure-registry', '-f', 'pass.yaml', `${HOST}/app:1`], {
    cwd: work,
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /result: ALLOWED/);
  assert.match(r.stdout, /digest: \(not resolved: decided from the reference alone\)/);
});

test('policy test: a static fail policy denies it with exit 1, still without the registry', async () => {
  writeFileSync(join(work, 'fail.yaml'), cip('static-fail', 'fail'));
  const r = await runCli(['policy', 'test', '--insecure-registry', '-f', 'fail.yaml', `${HOST}/app:1`], {
    cwd: work,
  });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /static-fail/);
});

test('policy test: a key authority on the same registry needs the digest, so the unreachable registry is exit 3', async () => {
  writeFileSync(
    join(work, 'key.yaml'),
    `${cip('static-and-key', 'pass').replace(
      '    - static: { action: pass }\n',
      '    - key: { kms: "awskms:///arn:aws:kms:eu-west-1:111122223333:alias/release" }\n',
    )}`,
  );
  const r = await runCli(['policy', 'test', '--insecure-registry', '-f', 'key.yaml', `${HOST}/app:1`], {
    cwd: work,
  });
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /ECONNREFUSED|unreachable|connect/i);
});
