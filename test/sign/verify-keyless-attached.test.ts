// verifyKeylessAttachedSignatures over cosign legacy `.sig` entries: the Rekor SET from the trusted
// root dates the short-lived certificate and becomes the reported tlog fact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Digest, sha256Digest } from '../../src/oci/digest.js';
import {
  buildSimpleSigningPayload,
  parseTrustedRoot,
  type SignatureCandidate,
  signatureLayer,
  verifyKeylessAttachedSignatures,
} from '../../src/sign/index.js';
import {
  cosignRekorBundle,
  type SignedArtifact,
  signAndLog,
  TestLog,
  trustedRootJson,
} from './keyless/test-log.js';
import { caCert } from './test-material.js';

const IMAGE = sha256Digest('an image manifest') as Digest;
const GH_ID = 'https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main';
const GH_ISSUER = 'https://token.actions.githubusercontent.com';
// Long after the test leaf expired: only the Rekor integratedTime can make it valid.
const NOW = new Date('2026-06-01T00:00:00Z');
const log = new TestLog();
const trustedRoot = parseTrustedRoot(trustedRootJson([log]), 'trusted_root.json');
const payload = buildSimpleSigningPayload({ dockerReference: 'registry.test/app', digest: IMAGE });
const chainPem = `${caCert('intermediate.pem').toString()}${caCert('root.pem').toString()}`;

function candidate(s: SignedArtifact, rekorBundle: string): SignatureCandidate {
  const layer = signatureLayer(payload, s.signature.toString('base64'), {
    certificatePem: s.cert.toString(),
    chainPem,
    rekorBundle,
  });
  return {
    entry: {
      index: 0,
      layer: layer.descriptor,
      signature: s.signature.toString('base64'),
      certificatePem: s.cert.toString(),
      chainPem,
      rekorBundle,
    },
    payload,
  };
}

function verify(c: SignatureCandidate, subject = GH_ID) {
  return verifyKeylessAttachedSignatures({
    attached: { imageDigest: IMAGE, legacy: [c], bundles: [], problems: [] },
    // The test CA issues no SCTs; the SCT rule is covered in keyless/verify-keyless-signatures.test.ts.
    keyless: { trustedRoot, identity: { subject, issuer: GH_ISSUER }, options: { insecureIgnoreSct: true } },
    now: NOW,
  });
}

test('a legacy keyless signature verifies against the trusted root and carries its tlog entry', () => {
  const s = signAndLog(log, payload);
  const v = verify(candidate(s, cosignRekorBundle(s)));
  assert.equal(v.ok, true, v.error?.message);
  const item = v.verified[0];
  assert.equal(item?.format, 'legacy');
  assert.deepEqual(item?.identity?.sans, [GH_ID]);
  assert.equal(item?.tlog?.logIndex, s.entry.logIndex);
  assert.equal(item?.tlog?.integratedTime, new Date(s.entry.integratedTime * 1000).toISOString());
});

test('a legacy keyless signature by another identity is refused with expected vs found', () => {
  const s = signAndLog(log, payload);
  const v = verify(candidate(s, cosignRekorBundle(s)), 'https://github.com/evil/app');
  assert.equal(v.ok, false);
  assert.equal(v.error?.code, 'UNTRUSTED_SIGNER');
  assert.match(v.error?.message ?? '', /https:\/\/github\.com\/evil\/app/);
});

test('a legacy keyless signature whose Rekor bundle was tampered with is refused (TLOG_INVALID)', () => {
  const s = signAndLog(log, payload);
  const doc = JSON.parse(cosignRekorBundle(s)) as { Payload: { logIndex: number } };
  doc.Payload.logIndex += 1;
  const v = verify(candidate(s, JSON.stringify(doc)));
  assert.equal(v.ok, false);
  assert.equal(v.error?.code, 'TLOG_INVALID');
});
