import assert from 'node:assert/strict';
import { createHash, sign } from 'node:crypto';
import { test } from 'node:test';
import type { Digest } from '../../../src/oci/digest.js';
import type { IdentityConstraints } from '../../../src/sign/certificate-identity.js';
import {
  type BundleArtifact,
  type BundleVerifyOptions,
  parseTrustedRoot,
  verifySigstoreBundle,
} from '../../../src/sign/keyless/index.js';
import { parsePublicKeyPem } from '../../../src/sign/index.js';
import {
  type BundleShape,
  FULCIO_URL,
  LOG_NAME,
  messageBundle,
  minutesInto2025,
  type SignedArtifact,
  signAndLog,
  TestLog,
  toBytes,
  trustedRootJson,
} from './test-log.js';
import { caCert } from '../test-material.js';

const GH_ID = 'https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main';
const GH_ISSUER = 'https://token.actions.githubusercontent.com';
const ARTIFACT = Buffer.from('release artifact v1.2.3\n');
const NOW = new Date('2026-06-01T00:00:00Z');

const log = new TestLog();
const root = parseTrustedRoot(trustedRootJson([log]), 'trusted_root.json');
const identity: IdentityConstraints = { subject: GH_ID, issuer: GH_ISSUER };

function verify(
  bundle: unknown,
  opts: {
    identity?: IdentityConstraints;
    artifact?: BundleArtifact;
    options?: BundleVerifyOptions;
    now?: Date;
    trustedRoot?: typeof root;
  } = {},
) {
  return verifySigstoreBundle({
    bundle: toBytes(bundle),
    artifact: opts.artifact ?? { kind: 'bytes', bytes: ARTIFACT },
    trustedRoot: opts.trustedRoot ?? root,
    policy: { kind: 'certificate', identity: opts.identity ?? identity },
    options: opts.options ?? { insecureIgnoreSct: true },
    now: opts.now ?? NOW,
  });
}

function signed(opts: Parameters<typeof signAndLog>[2] = {}): SignedArtifact {
  return signAndLog(log, ARTIFACT, opts);
}
const bundleOf = (shape: BundleShape = {}, opts: Parameters<typeof signAndLog>[2] = {}) =>
  messageBundle(signed(opts), shape);

test('a keyless v0.3 bundle with SET and inclusion proof verifies and names the signer as admission expects', () => {
  const v = verify(bundleOf());
  assert.equal(v.signer.kind, 'certificate');
  if (v.signer.kind !== 'certificate') return;
  assert.equal(v.signer.subject, GH_ID);
  assert.equal(v.signer.issuer, GH_ISSUER);
  assert.equal(v.signer.chainTrust, `fulcio:${FULCIO_URL}`);
  assert.equal(v.signer.extensions.githubWorkflowRepository, 'octo/app');
  assert.equal(v.signer.extensions.githubWorkflowRef, 'refs/heads/main');
  assert.match(v.signer.certificateSha256, /^[0-9a-f]{64}$/);
  assert.equal(v.tlog?.integratedTime, '2025-01-01T00:05:00.000Z');
});

test('a v0.1 bundle (certificate chain, SET only) verifies', () => {
  const v = verify(bundleOf({ version: '0.1', withProof: false }));
  assert.equal(v.signer.kind, 'certificate');
});

test('a bundle verifies against the artifact digest alone (prehashed ECDSA)', () => {
  const digest = `sha256:${createHash('sha256').update(ARTIFACT).digest('hex')}` as Digest;
  const v = verify(bundleOf(), { artifact: { kind: 'digest', digest } });
  assert.equal(v.signer.kind, 'certificate');
});

test('identity regexp and GitHub workflow extensions are enforced', () => {
  const b = bundleOf();
  verify(b, {
    identity: {
      subjectRegExp: '^https://github\\.com/octo/',
      issuer: GH_ISSUER,
      githubWorkflowRepository: 'octo/app',
    },
  });
  assert.throws(
    () => verify(b, { identity: { ...identity, githubWorkflowRepository: 'octo/other' } }),
    (e: Error & { code?: string }) =>
      e.code === 'UNTRUSTED_SIGNER' && /octo\/app != expected octo\/other/.test(e.message),
  );
});

test('a wrong certificate identity is UNTRUSTED_SIGNER and says expected vs found', () => {
  assert.throws(
    () => verify(bundleOf(), { identity: { subject: 'https://github.com/evil/x', issuer: GH_ISSUER } }),
    (e: Error & { code?: string }) =>
      e.code === 'UNTRUSTED_SIGNER' &&
      e.message.includes(GH_ID) &&
      e.message.includes('https://github.com/evil/x'),
  );
});

test('a wrong OIDC issuer is UNTRUSTED_SIGNER', () => {
  assert.throws(
    () => verify(bundleOf(), { identity: { subject: GH_ID, issuer: 'https://accounts.google.com' } }),
    {
      code: 'UNTRUSTED_SIGNER',
    },
  );
});

test('a certificate expired at the integrated time is CERTIFICATE_INVALID', () => {
  assert.throws(() => verify(bundleOf({}, { integratedTime: minutesInto2025(20) })), {
    code: 'CERTIFICATE_INVALID',
  });
});

test('a tampered tlog body is TLOG_INVALID', () => {
  const b = bundleOf();
  const entries = (b.verificationMaterial as { tlogEntries: { canonicalizedBody: string }[] }).tlogEntries;
  const e0 = entries[0];
  assert.ok(e0);
  const body = Buffer.from(e0.canonicalizedBody, 'base64').toString().replace('0.0.1', '0.0.1 ');
  e0.canonicalizedBody = Buffer.from(body).toString('base64');
  assert.throws(() => verify(b), { code: 'TLOG_INVALID' });
});

