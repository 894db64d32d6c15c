// Hostile content attached to an image: each case must end as a reported problem or a failed
// candidate, never as a crash, and never hide a good signature beside it.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { type Digest, digestTag, sha256Digest } from '../../src/oci/digest.js';
import { blobPath, createOciLayoutWriter, openOciLayout } from '../../src/oci/layout-dir.js';
import { MediaType } from '../../src/oci/media-types.js';
import { referrersTag } from '../../src/oci/referrers-index.js';
import {
  appendToCosignTag,
  buildCosignManifest,
  privateKeyFromKeyObject,
  pushBundleReferrer,
  readAttachedSignatures,
  signImageLayer,
  verifyAttachedSignatures,
} from '../../src/sign/index.js';
import { layoutWith } from '../cli/sign-setup.js';

const key = privateKeyFromKeyObject(
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  'test key',
);
const trust = { kind: 'key' as const, keys: [key.publicKey] };
const NOW = new Date('2026-06-01T00:00:00Z');

async function signLayout(dir: string, digest: Digest): Promise<string> {
  const w = await createOciLayoutWriter(dir);
  const layer = signImageLayer(key, { dockerReference: 'oci-dir:x', digest });
  await appendToCosignTag({ reader: await openOciLayout(dir), writer: w }, digest, 'sig', layer, NOW);
  await w.commit();
  return layer.descriptor.digest;
}

async function verify(dir: string, digest: Digest) {
  const attached = await readAttachedSignatures(await openOciLayout(dir), digest);
  return { attached, v: verifyAttachedSignatures({ attached, trust, now: NOW }) };
}

test('a signature layer whose blob is missing fails as a candidate and is reported', async (t) => {
  const { dir, digest } = await layoutWith(t, 'missing blob\n');
  const payload = await signLayout(dir, digest);
  rmSync(blobPath(dir, payload));
  const { attached, v } = await verify(dir, digest);
  assert.equal(v.ok, false);
  assert.equal(v.error?.code, 'DIGEST_MISMATCH');
  assert.ok(
    attached.problems.some((p) => p.includes('layer 0')),
    attached.problems.join('\n'),
  );
});

test('an image index pushed under the .sig tag is reported, not a crash', async (t) => {
  const { dir, digest } = await layoutWith(t, 'index under sig\n');
  const w = await createOciLayoutWriter(dir);
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] }),
  );
  await w.putManifest(index, MediaType.ociIndex, digestTag(digest, 'sig'));
  await w.commit();
  const { attached, v } = await verify(dir, digest);
  assert.equal(v.error?.code, 'NO_SIGNATURES');
  assert.ok(
    attached.problems.some((p) => /is an index, not a cosign manifest/.test(p)),
    attached.problems.join('\n'),
  );
});

test('a .sig manifest with more layers than COSIGN_LAYERS_MAX is reported and yields no candidates', async (t) => {
  const { dir, digest } = await layoutWith(t, 'too many layers\n');
  const w = await createOciLayoutWriter(dir);
  const blob = Buffer.from('{}');
  const desc = { mediaType: MediaType.cosignSimpleSigning, size: blob.length, digest: sha256Digest(blob) };
  await w.putBlob(desc, blob);
  const many = Array.from({ length: 257 }, () => desc);
  const config = Buffer.from('{}');
  await w.putBlob({ digest: sha256Digest(config), size: config.length }, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, size: config.length, digest: sha256Digest(config) },
      layers: many,
    }),
  );
  await w.putManifest(manifest, MediaType.ociManifest, digestTag(digest, 'sig'));
  await w.commit();
  const { attached, v } = await verify(dir, digest);
  assert.equal(v.ok, false);
  assert.ok(
    attached.problems.some((p) => /257 layers/.test(p)),
    attached.problems.join('\n'),
  );
});

