// Transparency-log checks for KEY-signed images (cosign verify --key without --insecure-ignore-tlog):
// the `.sig` / `.att` layer's Rekor bundle annotation, or a key-signed bundle referrer's tlog entries,
// must verify against the trusted root's log keys and record this signature and this key.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../../src/crypto/dsse.js';
import { buildStatement } from '../../src/crypto/statement.js';
import type { AttestationCandidate } from '../../src/sign/verify-attestations.js';
import { type Digest, sha256Digest } from '../../src/oci/digest.js';
import {
  attestationLayer,
  buildSimpleSigningPayload,
  COSIGN_SIGN_PREDICATE_TYPE,
  cosignSignStatement,
  dsseBundle,
  keyHintOf,
  parseTrustedRoot,
  type PrivateKeyMaterial,
  privateKeyFromKeyObject,
  publicKeyToPem,
  type SignatureCandidate,
  serializeBundle,
  signatureLayer,
  signBytes,
  verifyAttachedAttestations,
  verifyAttachedSignatures,
} from '../../src/sign/index.js';
import {
  canonicalJson,
  hashedRekordBody,
  type LoggedEntry,
  TestLog,
  trustedRootJson,
} from './keyless/test-log.js';

const IMAGE = sha256Digest('an image manifest') as Digest;
const NOW = new Date('2026-06-01T00:00:00Z');
const INTEGRATED = Date.UTC(2026, 0, 1) / 1000;
const log = new TestLog();
const strangerLog = new TestLog();
const trustedRoot = parseTrustedRoot(trustedRootJson([log]), 'trusted_root.json');
const newKey = (): PrivateKeyMaterial =>
  privateKeyFromKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'test key');
const signer = newKey();
const other = newKey();
const payload = buildSimpleSigningPayload({ dockerReference: 'registry.test/app', digest: IMAGE });
const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

function annotation(e: LoggedEntry, l: TestLog = log): string {
  return JSON.stringify({
    SignedEntryTimestamp: e.set.toString('base64'),
    Payload: {
      body: e.body.toString('base64'),
      integratedTime: e.integratedTime,
      logIndex: e.logIndex,
      logID: l.logId.toString('hex'),
    },
  });
}

/** A `.sig` signature by `signer`, logged as cosign sign --key logs it (or as the options distort it). */
function loggedSignature(opts: { recordKey?: PrivateKeyMaterial; in?: TestLog; loggedSig?: Buffer } = {}) {
  const signature = signBytes(signer, payload);
  const l = opts.in ?? log;
  const body = hashedRekordBody(
    sha256(payload),
    opts.loggedSig ?? signature,
    publicKeyToPem((opts.recordKey ?? signer).publicKey),
  );
  return { signature, entry: l.append(body, INTEGRATED), log: l };
}

function sigCandidate(signature: Buffer, rekorBundle?: string): SignatureCandidate {
  const extras = rekorBundle !== undefined ? { rekorBundle } : {};
  const layer = signatureLayer(payload, signature.toString('base64'), extras);
  return {
    entry: { index: 0, layer: layer.descriptor, signature: signature.toString('base64'), ...extras },
    payload,
  };
}

function verifySig(c: SignatureCandidate, withTlog = true) {
  return verifyAttachedSignatures({
    attached: { imageDigest: IMAGE, legacy: [c], bundles: [], problems: [] },
    trust: { kind: 'key', keys: [signer.publicKey] },
    now: NOW,
    ...(withTlog ? { tlog: { trustedRoot } } : {}),
  });
}

test('a key-signed .sig with a Rekor entry for its key verifies and reports the entry', () => {
  const s = loggedSignature();
  const v = verifySig(sigCandidate(s.signature, annotation(s.entry)));
  assert.equal(v.ok, true, v.error?.message);
  assert.equal(v.verified[0]?.tlog?.logIndex, s.entry.logIndex);
  assert.equal(v.verified[0]?.tlog?.integratedTime, new Date(INTEGRATED * 1000).toISOString());
  assert.equal(v.verified[0]?.tlog?.url, 'https://rekor.vouch.test');
});

