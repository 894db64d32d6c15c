import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256Digest } from '../../src/oci/digest.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import {
  assertVerified,
  buildCosignManifest,
  buildSimpleSigningPayload,
  type CosignLayer,
  type IdentityConstraints,
  type PrivateKeyMaterial,
  parseCosignManifest,
  type SignatureCandidate,
  type SignatureExtras,
  signatureLayer,
  signBytes,
  type TrustPolicy,
  verifyImageSignatures,
} from '../../src/sign/index.js';
import {
  caCert,
  caKey,
  caPem,
  ecKey,
  GITHUB_IDENTITY,
  GITHUB_ISSUER,
  LATER,
  SIGNED_AT,
} from './test-material.js';

const IMAGE = sha256Digest('the image manifest');
const OTHER = sha256Digest('another image manifest');
const NOW = new Date('2026-06-01T00:00:00Z');

function signed(key: PrivateKeyMaterial, digest = IMAGE, extras: SignatureExtras = {}): CosignLayer {
  const payload = buildSimpleSigningPayload({ dockerReference: 'registry.example/app', digest });
  return signatureLayer(payload, signBytes(key, payload).toString('base64'), extras);
}

/** Goes through the real .sig manifest bytes and parser, as the registry path will. */
function candidates(layers: CosignLayer[], signingTime?: Date): SignatureCandidate[] {
  const built = buildCosignManifest(layers.map((l) => l.descriptor));
  const m = parseManifest(built.manifest, MediaType.ociManifest, 'sig');
  if (m.kind !== 'manifest') assert.fail('not a manifest');
  const blobs = new Map(layers.map((l) => [l.descriptor.digest, l.blob]));
  return parseCosignManifest(m, 'signatures', 'sig').entries.map((entry) => ({
    entry,
    payload: blobs.get(entry.layer.digest) ?? Buffer.alloc(0),
    ...(signingTime ? { signingTime } : {}),
  }));
}

const keyTrust = (k: PrivateKeyMaterial): TrustPolicy => ({ kind: 'key', keys: [k.publicKey] });

test('a signature made with the given key over this digest verifies', () => {
  const k = ecKey();
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: candidates([signed(k)]),
    trust: keyTrust(k),
    now: NOW,
  });
  assert.equal(v.ok, true);
  assert.equal(v.verified[0]?.keyId, k.publicKey.keyId);
  assert.equal(v.verified[0]?.payload.digest, IMAGE);
  assertVerified(v);
});

test('no signatures attached is NO_SIGNATURES naming the digest', () => {
  const v = verifyImageSignatures({ imageDigest: IMAGE, candidates: [], trust: keyTrust(ecKey()), now: NOW });
  assert.equal(v.error?.code, 'NO_SIGNATURES');
  assert.match(v.error?.message ?? '', new RegExp(`no signatures attached to ${IMAGE}`));
  assert.throws(() => assertVerified(v), { code: 'NO_SIGNATURES' });
});

test('tamper: signatures from another key — "N signatures found, none verify with key …"', () => {
  const mine = ecKey();
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: candidates([signed(ecKey()), signed(ecKey())]),
    trust: keyTrust(mine),
    now: NOW,
  });
  assert.equal(v.error?.code, 'SIGNATURE_INVALID');
  assert.match(
    v.error?.message ?? '',
    /^2 signatures found for sha256:\w+, none verify with key [0-9a-f]{16}/,
  );
  assert.equal(v.failures.length, 2);
});

test('the key ids of certificate-carrying signatures are listed as seen', () => {
  const leafKey = caKey('leaf-github-key.pem');
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: candidates([signed(leafKey, IMAGE, { certificatePem: caPem('leaf-github.pem') })]),
    trust: keyTrust(ecKey()),
    now: NOW,
  });
  assert.match(v.error?.message ?? '', new RegExp(`seen: ${leafKey.publicKey.keyId.slice(0, 16)}`));
});

test('tamper: re-pointed tag — a valid signature for another digest is DIGEST_MISMATCH', () => {
  const k = ecKey();
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: candidates([signed(k, OTHER)]),
    trust: keyTrust(k),
    now: NOW,
  });
  assert.equal(v.error?.code, 'DIGEST_MISMATCH');
  assert.match(v.error?.message ?? '', new RegExp(`payload names digest ${OTHER} but the image is ${IMAGE}`));
});

test('tamper: swapped payload — layer bytes that do not hash to the layer digest are refused', () => {
  const k = ecKey();
  const [c] = candidates([signed(k)]);
  assert.ok(c);
  const swapped = { ...c, payload: buildSimpleSigningPayload({ dockerReference: 'x', digest: IMAGE }) };
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: [swapped],
    trust: keyTrust(k),
    now: NOW,
  });
  assert.equal(v.error?.code, 'DIGEST_MISMATCH');
});

test('tamper: a payload re-signed by nobody (signature of the original kept) does not verify', () => {
  const k = ecKey();
  const good = signed(k);
  const forgedPayload = buildSimpleSigningPayload({ dockerReference: 'registry.example/app', digest: OTHER });
  const sig = good.descriptor.annotations?.['dev.cosignproject.cosign/signature'] ?? '';
  const forged = signatureLayer(forgedPayload, sig);
  const v = verifyImageSignatures({
    imageDigest: OTHER,
    candidates: candidates([forged]),
    trust: keyTrust(k),
    now: NOW,
  });
  assert.equal(v.error?.code, 'SIGNATURE_INVALID');
});

