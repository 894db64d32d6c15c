import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { type DsseEnvelope, IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../../../src/crypto/dsse.js';
import { buildStatement } from '../../../src/crypto/statement.js';
import type { AttestationCandidate } from '../../../src/sign/verify-attestations.js';
import { type Digest, sha256Digest } from '../../../src/oci/digest.js';
import { attestationLayer, parsePrivateKeyPem } from '../../../src/sign/index.js';
import { parseTrustedRoot, verifyKeylessImageAttestations } from '../../../src/sign/keyless/index.js';
import { caCert } from '../test-material.js';
import { canonicalJson, leafCert, leafKey, minutesInto2025, TestLog, trustedRootJson } from './test-log.js';

const IMAGE = sha256Digest('an attested image') as Digest;
const GH_ID = 'https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main';
const GH_ISSUER = 'https://token.actions.githubusercontent.com';
const PREDICATE = 'https://slsa.dev/provenance/v1';
const NOW = new Date('2026-06-01T00:00:00Z');
const log = new TestLog();
const root = parseTrustedRoot(trustedRootJson([log]), 'trusted_root.json');
const cert = leafCert('leaf-github');
const chainPem = `${caCert('intermediate.pem').toString()}${caCert('root.pem').toString()}`;
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');

function envelope(): DsseEnvelope {
  const statement = buildStatement({
    subjectName: 'registry.test/app',
    digest: IMAGE,
    predicateType: PREDICATE,
    predicate: {},
  });
  return signEnvelope(
    Buffer.from(JSON.stringify(statement)),
    IN_TOTO_PAYLOAD_TYPE,
    parsePrivateKeyPem(leafKey('leaf-github'), 'leaf key'),
  );
}

/** The body cosign attest's Rekor entry has: intoto v0.0.2, signature and certificate base64-wrapped twice/once. */
function intotoBody(env: DsseEnvelope): Buffer {
  const payload = Buffer.from(env.payload, 'base64');
  return Buffer.from(
    canonicalJson({
      apiVersion: '0.0.2',
      kind: 'intoto',
      spec: {
        content: {
          envelope: {
            payloadType: env.payloadType,
            payload: b64(env.payload),
            signatures: env.signatures.map((s) => ({ sig: b64(s.sig), publicKey: b64(cert.toString()) })),
          },
          hash: {
            algorithm: 'sha256',
            value: createHash('sha256').update(JSON.stringify(env)).digest('hex'),
          },
          payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') },
        },
      },
    }),
  );
}

function dsseBody(env: DsseEnvelope): Buffer {
  return Buffer.from(
    canonicalJson({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: {
          algorithm: 'sha256',
          value: createHash('sha256').update(JSON.stringify(env)).digest('hex'),
        },
        payloadHash: {
          algorithm: 'sha256',
          value: createHash('sha256').update(Buffer.from(env.payload, 'base64')).digest('hex'),
        },
        signatures: env.signatures.map((s) => ({ signature: s.sig, verifier: b64(cert.toString()) })),
      },
    }),
  );
}

function candidate(
  env: DsseEnvelope,
  body: Buffer,
  integratedTime = minutesInto2025(4),
): AttestationCandidate {
  const e = log.append(body, integratedTime);
  const rekorBundle = JSON.stringify({
    SignedEntryTimestamp: e.set.toString('base64'),
    Payload: {
      body: body.toString('base64'),
      integratedTime,
      logIndex: e.logIndex,
      logID: log.logId.toString('hex'),
    },
  });
  const json = Buffer.from(JSON.stringify(env));
  const extras = { certificatePem: cert.toString(), chainPem, rekorBundle };
  const layer = attestationLayer(json, PREDICATE, extras);
  return { entry: { index: 0, layer: layer.descriptor, signature: '', ...extras }, envelope: json };
}

function run(c: AttestationCandidate, requireSct = false) {
  return verifyKeylessImageAttestations({
    // The test CA's certificates carry no SCT; the SCT rule has its own test.
    insecureIgnoreSct: !requireSct,
    imageDigest: IMAGE,
    candidates: [c],
    trustedRoot: root,
    identity: { subject: GH_ID, issuer: GH_ISSUER },
    predicateType: PREDICATE,
    now: NOW,
  });
}

test('a keyless .att attestation with an intoto v0.0.2 Rekor entry verifies after its certificate expired', () => {
  const env = envelope();
  const v = run(candidate(env, intotoBody(env)));
  assert.equal(v.ok, true, v.error?.message);
  assert.equal(v.verified[0]?.statement.predicateType, PREDICATE);
  assert.equal(v.tlog[0]?.integratedTime.toISOString(), '2025-01-01T00:04:00.000Z');
});

test('a keyless .att attestation with a dsse v0.0.1 Rekor entry verifies', () => {
  const env = envelope();
  assert.equal(run(candidate(env, dsseBody(env))).ok, true);
});

test('a Rekor entry for another envelope cannot date this attestation (TLOG_INVALID)', () => {
  const env = envelope();
  const v = run(candidate(env, intotoBody(envelope())));
  assert.equal(v.error?.code, 'TLOG_INVALID');
});

test('a keyless attestation logged after its certificate expired is CERTIFICATE_INVALID', () => {
  const env = envelope();
  assert.equal(run(candidate(env, intotoBody(env), minutesInto2025(45))).error?.code, 'CERTIFICATE_INVALID');
});

test('a keyless .att certificate without an SCT is CERTIFICATE_INVALID unless SCTs are ignored', () => {
  const env = envelope();
  const v = run(candidate(env, intotoBody(env)), true);
  assert.equal(v.error?.code, 'CERTIFICATE_INVALID');
  assert.match(v.error?.message ?? '', /SCT/);
});