test('a key-signed .sig without a Rekor bundle fails when the tlog is required, saying how to opt out', () => {
  const v = verifySig(sigCandidate(signBytes(signer, payload)));
  assert.equal(v.ok, false);
  assert.equal(v.error?.code, 'TLOG_INVALID');
  assert.match(v.error?.message ?? '', /no transparency-log entry/);
  assert.match(v.error?.message ?? '', /ctlog: \{\} \/ rekor\.ignoreTlog/);
});

test('a key-signed .sig without a Rekor bundle still verifies when the tlog is not required', () => {
  const v = verifySig(sigCandidate(signBytes(signer, payload)), false);
  assert.equal(v.ok, true, v.error?.message);
  assert.equal(v.verified[0]?.tlog, undefined);
});

test('a tampered SignedEntryTimestamp is refused', () => {
  const s = loggedSignature();
  const set = Buffer.from(s.entry.set);
  set[set.length - 1] = (set[set.length - 1] ?? 0) ^ 0xff;
  const v = verifySig(sigCandidate(s.signature, annotation({ ...s.entry, set })));
  assert.equal(v.error?.code, 'TLOG_INVALID');
  assert.match(v.error?.message ?? '', /SignedEntryTimestamp does not verify/);
});

test('an entry logged for another signature over the same payload is not accepted for this one (replay)', () => {
  // ECDSA signs with a fresh nonce: a second signature by the same key over the same payload differs.
  const logged = loggedSignature();
  const mine = signBytes(signer, payload);
  const v = verifySig(sigCandidate(mine, annotation(logged.entry)));
  assert.equal(v.error?.code, 'TLOG_INVALID');
  assert.match(v.error?.message ?? '', /entry records a different signature than the layer's/);
});

test('an entry that records another public key than the verifying key is refused', () => {
  const s = loggedSignature({ recordKey: other });
  const v = verifySig(sigCandidate(s.signature, annotation(s.entry)));
  assert.equal(v.error?.code, 'TLOG_INVALID');
  assert.match(
    v.error?.message ?? '',
    /entry records public key sha256:[0-9a-f]{16}…, the signature verified with key/,
  );
});

test('an entry from a log whose key is not in the trusted root is refused', () => {
  const s = loggedSignature({ in: strangerLog });
  const v = verifySig(sigCandidate(s.signature, annotation(s.entry, strangerLog)));
  assert.equal(v.error?.code, 'TLOG_INVALID');
  assert.match(v.error?.message ?? '', /logID [0-9a-f]{64} is not in the trusted root/);
});

const PREDICATE = 'https://slsa.dev/provenance/v1';
const statement = buildStatement({
  subjectName: 'registry.test/app',
  digest: IMAGE,
  predicateType: PREDICATE,
  predicate: { buildDefinition: {} },
});

/** A dsse v0.0.1 body as Rekor stores it for `envelope`, naming `recordKey` as the verifier. */
function dsseBody(envelope: ReturnType<typeof signEnvelope>, recordKey: PrivateKeyMaterial): Buffer {
  return Buffer.from(
    canonicalJson({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: {
          algorithm: 'sha256',
          value: sha256(Buffer.from(JSON.stringify(envelope))).toString('hex'),
        },
        payloadHash: {
          algorithm: 'sha256',
          value: sha256(Buffer.from(envelope.payload, 'base64')).toString('hex'),
        },
        signatures: [
          {
            signature: envelope.signatures[0]?.sig ?? '',
            verifier: Buffer.from(publicKeyToPem(recordKey.publicKey)).toString('base64'),
          },
        ],
      },
    }),
  );
}

function attCandidate(recordKey: PrivateKeyMaterial): {
  candidate: AttestationCandidate;
  entry: LoggedEntry;
} {
  const envelope = signEnvelope(Buffer.from(JSON.stringify(statement)), IN_TOTO_PAYLOAD_TYPE, signer);
  const entry = log.append(dsseBody(envelope, recordKey), INTEGRATED);
  const json = Buffer.from(JSON.stringify(envelope));
  const layer = attestationLayer(json, PREDICATE, { rekorBundle: annotation(entry) });
  return {
    candidate: {
      entry: { index: 0, layer: layer.descriptor, signature: '', rekorBundle: annotation(entry) },
      envelope: json,
    },
    entry,
  };
}

