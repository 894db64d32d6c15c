import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256Digest } from '../../src/oci/digest.js';
import type { ImageManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { COSIGN_LAYERS_MAX, parseCosignManifest } from '../../src/sign/index.js';

function manifest(layers: ImageManifest['layers']): ImageManifest {
  return {
    kind: 'manifest',
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: sha256Digest('{}'), size: 2 },
    layers,
  };
}
const layer = { mediaType: MediaType.cosignSimpleSigning, digest: sha256Digest('p'), size: 1 };

test('a .sig manifest with more layers than the cap is refused, not walked', () => {
  const m = manifest(Array.from({ length: COSIGN_LAYERS_MAX + 1 }, () => layer));
  assert.throws(() => parseCosignManifest(m, 'signatures', 'sig'), { code: 'INPUT_TOO_LARGE' });
});

test('layers of every foreign media type are skipped, never counted as signatures', () => {
  const m = manifest([
    { ...layer, mediaType: MediaType.ociLayerGzip },
    { ...layer, mediaType: MediaType.dsseEnvelope },
  ]);
  assert.deepEqual(parseCosignManifest(m, 'signatures', 'sig'), { entries: [], skipped: 2 });
});

test('an .att manifest ignores simple-signing layers', () => {
  const r = parseCosignManifest(manifest([layer]), 'attestations', 'att');
  assert.equal(r.entries.length, 0);
  assert.equal(r.skipped, 1);
});

test('annotations with unexpected keys are carried through harmlessly', () => {
  const m = manifest([
    { ...layer, annotations: { 'dev.cosignproject.cosign/signature': 'c2ln', 'org.example/other': 'x' } },
  ]);
  const [entry] = parseCosignManifest(m, 'signatures', 'sig').entries;
  assert.equal(entry?.signature, 'c2ln');
  assert.equal(entry?.certificatePem, undefined);
});