test('a foreign layer beside a good signature is ignored and the good one still verifies', async (t) => {
  const { dir, digest } = await layoutWith(t, 'foreign layer\n');
  const good = signImageLayer(key, { dockerReference: 'oci-dir:x', digest });
  const junk = Buffer.from('not a signature');
  const junkDesc = { mediaType: 'application/octet-stream', size: junk.length, digest: sha256Digest(junk) };
  const built = buildCosignManifest([junkDesc, good.descriptor]);
  const w = await createOciLayoutWriter(dir);
  await w.putBlob(junkDesc, junk);
  await w.putBlob(good.descriptor, good.blob);
  await w.putBlob(built.config.descriptor, built.config.blob);
  await w.putManifest(built.manifest, built.mediaType, digestTag(digest, 'sig'));
  await w.commit();
  const { attached, v } = await verify(dir, digest);
  assert.equal(v.ok, true);
  assert.ok(attached.problems.some((p) => /1 layer\(s\) of another media type ignored/.test(p)));
});

test('a fallback index listing a referrer of another image is reported, not counted', async (t) => {
  const { dir, digest } = await layoutWith(t, 'stray referrer\n');
  const other = await layoutWith(t, 'other image\n');
  const w = await createOciLayoutWriter(dir);
  const bundle = Buffer.from('{}');
  const layer = { mediaType: MediaType.sigstoreBundleV03, size: bundle.length, digest: sha256Digest(bundle) };
  const empty = Buffer.from('{}');
  await w.putBlob(layer, bundle);
  const stray = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: MediaType.sigstoreBundleV03,
      config: { mediaType: MediaType.ociEmpty, size: empty.length, digest: sha256Digest(empty) },
      layers: [layer],
      subject: { mediaType: MediaType.ociManifest, size: 1, digest: other.digest },
    }),
  );
  const strayDigest = await w.putManifest(stray, MediaType.ociManifest);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          mediaType: MediaType.ociManifest,
          size: stray.length,
          digest: strayDigest,
          artifactType: MediaType.sigstoreBundleV03,
        },
      ],
    }),
  );
  await w.putManifest(index, MediaType.ociIndex, referrersTag(digest));
  await w.commit();
  const { attached, v } = await verify(dir, digest);
  assert.equal(v.error?.code, 'NO_SIGNATURES');
  assert.deepEqual(attached.bundles, []);
  assert.ok(
    attached.problems.some((p) => p.includes(`does not name ${digest} as its subject`)),
    attached.problems.join('\n'),
  );
});

test('a garbage bundle referrer fails as a candidate while a good legacy signature still verifies', async (t) => {
  const { dir, digest } = await layoutWith(t, 'garbage bundle\n');
  await signLayout(dir, digest);
  const w = await createOciLayoutWriter(dir);
  const reader = await openOciLayout(dir);
  const subject = await reader.resolve(digest);
  await pushBundleReferrer(w, {
    bundle: Buffer.from('{"mediaType":'),
    subject,
    content: 'dsse-envelope',
    created: NOW,
  });
  await w.commit();
  const { v } = await verify(dir, digest);
  assert.equal(v.ok, true);
  assert.equal(v.verified.length, 1);
  assert.equal(v.failures.length, 1);
  assert.match(v.failures[0]?.reason ?? '', /truncated/);
});

test('a garbage certificate annotation beside a good key signature does not break key verification', async (t) => {
  const { dir, digest } = await layoutWith(t, 'garbage certificate\n');
  const w = await createOciLayoutWriter(dir);
  const layer = signImageLayer(
    key,
    { dockerReference: 'oci-dir:x', digest },
    { certificatePem: 'not a certificate' },
  );
  await appendToCosignTag({ reader: await openOciLayout(dir), writer: w }, digest, 'sig', layer, NOW);
  await w.commit();
  const { v } = await verify(dir, digest);
  assert.equal(v.ok, true);
  assert.equal(v.verified[0]?.certificateDer, undefined);
});