function verifyAtt(c: AttestationCandidate) {
  return verifyAttachedAttestations({
    attached: { imageDigest: IMAGE, legacy: [c], bundles: [], problems: [] },
    trust: { kind: 'key', keys: [signer.publicKey] },
    now: NOW,
    predicateType: PREDICATE,
    tlog: { trustedRoot },
  });
}

test('a key-signed .att with a dsse Rekor entry for its key verifies and reports the entry', () => {
  const { candidate, entry } = attCandidate(signer);
  const v = verifyAtt(candidate);
  assert.equal(v.ok, true, v.error?.message);
  assert.equal(v.verified[0]?.tlog?.logIndex, entry.logIndex);
});

test('a key-signed .att whose Rekor entry names another key is refused', () => {
  const v = verifyAtt(attCandidate(other).candidate);
  assert.equal(v.error?.code, 'TLOG_INVALID');
  assert.match(v.error?.message ?? '', /entry records public key/);
});

/** A key-signed v0.3 bundle of cosign's sign statement, with a dsse tlog entry naming `recordKey`. */
function keyBundle(recordKey: PrivateKeyMaterial | undefined): Buffer {
  const envelope = signEnvelope(
    Buffer.from(JSON.stringify(cosignSignStatement(IMAGE))),
    IN_TOTO_PAYLOAD_TYPE,
    signer,
  );
  const bundle = dsseBundle(envelope, { kind: 'key', keyHint: keyHintOf(signer.publicKey) });
  if (recordKey === undefined) return serializeBundle(bundle);
  const e = log.append(dsseBody(envelope, recordKey), INTEGRATED);
  return serializeBundle({
    ...bundle,
    verificationMaterial: {
      ...bundle.verificationMaterial,
      tlogEntries: [
        {
          logIndex: String(e.logIndex),
          logId: { keyId: log.logId },
          kindVersion: { kind: 'dsse', version: '0.0.1' },
          integratedTime: String(e.integratedTime),
          inclusionPromise: { signedEntryTimestamp: e.set },
          inclusionProof: {
            logIndex: String(e.logIndex),
            rootHash: e.rootHash,
            treeSize: String(e.treeSize),
            hashes: e.hashes,
            checkpoint: { envelope: e.checkpoint },
          },
          canonicalizedBody: e.body,
        },
      ],
    },
  });
}

function verifyBundle(bytes: Buffer) {
  return verifyAttachedSignatures({
    attached: {
      imageDigest: IMAGE,
      legacy: [],
      bundles: [{ referrer: sha256Digest(bytes) as Digest, bytes }],
      problems: [],
    },
    trust: { kind: 'key', keys: [signer.publicKey] },
    now: NOW,
    tlog: { trustedRoot },
  });
}

test('a key-signed bundle referrer with a tlog entry for its key verifies through sigstore-js', () => {
  const v = verifyBundle(keyBundle(signer));
  assert.equal(v.ok, true, v.error?.message);
  assert.equal(v.verified[0]?.format, 'bundle');
  assert.equal(v.verified[0]?.statement?.predicateType, COSIGN_SIGN_PREDICATE_TYPE);
  assert.equal(v.verified[0]?.tlog?.integratedTime, new Date(INTEGRATED * 1000).toISOString());
});

test('a key-signed bundle referrer without tlog entries fails when the tlog is required', () => {
  const v = verifyBundle(keyBundle(undefined));
  assert.equal(v.error?.code, 'TLOG_INVALID');
  assert.match(v.error?.message ?? '', /expected at least 1 transparency log entry/);
});

test('a key-signed bundle referrer whose tlog entry names another key is refused', () => {
  const v = verifyBundle(keyBundle(other));
  assert.equal(v.error?.code, 'TLOG_INVALID');
  assert.match(v.error?.message ?? '', /tlogEntries\[0\]: entry records public key/);
});

test('asking for tlog checks with a certificate trust policy is a usage error', () => {
  assert.throws(
    () =>
      verifyAttachedSignatures({
        attached: { imageDigest: IMAGE, legacy: [], bundles: [], problems: [] },
        trust: { kind: 'certificate', authorities: trustedRoot.authorities, identity: {} },
        now: NOW,
        tlog: { trustedRoot },
      }),
    { code: 'USAGE' },
  );
});