test('one good signature among bad ones is enough, and the bad ones are reported', () => {
  const k = ecKey();
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: candidates([signed(ecKey()), signed(k), signed(k, OTHER)]),
    trust: keyTrust(k),
    now: NOW,
  });
  assert.equal(v.ok, true);
  assert.equal(v.verified.length, 1);
  assert.deepEqual(v.failures.map((f) => f.code).sort(), ['DIGEST_MISMATCH', 'SIGNATURE_INVALID']);
});

test('a signed payload that is not a simple-signing document is VERIFICATION_FAILED', () => {
  const k = ecKey();
  const payload = Buffer.from('{"critical":{}}');
  const layer = signatureLayer(payload, signBytes(k, payload).toString('base64'));
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: candidates([layer]),
    trust: keyTrust(k),
    now: NOW,
  });
  assert.equal(v.error?.code, 'VERIFICATION_FAILED');
});

// Certificate (keyless-shaped) signatures, against the openssl-made test PKI.
const certTrust = (identity: IdentityConstraints, roots = [caCert('root.pem')]): TrustPolicy => ({
  kind: 'certificate',
  authorities: { roots },
  identity,
});
const github = (): CosignLayer =>
  signed(caKey('leaf-github-key.pem'), IMAGE, {
    certificatePem: caPem('leaf-github.pem'),
    chainPem: caPem('intermediate.pem') + caPem('root.pem'),
  });
const expected = { subject: GITHUB_IDENTITY, issuer: GITHUB_ISSUER };

test('a certificate signature from the expected identity, chained to the trusted root, verifies', () => {
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: candidates([github()], SIGNED_AT),
    trust: certTrust(expected),
    now: NOW,
  });
  assert.equal(v.ok, true, v.error?.message);
  assert.equal(v.verified[0]?.identity?.githubWorkflowRepository, 'octo/app');
});

test('certificate identity X != expected Y is UNTRUSTED_SIGNER, saying both', () => {
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: candidates([github()], SIGNED_AT),
    trust: certTrust({
      subject: 'https://github.com/octo/app/.github/workflows/other.yml@refs/heads/main',
      issuer: GITHUB_ISSUER,
    }),
    now: NOW,
  });
  assert.equal(v.error?.code, 'UNTRUSTED_SIGNER');
  assert.match(
    v.error?.message ?? '',
    /certificate identity https:\/\/github.com\/octo\/app\/.github\/workflows\/release.yml@refs\/heads\/main != expected https:\/\/github.com\/octo\/app\/.github\/workflows\/other.yml/,
  );
});

test('a wrong OIDC issuer is UNTRUSTED_SIGNER', () => {
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: candidates([github()], SIGNED_AT),
    trust: certTrust({ subject: GITHUB_IDENTITY, issuer: 'https://accounts.google.com' }),
    now: NOW,
  });
  assert.equal(v.error?.code, 'UNTRUSTED_SIGNER');
});

test('a certificate expired at signing time is CERTIFICATE_INVALID', () => {
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: candidates([github()], LATER),
    trust: certTrust(expected),
    now: NOW,
  });
  assert.equal(v.error?.code, 'CERTIFICATE_INVALID');
  assert.match(v.error?.message ?? '', /expired at signing time/);
});

test('without a verified signing time, "now" is used and a short-lived certificate has expired', () => {
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: candidates([github()]),
    trust: certTrust(expected),
    now: NOW,
  });
  assert.equal(v.error?.code, 'CERTIFICATE_INVALID');
});

test('tamper: a certificate chaining to an untrusted root is CERTIFICATE_INVALID', () => {
  const evil = signed(caKey('evil-leaf-key.pem'), IMAGE, {
    certificatePem: caPem('evil-leaf.pem'),
    chainPem: caPem('evil-root.pem'),
  });
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: candidates([evil], SIGNED_AT),
    trust: certTrust(expected),
    now: NOW,
  });
  assert.equal(v.error?.code, 'CERTIFICATE_INVALID');
  assert.match(v.error?.message ?? '', /untrusted root/);
});

test('a certificate whose key did not make the signature is SIGNATURE_INVALID, not an identity verdict', () => {
  const wrong = signed(ecKey(), IMAGE, {
    certificatePem: caPem('leaf-github.pem'),
    chainPem: caPem('intermediate.pem'),
  });
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: candidates([wrong], SIGNED_AT),
    trust: certTrust(expected),
    now: NOW,
  });
  assert.equal(v.error?.code, 'SIGNATURE_INVALID');
});

test('a signature without a certificate cannot satisfy certificate trust', () => {
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: candidates([signed(ecKey())], SIGNED_AT),
    trust: certTrust(expected),
    now: NOW,
  });
  assert.equal(v.error?.code, 'CERTIFICATE_INVALID');
});

test("the chain may come from the verifier's trusted intermediates instead of the signature", () => {
  const bare = signed(caKey('leaf-github-key.pem'), IMAGE, { certificatePem: caPem('leaf-github.pem') });
  const trust: TrustPolicy = {
    kind: 'certificate',
    authorities: { roots: [caCert('root.pem')], intermediates: [caCert('intermediate.pem')] },
    identity: expected,
  };
  assert.equal(
    verifyImageSignatures({ imageDigest: IMAGE, candidates: candidates([bare], SIGNED_AT), trust, now: NOW })
      .ok,
    true,
  );
});
