import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildStatement, IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../../src/attest/index.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import {
  bundleReferrerManifest,
  COSIGN_SIGN_PREDICATE_TYPE,
  cosignSignStatement,
  dsseBundle,
  keyHintOf,
  messageSignatureBundle,
  parseBundle,
  serializeBundle,
  signBytes,
  verifyBundleWithKeys,
  verifyImageBundleWithKeys,
} from '../../src/sign/index.js';
import { ecKey } from './test-material.js';

const artifact = Buffer.from('release tarball bytes');
const D = sha256Digest('image manifest');

test('a key-signed blob bundle is v0.3 with a public key hint and round-trips through JSON', () => {
  const k = ecKey();
  const bundle = messageSignatureBundle(artifact, signBytes(k, artifact), {
    kind: 'key',
    keyHint: keyHintOf(k.publicKey),
  });
  const json = serializeBundle(bundle);
  const doc = JSON.parse(json.toString());
  assert.equal(doc.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  assert.equal(doc.verificationMaterial.publicKey.hint, keyHintOf(k.publicKey));
  assert.equal(doc.messageSignature.messageDigest.algorithm, 'SHA2_256');
  const again = parseBundle(json, 'bundle');
  assert.deepEqual(verifyBundleWithKeys(again, [k.publicKey], { artifact }), {
    content: 'message-signature',
    keyIds: [k.publicKey.keyId],
  });
});

test('a message-signature bundle over other bytes is DIGEST_MISMATCH', () => {
  const k = ecKey();
  const bundle = messageSignatureBundle(artifact, signBytes(k, artifact), { kind: 'key', keyHint: '' });
  assert.throws(() => verifyBundleWithKeys(bundle, [k.publicKey], { artifact: Buffer.from('other') }), {
    code: 'DIGEST_MISMATCH',
  });
});

test('a bundle signed by another key is SIGNATURE_INVALID', () => {
  const bundle = messageSignatureBundle(artifact, signBytes(ecKey(), artifact), { kind: 'key', keyHint: '' });
  assert.throws(() => verifyBundleWithKeys(bundle, [ecKey().publicKey], { artifact }), {
    code: 'SIGNATURE_INVALID',
  });
});

test('a DSSE bundle (cosign 3 image signature shape) verifies and yields the statement', () => {
  const k = ecKey();
  const statement = buildStatement({
    subjectName: '',
    digest: D,
    predicateType: COSIGN_SIGN_PREDICATE_TYPE,
    predicate: {},
  });
  const env = signEnvelope(Buffer.from(JSON.stringify(statement)), IN_TOTO_PAYLOAD_TYPE, k);
  const bundle = parseBundle(
    serializeBundle(dsseBundle(env, { kind: 'key', keyHint: keyHintOf(k.publicKey) })),
    'b',
  );
  const v = verifyBundleWithKeys(bundle, [k.publicKey]);
  assert.equal(v.content, 'dsse-envelope');
  if (v.content === 'dsse-envelope')
    assert.equal(JSON.parse(v.payload.toString()).predicateType, COSIGN_SIGN_PREDICATE_TYPE);
});

test('tamper: a truncated bundle is INPUT_MALFORMED', () => {
  const k = ecKey();
  const json = serializeBundle(
    messageSignatureBundle(artifact, signBytes(k, artifact), { kind: 'key', keyHint: '' }),
  );
  assert.throws(() => parseBundle(json.subarray(0, json.length - 10), 'b'), { code: 'INPUT_MALFORMED' });
});

test('a bundle missing its verification material is INPUT_MALFORMED', () => {
  assert.throws(
    () => parseBundle(Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}'), 'b'),
    {
      code: 'INPUT_MALFORMED',
    },
  );
});

test('the referrer manifest has the bundle artifactType, empty config, subject and cosign 3 annotations', () => {
  const bundle = Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}');
  const r = bundleReferrerManifest({
    bundle,
    subject: { mediaType: MediaType.ociManifest, digest: D, size: 123 },
    content: 'dsse-envelope',
    predicateType: 'https://slsa.dev/provenance/v1',
    created: new Date('2026-03-08T18:18:20.406Z'),
  });
  const m = parseManifest(r.manifest, MediaType.ociManifest, 'referrer');
  if (m.kind !== 'manifest') assert.fail('not a manifest');
  assert.equal(m.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  assert.equal(m.config.mediaType, 'application/vnd.oci.empty.v1+json');
  assert.equal(m.config.digest, 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  assert.equal(m.subject?.digest, D);
  assert.equal(m.layers[0]?.digest, sha256Digest(bundle));
  assert.equal(
    m.layers[0]?.annotations?.['org.opencontainers.image.title'],
    `sha256-${sha256Digest(bundle).slice(7)}.sigstore.json`,
  );
  assert.deepEqual(m.annotations, {
    'dev.sigstore.bundle.content': 'dsse-envelope',
    'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1',
    'org.opencontainers.image.created': '2026-03-08T18:18:20.406Z',
  });
  assert.equal(r.digest, sha256Digest(r.manifest));
});

function imageBundle(key: ReturnType<typeof ecKey>, digest = D) {
  const env = signEnvelope(
    Buffer.from(JSON.stringify(cosignSignStatement(digest))),
    IN_TOTO_PAYLOAD_TYPE,
    key,
  );
  return parseBundle(
    serializeBundle(dsseBundle(env, { kind: 'key', keyHint: keyHintOf(key.publicKey) })),
    'b',
  );
}

test('cosign 3 image signature statements name the subject by digest only, with an empty predicate', () => {
  assert.equal(
    JSON.stringify(cosignSignStatement(D)),
    `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"${D.slice(7)}"}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}`,
  );
});

test('a bundle-format image signature verifies for its image with the signing key', () => {
  const k = ecKey();
  const v = verifyImageBundleWithKeys(imageBundle(k), D, [k.publicKey], {
    predicateType: COSIGN_SIGN_PREDICATE_TYPE,
  });
  assert.deepEqual(v.keyIds, [k.publicKey.keyId]);
});

test('tamper: a bundle-format signature re-pointed at another image is DIGEST_MISMATCH', () => {
  const k = ecKey();
  assert.throws(() => verifyImageBundleWithKeys(imageBundle(k), sha256Digest('other'), [k.publicKey]), {
    code: 'DIGEST_MISMATCH',
  });
});

test('a bundle of another predicate type does not count as an image signature', () => {
  const k = ecKey();
  const st = buildStatement({
    subjectName: 'r',
    digest: D,
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {},
  });
  const env = signEnvelope(Buffer.from(JSON.stringify(st)), IN_TOTO_PAYLOAD_TYPE, k);
  const b = dsseBundle(env, { kind: 'key', keyHint: '' });
  assert.throws(
    () => verifyImageBundleWithKeys(b, D, [k.publicKey], { predicateType: COSIGN_SIGN_PREDICATE_TYPE }),
    {
      code: 'ATTESTATION_INVALID',
    },
  );
});
