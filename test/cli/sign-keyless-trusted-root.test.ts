// Keyless verification against a Sigstore trusted_root.json end to end: a loopback Fulcio + Rekor
// (test/sign/keyless/loopback-sigstore.ts) signs, and `vouch verify` / `verify-blob` / the admission
// evidence collector check chain, transparency-log entry and identity with `--trusted-root`.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseReference } from '../../src/oci/reference.js';
import { registryClientFromEnv } from '../../src/oci/registry-client.js';
import type { AuthorityRequirement } from '../../src/policy/evidence.js';
import {
  COSIGN_SIGN_PREDICATE_TYPE,
  parseTrustedRoot,
  pushBundleReferrer,
  readAttachedSignatures,
  signingSubjects,
} from '../../src/sign/index.js';
import { CosignEvidenceCollector } from '../../src/evidence/index.js';
import { runCli } from '../support/cli.js';
import { startRegistry } from '../support/registry.js';
import { startLoopbackSigstore, testIdentityToken } from '../sign/keyless/loopback-sigstore.js';
import { FULCIO_URL } from '../sign/keyless/test-log.js';
import { fileScope, pushImage, tempDir } from './sign-setup.js';
import { statementOfLine } from '../support/envelope.js';

const ISSUER = 'https://oidc.vouch.test';
const EMAIL = 'alice@example.com';

const reg = await startRegistry(fileScope);
const sigstore = await startLoopbackSigstore(fileScope);
const token = testIdentityToken({ iss: ISSUER, sub: 'alice-subject', email: EMAIL });
sigstore.tokens.add(token);
const client = registryClientFromEnv({ insecureRegistries: [reg.host], now: () => new Date() });
const rootDir = tempDir(fileScope, 'trusted-root');
const ROOT = join(rootDir, 'trusted_root.json');
writeFileSync(ROOT, sigstore.trustedRoot);

// The loopback Fulcio issues no SCTs, so the SCT check is waived; chain, tlog and identity are not.
const trustArgs = (identity: string): string[] => [
  '--trusted-root',
  ROOT,
  '--insecure-ignore-sct',
  '--certificate-identity',
  identity,
  '--certificate-oidc-issuer',
  ISSUER,
];

async function signImage(ref: string): Promise<void> {
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
}

const signedRef = `${reg.host}/keyless-tr/app:v1`;
const signedDigest = await pushImage(fileScope, signedRef, 'keyless trusted root\n');
await signImage(signedRef);

test('a keyless-signed image verifies against --trusted-root with its identity, and reports the tlog entry', async () => {
  const v = await runCli(['verify', '--insecure-registry', '-o', 'json', ...trustArgs(EMAIL), signedRef]);
  assert.equal(v.code, 0, v.stderr);
  const doc = JSON.parse(v.stdout) as {
    digest: string;
    verified: {
      format: string;
      identity: { sans: string[] };
      tlog?: { logIndex: number; integratedTime: string };
    }[];
  };
  assert.equal(doc.digest, signedDigest);
  assert.equal(doc.verified[0]?.format, 'bundle');
  assert.deepEqual(doc.verified[0]?.identity.sans, [EMAIL]);
  assert.equal(typeof doc.verified[0]?.tlog?.logIndex, 'number');
  assert.match(v.stderr, /transparency-log entry/);
});

test('verify with --trusted-root refuses another identity and says expected vs found (exit 1)', async () => {
  const v = await runCli(['verify', '--insecure-registry', ...trustArgs('mallory@example.com'), signedRef]);
  assert.equal(v.code, 1, v.stderr);
  assert.match(v.stderr, /certificate identity alice@example\.com != expected mallory@example\.com/);
});

test('verify with --trusted-root refuses a bundle whose tlog entry was tampered with', async () => {
  // The same image in another repository, carrying only a copy of the good bundle with a changed log index.
  const ref = `${reg.host}/keyless-tr/tampered:v1`;
  const digest = await pushImage(fileScope, ref, 'keyless trusted root\n');
  assert.equal(digest, signedDigest);
  const good = await readAttachedSignatures(client.repository(parseReference(signedRef)), signedDigest);
  const bytes = good.bundles[0]?.bytes;
  assert.ok(bytes, 'the signed image has a bundle referrer');
  const doc = JSON.parse(bytes.toString('utf8')) as {
    verificationMaterial: { tlogEntries: { logIndex: string }[] };
  };
  const entry = doc.verificationMaterial.tlogEntries[0];
  assert.ok(entry);
  entry.logIndex = String(Number(entry.logIndex) + 1);
  const repo = client.repository(parseReference(ref));
  const [subject] = await signingSubjects(repo, digest, false);
  assert.ok(subject);
  await pushBundleReferrer(repo, {
    bundle: Buffer.from(JSON.stringify(doc)),
    subject,
    content: 'dsse-envelope',
    predicateType: COSIGN_SIGN_PREDICATE_TYPE,
    created: new Date(),
  });
  const v = await runCli(['verify', '--insecure-registry', ...trustArgs(EMAIL), ref]);
  assert.equal(v.code, 1, v.stderr);
  assert.match(v.stderr, /tlog signed entry timestamp \(SET\) failed/);
});

