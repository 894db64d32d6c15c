import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AttestationCandidate,
  buildStatement,
  type DsseEnvelope,
  IN_TOTO_PAYLOAD_TYPE,
  STATEMENT_V01,
  signEnvelope,
  verifyImageAttestations,
} from '../../src/attest/index.js';
import { type Digest, sha256Digest } from '../../src/digest.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import {
  attestationLayer,
  buildCosignManifest,
  type CosignLayer,
  type PrivateKeyMaterial,
  parseCosignManifest,
  type TrustPolicy,
} from '../../src/sign/index.js';
import { caCert, caKey, caPem, ecKey, GITHUB_IDENTITY, GITHUB_ISSUER, SIGNED_AT } from './test-material.js';

const IMAGE = sha256Digest('image');
const OTHER = sha256Digest('other image');
const NOW = new Date('2026-06-01T00:00:00Z');
const SLSA = 'https://slsa.dev/provenance/v1';

function envelopeFor(
  key: PrivateKeyMaterial,
  opts: { digest?: Digest; predicateType?: string; type?: typeof STATEMENT_V01 } = {},
): DsseEnvelope {
  const statement = buildStatement({
    subjectName: 'registry.example/app',
    digest: opts.digest ?? IMAGE,
    predicateType: opts.predicateType ?? SLSA,
    predicate: { buildDefinition: {} },
    ...(opts.type ? { type: opts.type } : {}),
  });
  return signEnvelope(Buffer.from(JSON.stringify(statement)), IN_TOTO_PAYLOAD_TYPE, key);
}

function layer(env: DsseEnvelope, extras = {}): CosignLayer {
  return attestationLayer(Buffer.from(JSON.stringify(env)), SLSA, extras);
}

function candidates(layers: CosignLayer[], signingTime?: Date): AttestationCandidate[] {
  const m = parseManifest(
    buildCosignManifest(layers.map((l) => l.descriptor)).manifest,
    MediaType.ociManifest,
    'att',
  );
  if (m.kind !== 'manifest') assert.fail('not a manifest');
  const blobs = new Map(layers.map((l) => [l.descriptor.digest, l.blob]));
  return parseCosignManifest(m, 'attestations', 'att').entries.map((entry) => ({
    entry,
    envelope: blobs.get(entry.layer.digest) ?? Buffer.alloc(0),
    ...(signingTime ? { signingTime } : {}),
  }));
}

const trust = (k: PrivateKeyMaterial): TrustPolicy => ({ kind: 'key', keys: [k.publicKey] });

test('an attestation signed with the key, about this image, verifies and yields its statement', () => {
  const k = ecKey();
  const v = verifyImageAttestations({
    imageDigest: IMAGE,
    candidates: candidates([layer(envelopeFor(k))]),
    trust: trust(k),
    now: NOW,
    predicateType: SLSA,
  });
  assert.equal(v.ok, true, v.error?.message);
  assert.equal(v.verified[0]?.statement.predicateType, SLSA);
});

test('in-toto v0.1 statements (cosign attest) are accepted', () => {
  const k = ecKey();
  const v = verifyImageAttestations({
    imageDigest: IMAGE,
    candidates: candidates([layer(envelopeFor(k, { type: STATEMENT_V01 }))]),
    trust: trust(k),
    now: NOW,
  });
  assert.equal(v.ok, true);
});

test('tamper: statement subject digest changed — DIGEST_MISMATCH', () => {
  const k = ecKey();
  const v = verifyImageAttestations({
    imageDigest: IMAGE,
    candidates: candidates([layer(envelopeFor(k, { digest: OTHER }))]),
    trust: trust(k),
    now: NOW,
  });
  assert.equal(v.error?.code, 'DIGEST_MISMATCH');
  assert.match(
    v.error?.message ?? '',
    new RegExp(`statement subject names ${OTHER} but the image is ${IMAGE}`),
  );
});

test('tamper: DSSE payload type changed — the signature no longer verifies', () => {
  const k = ecKey();
  const env = { ...envelopeFor(k), payloadType: 'application/json' };
  const v = verifyImageAttestations({
    imageDigest: IMAGE,
    candidates: candidates([layer(env)]),
    trust: trust(k),
    now: NOW,
  });
  assert.equal(v.error?.code, 'SIGNATURE_INVALID');
});

test('tamper: attestation signed by another key — SIGNATURE_INVALID', () => {
  const v = verifyImageAttestations({
    imageDigest: IMAGE,
    candidates: candidates([layer(envelopeFor(ecKey()))]),
    trust: trust(ecKey()),
    now: NOW,
  });
  assert.equal(v.error?.code, 'SIGNATURE_INVALID');
  assert.match(v.error?.message ?? '', /^1 attestation found for sha256:\w+, none verify with key/);
});

test('a signed envelope that is not in-toto is ATTESTATION_INVALID', () => {
  const k = ecKey();
  const env = signEnvelope(Buffer.from('{}'), 'application/json', k);
  const v = verifyImageAttestations({
    imageDigest: IMAGE,
    candidates: candidates([layer(env)]),
    trust: trust(k),
    now: NOW,
  });
  assert.equal(v.error?.code, 'ATTESTATION_INVALID');
});

test('the signed predicate type decides, not the unsigned layer annotation', () => {
  const k = ecKey();
  const env = envelopeFor(k, { predicateType: 'https://cyclonedx.org/bom' });
  // The layer claims SLSA in its annotation; the statement inside says CycloneDX.
  const v = verifyImageAttestations({
    imageDigest: IMAGE,
    candidates: candidates([layer(env)]),
    trust: trust(k),
    now: NOW,
    predicateType: SLSA,
  });
  assert.equal(v.error?.code, 'ATTESTATION_INVALID');
});

test('no attestations attached is NO_SIGNATURES', () => {
  const v = verifyImageAttestations({ imageDigest: IMAGE, candidates: [], trust: trust(ecKey()), now: NOW });
  assert.equal(v.error?.code, 'NO_SIGNATURES');
  assert.match(v.error?.message ?? '', /no attestations attached/);
});

test('a truncated envelope layer fails that attestation only', () => {
  const k = ecKey();
  const broken = attestationLayer(Buffer.from('{"payloadType":'), SLSA);
  const v = verifyImageAttestations({
    imageDigest: IMAGE,
    candidates: candidates([broken, layer(envelopeFor(k))]),
    trust: trust(k),
    now: NOW,
  });
  assert.equal(v.ok, true);
  assert.equal(v.failures.length, 1);
});

test('a keyless-shaped attestation verifies against the trusted root and identity at signing time', () => {
  const leafKey = caKey('leaf-github-key.pem');
  const l = layer(envelopeFor(leafKey), {
    certificatePem: caPem('leaf-github.pem'),
    chainPem: caPem('intermediate.pem'),
  });
  const v = verifyImageAttestations({
    imageDigest: IMAGE,
    candidates: candidates([l], SIGNED_AT),
    trust: {
      kind: 'certificate',
      authorities: { roots: [caCert('root.pem')] },
      identity: { subject: GITHUB_IDENTITY, issuer: GITHUB_ISSUER },
    },
    now: NOW,
  });
  assert.equal(v.ok, true, v.error?.message);
});
