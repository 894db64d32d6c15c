import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDigest, sha256Digest } from '../../src/oci/digest.js';
import { type Descriptor, parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import {
  filterReferrers,
  referrerDescriptor,
  referrersTag,
  withReferrer,
} from '../../src/oci/referrers-index.js';

const SUBJECT = sha256Digest('subject');

function desc(text: string, artifactType?: string): Descriptor {
  return {
    mediaType: MediaType.ociManifest,
    digest: sha256Digest(text),
    size: text.length,
    ...(artifactType ? { artifactType } : {}),
  };
}

test('the fallback tag is <alg>-<hex> (distribution-spec Referrers Tag Schema)', () => {
  assert.equal(referrersTag(SUBJECT), SUBJECT.replace(':', '-'));
  const long = parseDigest(`sha512:${'ab'.repeat(64)}`);
  assert.equal(referrersTag(long), `sha512-${'ab'.repeat(32)}`);
});

test("a referrer's artifactType is its own, else its config media type", () => {
  const config = desc('{}');
  const withType = parseManifest(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        artifactType: 'application/x.sbom',
        config: { ...config, mediaType: MediaType.ociEmpty },
        layers: [],
        annotations: { a: 'b' },
      }),
    ),
    undefined,
    'm',
  );
  const d = referrerDescriptor(withType, sha256Digest('m'), 10);
  assert.deepEqual(d, {
    mediaType: MediaType.ociManifest,
    digest: sha256Digest('m'),
    size: 10,
    artifactType: 'application/x.sbom',
    annotations: { a: 'b' },
  });
  const noType = parseManifest(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { ...config, mediaType: 'application/vnd.dev.cosign.artifact.sig.v1+json' },
        layers: [],
      }),
    ),
    undefined,
    'm',
  );
  assert.equal(
    referrerDescriptor(noType, sha256Digest('m'), 10).artifactType,
    'application/vnd.dev.cosign.artifact.sig.v1+json',
  );
});

test('adding a referrer keeps existing entries and replaces one with the same digest', () => {
  const first = JSON.parse(withReferrer(undefined, desc('a', 't1')).toString('utf8'));
  assert.equal(first.mediaType, MediaType.ociIndex);
  assert.equal(first.schemaVersion, 2);
  const index = parseManifest(Buffer.from(JSON.stringify(first)), MediaType.ociIndex, 'i');
  assert.equal(index.kind, 'index');
  if (index.kind !== 'index') return;
  const second = parseManifest(withReferrer(index, desc('b', 't2')), MediaType.ociIndex, 'i');
  assert.equal(second.kind, 'index');
  if (second.kind !== 'index') return;
  assert.deepEqual(
    second.manifests.map((d) => d.artifactType),
    ['t1', 't2'],
  );
  const third = parseManifest(withReferrer(second, desc('a', 't3')), MediaType.ociIndex, 'i');
  assert.deepEqual(third.kind === 'index' ? third.manifests.map((d) => d.artifactType) : [], ['t2', 't3']);
});

test('referrers are filtered by artifactType, all kept when none is asked for', () => {
  const all = [desc('a', 't1'), desc('b', 't2'), desc('c')];
  assert.equal(filterReferrers(all, undefined).length, 3);
  assert.deepEqual(
    filterReferrers(all, 't2').map((d) => d.digest),
    [sha256Digest('b')],
  );
});
