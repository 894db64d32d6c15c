import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateSbom, openDirTree, serializeCycloneDx, serializeSpdx } from '../../src/sbom/index.js';
import { redactCredentials, redactPurl } from '../../src/sbom/redact.js';
import { fixture } from './fixtures.js';

// Every secret planted in test/fixtures/sbom/credentials starts with FAKE.
const SECRET = /FAKE[A-Z]*[0-9]{4}/;

test('a token as URL user info is redacted; the host, path and commit stay', () => {
  assert.equal(
    redactCredentials('git+https://ghp_abc123@github.com/acme/lib.git#0123abc'),
    'git+https://REDACTED@github.com/acme/lib.git#0123abc',
  );
});

test('user:password keeps the user and loses the password', () => {
  assert.equal(
    redactCredentials('https://deploy:hunter2@registry.example.com/x'),
    'https://deploy:REDACTED@registry.example.com/x',
  );
});

test('secret-named query parameters are redacted, others kept', () => {
  assert.equal(
    redactCredentials('https://h/x.tgz?X-Amz-Signature=abc&v=1&access_token=def'),
    'https://h/x.tgz?X-Amz-Signature=REDACTED&v=1&access_token=REDACTED',
  );
});

test('an ssh login names an account, not a secret, and is kept', () => {
  assert.equal(redactCredentials('git+ssh://git@github.com/o/r.git'), 'git+ssh://git@github.com/o/r.git');
});

test('a purl whose version is a credentialed URL is rebuilt without the credential', () => {
  const purl = 'pkg:npm/foo@git%2Bhttps%3A%2F%2Fghp_x%40github.com%2Fa%2Fb.git%23abc';
  const out = redactPurl(purl);
  assert.ok(!out.includes('ghp_x'), out);
  assert.ok(decodeURIComponent(out).includes('REDACTED@github.com/a/b.git'), out);
});

test('no credential from a lockfile reaches the CycloneDX or SPDX document or a warning', async () => {
  const r = await generateSbom(await openDirTree(fixture('credentials')));
  const now = new Date(0);
  for (const doc of [serializeCycloneDx(r, { now }), serializeSpdx(r, { now })]) {
    assert.doesNotMatch(doc, SECRET);
  }
  assert.doesNotMatch(JSON.stringify(r.warnings), SECRET);
  // The git dependency is named by its commit, not by the URL it was fetched from.
  assert.ok(
    r.components.some((c) => c.purl === 'pkg:npm/private-lib@0123456789abcdef0123456789abcdef01234567'),
  );
  assert.ok(r.components.some((c) => c.purl === 'pkg:npm/signed-tarball@1.0.0'));
});

test('an error quoting a lockfile line does not quote its credential', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'vouch-sbom-redact-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(fixture('credentials', 'requirements.txt'), join(root, 'requirements.txt'));
  writeFileSync(join(root, 'go.mod'), 'module x\n!!! https://FAKEGOTOKEN0000@example.com/mod\n');
  await assert.rejects(generateSbom(await openDirTree(root)), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'INPUT_MALFORMED');
    assert.doesNotMatch(e.message, SECRET);
    return true;
  });
  const warned = await generateSbom(await openDirTree(root), { onBadFile: 'warn' });
  assert.equal(warned.warnings.length, 1);
  assert.doesNotMatch(JSON.stringify(warned.warnings), SECRET);
});

test('pathological text (long dotted runs, long parameter names) is handled in linear passes', () => {
  const dotted = `${'a.'.repeat(200_000)}://x`;
  assert.equal(redactCredentials(dotted), dotted);
  const param = `https://h/?${'a'.repeat(200_000)}=1&${'b'.repeat(100_000)}token=s`;
  assert.ok(!redactCredentials(param).endsWith('token=s'));
  const noAt = `https://${'x'.repeat(500_000)}`;
  assert.equal(redactCredentials(noAt), noAt);
});
