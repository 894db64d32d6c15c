// attest-blob and verify-blob-attestation as cosign has them: a DSSE envelope over an in-toto statement
// whose subject is the file (base name, sha256), checked with the key and cosign's claim checks.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { statementOfLine } from '../support/envelope.js';
import { ENV, fileScope, keyPair, tempDir } from './sign-setup.js';

const keys = await keyPair(fileScope);

async function attested(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = tempDir(t, 'attest-blob');
  writeFileSync(join(dir, 'artifact.tgz'), 'release bytes\n');
  writeFileSync(join(dir, 'predicate.json'), JSON.stringify({ reviewed: 'yes' }));
  const r = await runCli(
    [
      'attest-blob',
      '-y',
      '--key',
      keys.key,
      '--predicate',
      'predicate.json',
      '--type',
      'https://example.com/review/v1',
      '--output-signature',
      'artifact.att.json',
      '--bundle',
      'artifact.sigstore.json',
      'artifact.tgz',
    ],
    { env: ENV, cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  return dir;
}

test('attest-blob prints a DSSE envelope whose statement names the file by base name and sha256', async (t) => {
  const dir = tempDir(t, 'attest-stdout');
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  writeFileSync(join(dir, 'p.json'), '{}');
  const r = await runCli(['attest-blob', '--key', keys.key, '--predicate', 'p.json', join(dir, 'a.txt')], {
    env: ENV,
    cwd: dir,
  });
  assert.equal(r.code, 0, r.stderr);
  const st = statementOfLine(r.stdout.trim()) as {
    subject: { name: string; digest: { sha256: string } }[];
    predicateType: string;
  };
  assert.deepEqual(st.subject, [
    { name: 'a.txt', digest: { sha256: '87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7' } },
  ]);
  assert.equal(st.predicateType, 'https://cosign.sigstore.dev/attestation/v1');
});

test('verify-blob-attestation accepts the envelope and the bundle, with the type checked', async (t) => {
  const dir = await attested(t);
  for (const src of [
    ['--signature', 'artifact.att.json'],
    ['--bundle', 'artifact.sigstore.json'],
  ]) {
    const r = await runCli(
      [
        'verify-blob-attestation',
        '--key',
        keys.pub,
        ...src,
        '--type',
        'https://example.com/review/v1',
        'artifact.tgz',
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 0, `${src.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /Verified OK/);
  }
  // cosign also takes the envelope base64-encoded.
  writeFileSync(
    join(dir, 'b64'),
    Buffer.from(readFileSync(join(dir, 'artifact.att.json'))).toString('base64'),
  );
  const b64 = await runCli(
    ['verify-blob-attestation', '--key', keys.pub, '--signature', 'b64', 'artifact.tgz'],
    {
      cwd: dir,
    },
  );
  assert.equal(b64.code, 0, b64.stderr);
});

test('verify-blob-attestation refuses another file, another type and another key (exit 1)', async (t) => {
  const dir = await attested(t);
  writeFileSync(join(dir, 'other.tgz'), 'other bytes\n');
  const other = await runCli(
    ['verify-blob-attestation', '--key', keys.pub, '--signature', 'artifact.att.json', 'other.tgz'],
    { cwd: dir },
  );
  assert.equal(other.code, 1);
  assert.match(other.stderr, /no subject with digest/);
  const type = await runCli(
    [
      'verify-blob-attestation',
      '--key',
      keys.pub,
      '--signature',
      'artifact.att.json',
      '--type',
      'vuln',
      'artifact.tgz',
    ],
    { cwd: dir },
  );
  assert.equal(type.code, 1);
  const otherKeys = await keyPair(fileScope, 'other');
  const key = await runCli(
    ['verify-blob-attestation', '--key', otherKeys.pub, '--signature', 'artifact.att.json', 'artifact.tgz'],
    { cwd: dir },
  );
  assert.equal(key.code, 1);
  const unchecked = await runCli(
    [
      'verify-blob-attestation',
      '--key',
      keys.pub,
      '--signature',
      'artifact.att.json',
      '--check-claims=false',
      'other.tgz',
    ],
    { cwd: dir },
  );
  assert.equal(unchecked.code, 0, unchecked.stderr);
});
