import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256Digest } from '../../src/oci/digest.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import {
  appendCosignLayer,
  attestationLayer,
  buildCosignManifest,
  buildSimpleSigningPayload,
  CosignAnnotation,
  parseCosignManifest,
  signatureLayer,
} from '../../src/sign/index.js';

const D = sha256Digest('image');
const payload = buildSimpleSigningPayload({ dockerReference: 'r', digest: D });

test('a signature layer is the payload with the base64 signature in the cosign annotation', () => {
  const l = signatureLayer(payload, 'c2ln', { certificatePem: 'CERT', chainPem: 'CHAIN', rekorBundle: '{}' });
  assert.equal(l.descriptor.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
  assert.equal(l.descriptor.digest, sha256Digest(payload));
  assert.deepEqual(l.descriptor.annotations, {
    'dev.sigstore.cosign/certificate': 'CERT',
    'dev.sigstore.cosign/chain': 'CHAIN',
    'dev.sigstore.cosign/bundle': '{}',
    'dev.cosignproject.cosign/signature': 'c2ln',
  });
});

test('the .sig manifest is an OCI manifest whose config lists the layers as diff_ids', () => {
  const l = signatureLayer(payload, 'c2ln');
  const m = buildCosignManifest([l.descriptor], { created: new Date('2026-01-01T00:00:00Z') });
  const parsed = parseManifest(m.manifest, MediaType.ociManifest, 'sig');
  assert.equal(parsed.kind, 'manifest');
  assert.equal(m.digest, sha256Digest(m.manifest));
  const config = JSON.parse(m.config.blob.toString());
  assert.deepEqual(config.rootfs, { type: 'layers', diff_ids: [l.descriptor.digest] });
  assert.equal(config.created, '2026-01-01T00:00:00.000Z');
  assert.equal(m.config.descriptor.mediaType, MediaType.ociConfig);
});

test('signing twice appends a layer', () => {
  const a = signatureLayer(payload, 'c2lnQQ==');
  const b = signatureLayer(payload, 'c2lnQg==');
  const first = appendCosignLayer(undefined, a);
  const existing = parseManifest(first.manifest, MediaType.ociManifest, 'sig');
  assert.equal(existing.kind, 'manifest');
  if (existing.kind !== 'manifest') return;
  const second = appendCosignLayer(existing, b);
  assert.equal(second.added, true);
  assert.equal(second.layers.length, 2);
});

test('an identical signature is not duplicated', () => {
  const a = signatureLayer(payload, 'c2lnQQ==');
  const first = appendCosignLayer(undefined, a);
  const existing = parseManifest(first.manifest, MediaType.ociManifest, 'sig');
  if (existing.kind !== 'manifest') assert.fail('not a manifest');
  const again = appendCosignLayer(existing, signatureLayer(payload, 'c2lnQQ=='));
  assert.equal(again.added, false);
  assert.equal(again.layers.length, 1);
  assert.equal(again.digest, first.digest);
});

test('appending to a tag that holds something else is refused', () => {
  const foreign = parseManifest(
    buildCosignManifest([{ mediaType: MediaType.ociLayerGzip, digest: D, size: 1 }]).manifest,
    MediaType.ociManifest,
    'x',
  );
  if (foreign.kind !== 'manifest') assert.fail('not a manifest');
  assert.throws(() => appendCosignLayer(foreign, signatureLayer(payload, 'c2ln')), {
    code: 'MEDIA_TYPE_UNSUPPORTED',
  });
});

test('an .att layer is the envelope with predicateType and an empty signature annotation', () => {
  const l = attestationLayer(Buffer.from('{"payloadType":"x"}'), 'https://slsa.dev/provenance/v1');
  assert.equal(l.descriptor.mediaType, 'application/vnd.dsse.envelope.v1+json');
  assert.deepEqual(l.descriptor.annotations, {
    predicateType: 'https://slsa.dev/provenance/v1',
    'dev.cosignproject.cosign/signature': '',
  });
});

test('parsing a .sig manifest lists each signature with its material and skips foreign layers', () => {
  const sig = signatureLayer(payload, 'c2ln', { certificatePem: 'CERT', rfc3161Timestamp: '{"x":1}' });
  const m = parseManifest(
    buildCosignManifest([sig.descriptor, { mediaType: MediaType.ociLayerGzip, digest: D, size: 1 }]).manifest,
    MediaType.ociManifest,
    'sig',
  );
  if (m.kind !== 'manifest') assert.fail('not a manifest');
  const { entries, skipped } = parseCosignManifest(m, 'signatures', 'sig');
  assert.equal(skipped, 1);
  assert.equal(entries.length, 1);
  assert.equal(entries[0]?.signature, 'c2ln');
  assert.equal(entries[0]?.certificatePem, 'CERT');
  assert.equal(entries[0]?.rfc3161Timestamp, '{"x":1}');
});

test('a .sig layer missing its signature annotation stays an entry (it will fail verification alone)', () => {
  const l = signatureLayer(payload, 'c2ln');
  const bare = { ...l.descriptor, annotations: {} };
  const m = parseManifest(buildCosignManifest([bare]).manifest, MediaType.ociManifest, 'sig');
  if (m.kind !== 'manifest') assert.fail('not a manifest');
  assert.equal(parseCosignManifest(m, 'signatures', 'sig').entries[0]?.signature, '');
});

test("the annotation keys are cosign's", () => {
  assert.equal(CosignAnnotation.signature, 'dev.cosignproject.cosign/signature');
  assert.equal(CosignAnnotation.rfc3161Timestamp, 'dev.sigstore.cosign/rfc3161timestamp');
});

test('a manifest with more layers than the cap is refused', () => {
  const l = signatureLayer(payload, 'c2ln').descriptor;
  assert.throws(() => buildCosignManifest(Array.from({ length: 257 }, () => l)), { code: 'INPUT_TOO_LARGE' });
});
