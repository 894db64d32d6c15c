import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runConformanceCli } from '../../../scripts/conformance/vouch-conformance.js';
import {
  hashedRekordBody,
  messageBundle,
  minutesInto2025,
  signAndLog,
  TestLog,
  toBytes,
  trustedRootJson,
} from './test-log.js';

const GH_ID = 'https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main';
const GH_ISSUER = 'https://token.actions.githubusercontent.com';
const ARTIFACT = Buffer.from('conformance artifact\n');

function materials(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-conformance-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = new TestLog();
  const s = signAndLog(log, ARTIFACT);
  const paths = {
    bundle: join(dir, 'bundle.sigstore.json'),
    root: join(dir, 'trusted_root.json'),
    artifact: join(dir, 'a.txt'),
    key: join(dir, 'key.pub'),
  };
  writeFileSync(paths.bundle, toBytes(messageBundle(s)));
  writeFileSync(paths.root, trustedRootJson([log]));
  writeFileSync(paths.artifact, ARTIFACT);
  writeFileSync(paths.key, s.cert.publicKey.export({ format: 'pem', type: 'spki' }));
  return paths;
}

function run(argv: string[]): { code: number; err: string } {
  const err: string[] = [];
  // The suite's certificates are short-lived; verification time comes from the tlog, not from `now`.
  const code = runConformanceCli(argv, { stdout: () => {}, stderr: (l) => err.push(l), now: new Date() });
  return { code, err: err.join('\n') };
}

// The test CA's leaves carry no SCT and the adapter (like the suite) never relaxes the SCT rule, so a
// keyless bundle made here must fail on exactly that; the suite's own SCT-bearing bundles pass through
// scripts/conformance/run-bundle-verify.ts.
test('verify-bundle with identity flags runs the full keyless check and exits 1 on failure (no SCT here)', (t) => {
  const p = materials(t);
  const r = run([
    'verify-bundle',
    '--bundle',
    p.bundle,
    '--certificate-identity',
    GH_ID,
    '--certificate-oidc-issuer',
    GH_ISSUER,
    '--trusted-root',
    p.root,
    p.artifact,
  ]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^CERTIFICATE_INVALID: .*SCT/);
});

test('a sha256: argument that is not a file is taken as the artifact digest', (t) => {
  const p = materials(t);
  const digest = `sha256:${createHash('sha256').update('not the artifact').digest('hex')}`;
  const r = run([
    'verify-bundle',
    '--bundle',
    p.bundle,
    '--certificate-identity',
    GH_ID,
    '--certificate-oidc-issuer',
    GH_ISSUER,
    '--trusted-root',
    p.root,
    digest,
  ]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^DIGEST_MISMATCH: /);
});

test('--key against a certificate-signed bundle exits 1 with UNTRUSTED_SIGNER', (t) => {
  const p = materials(t);
  const r = run([
    'verify-bundle',
    '--bundle',
    p.bundle,
    '--key',
    p.key,
    '--trusted-root',
    p.root,
    p.artifact,
  ]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^UNTRUSTED_SIGNER: /);
});

test('--staging and sign-bundle need the network and exit 2, not 0 or 1', (t) => {
  const p = materials(t);
  assert.equal(run(['verify-bundle', '--staging', '--bundle', p.bundle, '--key', p.key, p.artifact]).code, 2);
  assert.equal(run(['sign-bundle', '--identity-token', 'x', '--bundle', p.bundle, p.artifact]).code, 2);
});

test('verify-bundle --key verifies a key-signed bundle with its tlog entry and exits 0', (t) => {
  const p = materials(t);
  const log = new TestLog();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const signature = sign('sha256', ARTIFACT, privateKey);
  const sha = createHash('sha256').update(ARTIFACT).digest();
  const entry = log.append(hashedRekordBody(sha, signature, pem), minutesInto2025(5));
  const bundle = messageBundle({
    artifact: ARTIFACT,
    signature,
    cert: signAndLog(log, ARTIFACT).cert,
    entry,
    log,
  });
  const vm = bundle.verificationMaterial as Record<string, unknown>;
  delete vm.certificate;
  vm.publicKey = { hint: '' };
  writeFileSync(p.bundle, toBytes(bundle));
  writeFileSync(p.key, pem);
  writeFileSync(p.root, trustedRootJson([log]));
  const path = run([
    'verify-bundle',
    '--bundle',
    p.bundle,
    '--key',
    p.key,
    '--trusted-root',
    p.root,
    p.artifact,
  ]);
  assert.equal(path.code, 0, path.err);
  const digest = run([
    'verify-bundle',
    '--bundle',
    p.bundle,
    '--key',
    p.key,
    '--trusted-root',
    p.root,
    `sha256:${sha.toString('hex')}`,
  ]);
  assert.equal(digest.code, 0, digest.err);
});
