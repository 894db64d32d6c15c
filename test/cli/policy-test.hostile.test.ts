// `vouch policy test` on bad input: every case ends with the right error code, exit 2 and no verdict
// on stdout. None of these reaches a registry.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { tempDir } from './sign-setup.js';

const POLICY = `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: p }
spec:
  images: [{ glob: "registry.example.com/**" }]
  authorities: [{ static: { action: pass } }]
`;

async function failsWith(t: TestContext, files: Record<string, string>, argv: string[], code: string) {
  const dir = tempDir(t, 'policy-hostile');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = await runCli(['policy', 'test', '-o', 'json', ...argv], { cwd: dir });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.equal(r.stdout, '', 'no verdict is printed');
  assert.equal((JSON.parse(r.stderr) as { error: { code: string } }).error.code, code);
}

test('a policy file with a schema error refuses the run with POLICY_INVALID', async (t) => {
  await failsWith(
    t,
    { 'p.yaml': POLICY.replace('authorities:', 'authoritys:') },
    ['-f', 'p.yaml', 'registry.example.com/app:1'],
    'POLICY_INVALID',
  );
});

test('a policy file that is an alias bomb is refused before expansion (INPUT_TOO_LARGE)', async (t) => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 0; i < 12; i++)
    bomb.push(
      `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
    );
  await failsWith(
    t,
    { 'p.yaml': bomb.join('\n') },
    ['-f', 'p.yaml', 'registry.example.com/app:1'],
    'INPUT_TOO_LARGE',
  );
});

test('a resource file with two objects is a usage error', async (t) => {
  const pod =
    'apiVersion: v1\nkind: Pod\nmetadata: { name: a }\nspec: { containers: [{ name: c, image: x }] }\n';
  await failsWith(
    t,
    { 'p.yaml': POLICY, 'pod.yaml': `${pod}---\n${pod}` },
    ['-f', 'p.yaml', '--resource', 'pod.yaml'],
    'USAGE',
  );
});

test('a resource kind without a pod template is UNSUPPORTED', async (t) => {
  await failsWith(
    t,
    { 'p.yaml': POLICY, 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n' },
    ['-f', 'p.yaml', '--resource', 'cm.yaml'],
    'UNSUPPORTED',
  );
});

test('a container without an image is INPUT_MALFORMED', async (t) => {
  await failsWith(
    t,
    {
      'p.yaml': POLICY,
      'pod.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: { name: a }\nspec: { containers: [{ name: c }] }\n',
    },
    ['-f', 'p.yaml', '--resource', 'pod.yaml'],
    'INPUT_MALFORMED',
  );
});

test('malformed --namespace-labels and --key-ref values are usage errors', async (t) => {
  await failsWith(
    t,
    { 'p.yaml': POLICY },
    ['-f', 'p.yaml', '--namespace-labels', 'novalue', 'registry.example.com/app:1'],
    'USAGE',
  );
  await failsWith(
    t,
    { 'p.yaml': POLICY },
    ['-f', 'p.yaml', '--key-ref', 'k8s://ns/key', 'registry.example.com/app:1'],
    'USAGE',
  );
});

test('a missing policy file is FILE_NOT_FOUND (exit 3)', async (t) => {
  const dir = tempDir(t, 'policy-hostile');
  const r = await runCli(['policy', 'test', '-o', 'json', '-f', 'nope.yaml', 'registry.example.com/app:1'], {
    cwd: dir,
  });
  assert.equal(r.code, 3);
  assert.equal((JSON.parse(r.stderr) as { error: { code: string } }).error.code, 'FILE_NOT_FOUND');
});

test('a file of 100,000 invalid documents prints a screenful of examples and a count, not 100,000 lines', async (t) => {
  const dir = tempDir(t, 'policy-hostile');
  const bad = 'kind: X\n';
  writeFileSync(join(dir, 'p.yaml'), Array.from({ length: 100_000 }, () => bad).join('---\n'));
  const r = await runCli(['policy', 'test', '-f', 'p.yaml', 'registry.example.com/app:1'], { cwd: dir });
  assert.equal(r.code, 2, r.stderr.slice(0, 2000));
  const lines = r.stderr.trimEnd().split('\n');
  assert.ok(lines.length <= 25, `${lines.length} lines`);
  assert.match(r.stderr, /p\.yaml: \.\.\. and \d+ more issue\(s\) not shown/);
  // The count covers every document: 20 shown + the rest counted.
  const more = Number(/and (\d+) more/.exec(r.stderr)?.[1]);
  assert.ok(more + 20 >= 100_000, `${more} counted`);
});
