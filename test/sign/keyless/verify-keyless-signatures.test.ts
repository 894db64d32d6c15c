import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Digest, sha256Digest } from '../../../src/oci/digest.js';
import type { IdentityConstraints } from '../../../src/sign/certificate-identity.js';
import {
  buildSimpleSigningPayload,
  type SignatureCandidate,
  signatureLayer,
} from '../../../src/sign/index.js';
import {
  legacySignatureBundle,
  parseTrustedRoot,
  verifyCosignRekorBundle,
  verifyKeylessImageSignatures,
  verifySigstoreBundle,
} from '../../../src/sign/keyless/index.js';
import { caCert } from '../test-material.js';
import {
  cosignRekorBundle,
  minutesInto2025,
  type SignedArtifact,
  signAndLog,
  TestLog,
  trustedRootJson,
} from './test-log.js';

const IMAGE = sha256Digest('an image manifest') as Digest;
const GH_ID = 'https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main';
const GH_ISSUER = 'https://token.actions.githubusercontent.com';
const NOW = new Date('2026-06-01T00:00:00Z');
const identity: IdentityConstraints = { subject: GH_ID, issuer: GH_ISSUER };

const log = new TestLog();
const root = parseTrustedRoot(trustedRootJson([log]), 'trusted_root.json');
const payload = buildSimpleSigningPayload({ dockerReference: 'registry.test/app', digest: IMAGE });
const chainPem = `${caCert('intermediate.pem').toString()}${caCert('root.pem').toString()}`;

function candidate(s: SignedArtifact, rekorBundle: string | null = cosignRekorBundle(s)): SignatureCandidate {
  const layer = signatureLayer(payload, s.signature.toString('base64'), {
    certificatePem: s.cert.toString(),
    chainPem,
    ...(rekorBundle !== null ? { rekorBundle } : {}),
  });
  return {
    entry: {
      index: 0,
      layer: layer.descriptor,
      signature: s.signature.toString('base64'),
      certificatePem: s.cert.toString(),
      chainPem,
      ...(rekorBundle !== null ? { rekorBundle } : {}),
    },
    payload,
  };
}

function run(
  c: SignatureCandidate,
  opts: {
    identity?: IdentityConstraints;
    insecureIgnoreTlog?: boolean;
    requireSct?: boolean;
    now?: Date;
  } = {},
) {
  return verifyKeylessImageSignatures({
    imageDigest: IMAGE,
    candidates: [c],
    trustedRoot: root,
    identity: opts.identity ?? identity,
    ...(opts.insecureIgnoreTlog ? { insecureIgnoreTlog: true } : {}),
    // The test CA's certificates carry no SCT; the SCT rule has its own test below.
    insecureIgnoreSct: opts.requireSct !== true,
    now: opts.now ?? NOW,
  });
}

test('a keyless .sig layer verifies after its certificate expired, dated by the Rekor SET integratedTime', () => {
  const v = run(candidate(signAndLog(log, payload)));
  assert.equal(v.ok, true, v.error?.message);
  assert.equal(v.verified[0]?.identity?.issuer, GH_ISSUER);
  assert.equal(v.tlog[0]?.integratedTime.toISOString(), '2025-01-01T00:05:00.000Z');
});

test('a Rekor entry integrated after the certificate expired makes the signature CERTIFICATE_INVALID', () => {
  const v = run(candidate(signAndLog(log, payload, { integratedTime: minutesInto2025(30) })));
  assert.equal(v.error?.code, 'CERTIFICATE_INVALID');
});

test('a SET that does not verify with the trusted root Rekor key is TLOG_INVALID', () => {
  const v = run(candidate(signAndLog(new TestLog(), payload)));
  assert.equal(v.error?.code, 'TLOG_INVALID');
  assert.match(v.error?.message ?? '', /not in the trusted root/);
});

test('a Rekor bundle whose integratedTime was changed is TLOG_INVALID (the SET covers it)', () => {
  const s = signAndLog(log, payload);
  const doc = JSON.parse(cosignRekorBundle(s)) as { Payload: { integratedTime: number } };
  doc.Payload.integratedTime = minutesInto2025(1);
  const v = run(candidate(s, JSON.stringify(doc)));
  assert.equal(v.error?.code, 'TLOG_INVALID');
  assert.match(v.error?.message ?? '', /SignedEntryTimestamp does not verify/);
});

test('a valid Rekor bundle for another signature cannot date this one', () => {
  const other = signAndLog(log, Buffer.from('another payload'));
  const mine = signAndLog(log, payload);
  const v = run(candidate(mine, cosignRekorBundle(other)));
  assert.equal(v.error?.code, 'TLOG_INVALID');
  assert.match(v.error?.message ?? '', /payload hash/);
});

test('a .sig layer without a Rekor bundle is TLOG_INVALID unless insecureIgnoreTlog', () => {
  const c = candidate(signAndLog(log, payload), null);
  assert.equal(run(c).error?.code, 'TLOG_INVALID');
  const inWindow = new Date('2025-01-01T00:02:00Z');
  assert.equal(run(c, { insecureIgnoreTlog: true, now: inWindow }).ok, true);
});

test('a keyless .sig by another identity is UNTRUSTED_SIGNER', () => {
  const v = run(candidate(signAndLog(log, payload)), {
    identity: { subject: 'alice@example.com', issuer: GH_ISSUER },
  });
  assert.equal(v.error?.code, 'UNTRUSTED_SIGNER');
});

test('a keyless .sig from an untrusted CA is CERTIFICATE_INVALID', () => {
  const v = run(candidate(signAndLog(log, payload, { signer: 'evil-leaf' })));
  assert.equal(v.error?.code, 'CERTIFICATE_INVALID');
});

test('verifyCosignRekorBundle rejects a bundle whose fields are missing with INPUT_MALFORMED', () => {
  assert.throws(
    () =>
      verifyCosignRekorBundle({
        rekorBundle: '{"SignedEntryTimestamp":"AA==","Payload":{"body":"e30=","logIndex":-1}}',
        content: { kind: 'simple-signing', signature: 'AA==', payload },
        signer: { kind: 'certificate', certificatePem: '' },
        rekorLogs: root.rekorLogs,
        what: 'sig',
      }),
    (e: Error & { code?: string; fields?: readonly string[] }) =>
      e.code === 'INPUT_MALFORMED' &&
      JSON.stringify(e.fields) ===
        JSON.stringify(['Payload.integratedTime', 'Payload.logIndex', 'Payload.logID']),
  );
});

test('a keyless .sig certificate without an SCT is CERTIFICATE_INVALID unless SCTs are ignored', () => {
  const v = run(candidate(signAndLog(log, payload)), { requireSct: true });
  assert.equal(v.error?.code, 'CERTIFICATE_INVALID');
  assert.match(v.error?.message ?? '', /SCT/);
});

test('the legacy layer re-expressed as a Sigstore bundle verifies through sigstore-js (SCTs aside)', () => {
  const s = signAndLog(log, payload);
  const bundle = legacySignatureBundle({
    rekorBundle: cosignRekorBundle(s),
    content: { kind: 'simple-signing', signature: s.signature.toString('base64'), payload },
    certificatePem: s.cert.toString(),
    what: 'signature 0',
  });
  const v = verifySigstoreBundle({
    bundle,
    artifact: { kind: 'bytes', bytes: payload },
    trustedRoot: root,
    policy: { kind: 'certificate', identity },
    options: { insecureIgnoreSct: true },
    now: NOW,
  });
  assert.equal(v.tlog?.integratedTime, '2025-01-01T00:05:00.000Z');
});