test('a keyless attestation verifies with --trusted-root', async (t) => {
  const ref = `${reg.host}/keyless-tr/attest:v1`;
  await pushImage(t, ref, 'keyless trusted root attest\n');
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
  const ok = await runCli([
    'verify-attestation',
    '--insecure-registry',
    '--type',
    'openvex',
    ...trustArgs(EMAIL),
    ref,
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(
    (statementOfLine(ok.stdout.trim()) as { predicateType: string }).predicateType,
    'https://openvex.dev/ns',
  );
  const wrong = await runCli([
    'verify-attestation',
    '--insecure-registry',
    '--type',
    'openvex',
    ...trustArgs('bob@example.com'),
    ref,
  ]);
  assert.equal(wrong.code, 1, wrong.stderr);
  assert.match(wrong.stderr, /certificate identity alice@example\.com != expected bob@example\.com/);
});

test('verify-blob checks a keyless bundle against --trusted-root: right identity, wrong identity, tampered tlog', async (t) => {
  const dir = tempDir(t, 'blob');
  writeFileSync(join(dir, 'a.txt'), 'keyless blob, trusted root\n');
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
  const verifyBlob = (bundle: string, identity: string, file = 'a.txt') =>
    runCli(['verify-blob', '-o', 'json', '--bundle', bundle, ...trustArgs(identity), file], { cwd: dir });
  const ok = await verifyBlob('a.sigstore.json', EMAIL);
  assert.equal(ok.code, 0, ok.stderr);
  const out = JSON.parse(ok.stdout) as {
    signer: { kind: string; subject?: string };
    tlog?: { logIndex: number };
  };
  assert.equal(out.signer.subject, EMAIL);
  assert.equal(typeof out.tlog?.logIndex, 'number');

  // The artifact may be named by its digest alone (cosign verify-blob sha256:<hex>).
  const digest = `sha256:${createHash('sha256')
    .update(readFileSync(join(dir, 'a.txt')))
    .digest('hex')}`;
  const byDigest = await verifyBlob('a.sigstore.json', EMAIL, digest);
  assert.equal(byDigest.code, 0, byDigest.stderr);
  const otherDigest = await verifyBlob('a.sigstore.json', EMAIL, `sha256:${'0'.repeat(64)}`);
  assert.equal(otherDigest.code, 1, otherDigest.stderr);

  const wrong = await verifyBlob('a.sigstore.json', 'bob@example.com');
  assert.equal(wrong.code, 1, wrong.stderr);
  assert.match(
    wrong.stderr,
    /"code":"UNTRUSTED_SIGNER".*certificate identity alice@example\.com != expected bob@example\.com/,
  );

  const doc = JSON.parse(readFileSync(join(dir, 'a.sigstore.json'), 'utf8')) as {
    verificationMaterial: { tlogEntries: { logIndex: string }[] };
  };
  const entry = doc.verificationMaterial.tlogEntries[0];
  assert.ok(entry);
  entry.logIndex = String(Number(entry.logIndex) + 1);
  writeFileSync(join(dir, 'tampered.sigstore.json'), JSON.stringify(doc));
  const tampered = await verifyBlob('tampered.sigstore.json', EMAIL);
  assert.equal(tampered.code, 1, tampered.stderr);
  assert.match(tampered.stderr, /"code":"TLOG_INVALID".*tlog signed entry timestamp \(SET\) failed/);
});

test('without --trusted-root or --ca-roots, verify-blob uses the bundled public-good root, which does not trust the loopback Fulcio', async (t) => {
  const dir = tempDir(t, 'public-good');
  writeFileSync(join(dir, 'b.txt'), 'public-good default\n');
  const s = await runCli(
    [
      'sign-blob',
      '--bundle',
      'b.sigstore.json',
      '--fulcio-url',
      sigstore.url,
      '--rekor-url',
      sigstore.url,
      'b.txt',
    ],
    { env: { SIGSTORE_ID_TOKEN: token }, cwd: dir },
  );
  assert.equal(s.code, 0, s.stderr);
  const r = await runCli(
    [
      'verify-blob',
      '-o',
      'json',
      '--bundle',
      'b.sigstore.json',
      '--certificate-identity',
      EMAIL,
      '--certificate-oidc-issuer',
      ISSUER,
      'b.txt',
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /"code":"(CERTIFICATE_INVALID|TLOG_INVALID|UNTRUSTED_SIGNER)"/);
});

test('--ca-roots and --trusted-root together are a usage error', async () => {
  const r = await runCli([
    'verify',
    '--insecure-registry',
    '--ca-roots',
    ROOT,
    ...trustArgs(EMAIL),
    signedRef,
  ]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--ca-roots and --trusted-root are alternatives/);
});

test('the evidence collector verifies keyless signatures against its trusted root and reports the tlog', async () => {
  const req: AuthorityRequirement = {
    id: 'policy/keyless-fulcio',
    kind: 'keyless',
    trustAnchor: `fulcio:${FULCIO_URL}`,
    ignoreSct: true,
    signatureRepositories: [],
    predicateTypes: [],
    tlog: { required: true },
    rfc3161: { required: false },
  };
  const collector = new CosignEvidenceCollector({
    openRepository: (r) => client.repository(parseReference(r)),
    now: () => new Date(),
    trustedRoot: parseTrustedRoot(sigstore.trustedRoot, 'loopback trusted_root.json'),
  });
  const ev = await collector.collect({ ref: signedRef, digest: signedDigest }, req);
  assert.deepEqual(ev.problems, []);
  const sig = ev.signatures[0];
  assert.ok(sig, 'one signature verified');
  assert.equal(sig.signer.kind, 'certificate');
  if (sig.signer.kind === 'certificate') {
    assert.equal(sig.signer.chainTrust, `fulcio:${FULCIO_URL}`);
    assert.equal(sig.signer.subject, EMAIL);
    assert.equal(sig.signer.issuer, ISSUER);
  }
  assert.equal(typeof sig.tlog?.logIndex, 'number');

  // A policy for another Fulcio is not satisfied by a root that does not name it.
  const other = await collector.collect(
    { ref: signedRef, digest: signedDigest },
    { ...req, trustAnchor: 'fulcio:https://fulcio.sigstore.dev' },
  );
  assert.deepEqual(other.signatures, []);
  assert.match(other.problems.join('\n'), /no roots given/);
});