test('a bad inclusion proof is TLOG_INVALID', () => {
  const b = bundleOf();
  const e0 = (b.verificationMaterial as { tlogEntries: { inclusionProof: { hashes: string[] } }[] })
    .tlogEntries[0];
  assert.ok(e0);
  e0.inclusionProof.hashes[0] = Buffer.alloc(32, 7).toString('base64');
  assert.throws(
    () => verify(b),
    (e: Error & { code?: string }) => e.code === 'TLOG_INVALID' && /inclusion proof/.test(e.message),
  );
});

test('a checkpoint signed by a key the trusted root does not name is TLOG_INVALID', () => {
  const other = new TestLog();
  const b = bundleOf();
  const e0 = (
    b.verificationMaterial as { tlogEntries: { inclusionProof: { checkpoint: { envelope: string } } }[] }
  ).tlogEntries[0];
  assert.ok(e0);
  // Same note (same root hash), signed by a log the trusted root does not know, under our log's name.
  const note = e0.inclusionProof.checkpoint.envelope.split('\n\n')[0] ?? '';
  const sig = sign('sha256', Buffer.from(`${note}\n`), other.privateKey);
  e0.inclusionProof.checkpoint.envelope = `${note}\n\n\u2014 ${LOG_NAME} ${Buffer.concat([log.logId.subarray(0, 4), sig]).toString('base64')}\n`;
  assert.throws(
    () => verify(b),
    (e: Error & { code?: string }) => e.code === 'TLOG_INVALID' && /checkpoint/.test(e.message),
  );
});

test('a SET signed by another log key is TLOG_INVALID', () => {
  const other = new TestLog();
  const b = messageBundle(signAndLog(other, ARTIFACT), { version: '0.1', withProof: false });
  assert.throws(
    () => verify(b),
    (e: Error & { code?: string }) => e.code === 'TLOG_INVALID' && /SET/.test(e.message),
  );
});

test('a certificate from an untrusted CA is CERTIFICATE_INVALID', () => {
  assert.throws(() => verify(bundleOf({}, { signer: 'evil-leaf' })), { code: 'CERTIFICATE_INVALID' });
});

test('a bundle without a tlog entry is TLOG_INVALID unless insecureIgnoreTlog', () => {
  const b = bundleOf({ withTlog: false });
  assert.throws(
    () => verify(b),
    (e: Error & { code?: string }) => e.code === 'TLOG_INVALID' && /insecure-ignore-tlog/.test(e.message),
  );
  const inWindow = new Date('2025-01-01T00:03:00Z');
  const v = verify(b, { options: { insecureIgnoreTlog: true, insecureIgnoreSct: true }, now: inWindow });
  assert.equal(v.tlog, undefined);
});

test('with insecureIgnoreTlog the certificate is checked at now, so an expired one fails', () => {
  assert.throws(
    () =>
      verify(bundleOf({ withTlog: false }), {
        options: { insecureIgnoreTlog: true, insecureIgnoreSct: true },
      }),
    {
      code: 'CERTIFICATE_INVALID',
    },
  );
});

test('a certificate without an SCT is CERTIFICATE_INVALID unless SCTs are ignored', () => {
  assert.throws(
    () => verify(bundleOf(), { options: {} }),
    (e: Error & { code?: string }) => e.code === 'CERTIFICATE_INVALID' && /SCT/.test(e.message),
  );
});

test('a signature made with another key under the right certificate is SIGNATURE_INVALID', () => {
  assert.throws(() => verify(bundleOf({}, { keyOf: 'evil-leaf' })), { code: 'SIGNATURE_INVALID' });
});

test('a bundle for another artifact is DIGEST_MISMATCH', () => {
  assert.throws(() => verify(bundleOf(), { artifact: { kind: 'bytes', bytes: Buffer.from('other') } }), {
    code: 'DIGEST_MISMATCH',
  });
});

test('keyless verification without an identity and issuer constraint is refused', () => {
  assert.throws(() => verify(bundleOf(), { identity: { subject: GH_ID } }), { code: 'USAGE' });
});

test('a certificate-signed bundle does not satisfy a public-key policy', () => {
  const s = signed();
  const pub = parsePublicKeyPem(
    s.cert.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    'cert key',
  );
  assert.throws(
    () =>
      verifySigstoreBundle({
        bundle: toBytes(messageBundle(s)),
        artifact: { kind: 'bytes', bytes: ARTIFACT },
        trustedRoot: root,
        policy: { kind: 'key', keys: [pub] },
        now: NOW,
      }),
    { code: 'UNTRUSTED_SIGNER' },
  );
});

test('a bundle whose certificate chain ships a self-signed root is CERTIFICATE_INVALID', () => {
  const b = bundleOf({ version: '0.1', withProof: false });
  const chain = (b.verificationMaterial as { x509CertificateChain: { certificates: { rawBytes: string }[] } })
    .x509CertificateChain.certificates;
  for (const name of ['intermediate.pem', 'root.pem'])
    chain.push({ rawBytes: caCert(name).raw.toString('base64') });
  assert.throws(
    () => verify(b),
    (e: Error & { code?: string }) => e.code === 'CERTIFICATE_INVALID' && /self-signed root/.test(e.message),
  );
});

test('a v0.1 inclusion proof without a checkpoint is dropped when a SET proves inclusion', () => {
  const b = bundleOf({ version: '0.1' });
  const e0 = (b.verificationMaterial as { tlogEntries: { inclusionProof: Record<string, unknown> }[] })
    .tlogEntries[0];
  assert.ok(e0);
  delete e0.inclusionProof.checkpoint;
  assert.equal(verify(b).signer.kind, 'certificate');
});
