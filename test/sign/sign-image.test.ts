import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attestImage } from '../../src/attest/index.js';
import { sha256Digest } from '../../src/oci/digest.js';
import {
  hasIdentityConstraint,
  parseSimpleSigningPayload,
  signImageLayer,
  verifyImageSignatures,
} from '../../src/sign/index.js';
import { ecKey } from './test-material.js';

const IMAGE = sha256Digest('img');

test('signImageLayer produces a .sig layer that the verifier accepts, annotations in optional', () => {
  const k = ecKey();
  const layer = signImageLayer(k, {
    dockerReference: 'registry.example/app',
    digest: IMAGE,
    annotations: { env: 'prod' },
  });
  const sig = layer.descriptor.annotations?.['dev.cosignproject.cosign/signature'] ?? '';
  const v = verifyImageSignatures({
    imageDigest: IMAGE,
    candidates: [{ entry: { index: 0, layer: layer.descriptor, signature: sig }, payload: layer.blob }],
    trust: { kind: 'key', keys: [k.publicKey] },
    now: new Date('2026-01-01T00:00:00Z'),
  });
  assert.equal(v.ok, true);
  assert.deepEqual(parseSimpleSigningPayload(layer.blob, 'p').optional, { env: 'prod' });
});

test('attestImage returns the envelope and its .att layer with the predicateType annotation', () => {
  const { envelope, layer } = attestImage(ecKey(), {
    subjectName: 'registry.example/app',
    digest: IMAGE,
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {},
  });
  assert.equal(envelope.payloadType, 'application/vnd.in-toto+json');
  assert.equal(layer.descriptor.annotations?.['predicateType'], 'https://slsa.dev/provenance/v1');
  assert.equal(layer.blob.toString(), JSON.stringify(envelope));
});

test('keyless verification needs both an identity and an issuer constraint', () => {
  assert.equal(hasIdentityConstraint({ subject: 'a' }), false);
  assert.equal(hasIdentityConstraint({ issuer: 'b' }), false);
  assert.equal(hasIdentityConstraint({ subjectRegExp: '.', issuer: 'b' }), true);
});
