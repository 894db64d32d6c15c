// Keyless signing end to end on loopback: a Fulcio + Rekor stand-in (test/sign/keyless/loopback-sigstore.ts),
// a real registry, and `vouch verify` checking the certificate chain and identity.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodePem } from '../../src/crypto/pem.js';
import { runCli } from '../support/cli.js';
import { startRegistry } from '../support/registry.js';
import { startLoopbackSigstore, testIdentityToken } from '../sign/keyless/loopback-sigstore.js';
import { fileScope, pushImage, tempDir } from './sign-setup.js';
import { statementOfLine } from '../support/envelope.js';

const ISSUER = 'https://oidc.vouch.test';
const EMAIL = 'alice@example.com';

const reg = await startRegistry(fileScope);
const sigstore = await startLoopbackSigstore(fileScope);
const token = testIdentityToken({ iss: ISSUER, sub: 'alice-subject', email: EMAIL });
sigstore.tokens.add(token);

/** The Fulcio CA certificates of the loopback trusted_root.json, as the PEM file --ca-roots takes. */
function caRootsPem(): string {
  const root = JSON.parse(sigstore.trustedRoot.toString('utf8')) as {
    certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
  };
  return root.certificateAuthorities
    .flatMap((ca) => ca.certChain.certificates)
    .map((c) => encodePem('CERTIFICATE', Buffer.from(c.rawBytes, 'base64')))
    .join('');
}

test('keyless sign (Fulcio certificate + Rekor entry) then verify by identity against the CA roots', async (t) => {
  const ref = `${reg.host}/keyless/app:v1`;
  await pushImage(t, ref, 'keyless\n');
  const sign = await runCli(
    [
      'sign',
      '--insecure-registry',
      '--format',
      'bundle',
      '--fulcio-url',
      sigstore.url,
      '--rekor-url',
      sigstore.url,
      ref,
    ],
    { env: { SIGSTORE_ID_TOKEN: token } },
  );
  assert.equal(sign.code, 0, sign.stderr);
  assert.deepEqual(sigstore.requests.slice(-2), ['POST /api/v2/signingCert', 'POST /api/v1/log/entries']);
  const roots = join(tempDir(t, 'roots'), 'fulcio.pem');
  writeFileSync(roots, caRootsPem());
  const v = await runCli([
    'verify',
    '--insecure-registry',
    '-o',
    'json',
    '--ca-roots',
    roots,
    '--certificate-identity',
    EMAIL,
    '--certificate-oidc-issuer',
    ISSUER,
    ref,
  ]);
  assert.equal(v.code, 0, v.stderr);
  const doc = JSON.parse(v.stdout) as {
    verified: { format: string; identity: { sans: string[]; issuer: string } }[];
  };
  assert.equal(doc.verified[0]?.format, 'bundle');
  assert.deepEqual(doc.verified[0]?.identity.sans, [EMAIL]);
  const wrong = await runCli([
    'verify',
    '--insecure-registry',
    '--ca-roots',
    roots,
    '--certificate-identity',
    'mallory@example.com',
    '--certificate-oidc-issuer',
    ISSUER,
    ref,
  ]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /certificate identity alice@example\.com != expected mallory@example\.com/);
});

test('keyless signing without an identity token is a usage error', async (t) => {
  const ref = `${reg.host}/keyless/none:v1`;
  await pushImage(t, ref, 'no token\n');
  const r = await runCli(['sign', '--insecure-registry', '--format', 'bundle', ref], { env: {} });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /identity token/);
});

test('keyless signing in the legacy format is refused: it stores bundles', async (t) => {
  const ref = `${reg.host}/keyless/legacy:v1`;
  await pushImage(t, ref, 'legacy keyless\n');
  const r = await runCli(['sign', '--insecure-registry', '--identity-token', token, ref]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--format bundle/);
});

test('a keyless attestation verifies by identity and yields its statement', async (t) => {
  const ref = `${reg.host}/keyless/attest:v1`;
  const digest = await pushImage(t, ref, 'keyless attest\n');
  const dir = tempDir(t, 'pred');
  writeFileSync(join(dir, 'vex.json'), JSON.stringify({ statements: [] }));
  const a = await runCli([
    'attest',
    '--insecure-registry',
    '--format',
    'bundle',
    '--type',
    'openvex',
    '--predicate',
    join(dir, 'vex.json'),
    '--identity-token',
    token,
    '--fulcio-url',
    sigstore.url,
    '--rekor-url',
    sigstore.url,
    ref,
  ]);
  assert.equal(a.code, 0, a.stderr);
  writeFileSync(join(dir, 'roots.pem'), caRootsPem());
  const v = await runCli([
    'verify-attestation',
    '--insecure-registry',
    '--type',
    'openvex',
    '--ca-roots',
    join(dir, 'roots.pem'),
    '--certificate-identity',
    EMAIL,
    '--certificate-oidc-issuer',
    ISSUER,
    ref,
  ]);
  assert.equal(v.code, 0, v.stderr);
  const st = statementOfLine(v.stdout.trim()) as {
    predicateType: string;
    subject: { digest: { sha256: string } }[];
  };
  assert.equal(st.predicateType, 'https://openvex.dev/ns');
  assert.equal(`sha256:${st.subject[0]?.digest.sha256}`, digest);
});

test('keyless sign-blob writes a bundle that verify-blob checks by identity, and refuses another identity', async (t) => {
  const dir = tempDir(t, 'blob');
  writeFileSync(join(dir, 'a.txt'), 'keyless blob\n');
  writeFileSync(join(dir, 'roots.pem'), caRootsPem());
  const s = await runCli(
    [
      'sign-blob',
      '--bundle',
      'a.sigstore.json',
      '--fulcio-url',
      sigstore.url,
      '--rekor-url',
      sigstore.url,
      'a.txt',
    ],
    { env: { SIGSTORE_ID_TOKEN: token }, cwd: dir },
  );
  assert.equal(s.code, 0, s.stderr);
  const ok = await runCli(
    [
      'verify-blob',
      '--bundle',
      'a.sigstore.json',
      '--ca-roots',
      'roots.pem',
      '--certificate-identity',
      EMAIL,
      '--certificate-oidc-issuer',
      ISSUER,
      'a.txt',
    ],
    { cwd: dir },
  );
  assert.equal(ok.code, 0, ok.stderr);
  const wrong = await runCli(
    [
      'verify-blob',
      '--bundle',
      'a.sigstore.json',
      '--ca-roots',
      'roots.pem',
      '--certificate-identity',
      'bob@example.com',
      '--certificate-oidc-issuer',
      ISSUER,
      'a.txt',
    ],
    { cwd: dir },
  );
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /certificate identity alice@example\.com != expected bob@example\.com/);
});
