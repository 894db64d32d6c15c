// Logs key-signed signatures in a Rekor (the loopback one of test/sign/keyless/loopback-sigstore.ts) the
// way `cosign sign --key` / `cosign attest --key` do when they upload: POST /api/v1/log/entries with a
// hashedrekord (or dsse) entry whose verifier is the PUBLIC KEY PEM, then turn Rekor's answer into
// cosign's `dev.sigstore.cosign/bundle` annotation ({SignedEntryTimestamp, Payload{body, integratedTime,
// logIndex, logID}}).
import { createHash } from 'node:crypto';

interface RekorAnswer {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: { signedEntryTimestamp: string };
}

async function postEntry(rekorUrl: string, proposed: unknown): Promise<string> {
  const res = await fetch(`${rekorUrl}/api/v1/log/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(proposed),
  });
  const doc = (await res.json()) as Record<string, RekorAnswer>;
  if (res.status !== 201) throw new Error(`Rekor answered ${res.status}: ${JSON.stringify(doc)}`);
  const e = Object.values(doc)[0];
  if (!e) throw new Error('Rekor answered without an entry');
  return JSON.stringify({
    SignedEntryTimestamp: e.verification.signedEntryTimestamp,
    Payload: { body: e.body, integratedTime: e.integratedTime, logIndex: e.logIndex, logID: e.logID },
  });
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

/** Logs a `.sig` signature (over the simple-signing payload) with its public key; returns the annotation. */
export function logKeySignature(
  rekorUrl: string,
  s: { payload: Buffer; signatureBase64: string; publicKeyPem: string },
): Promise<string> {
  return postEntry(rekorUrl, {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(s.payload).digest('hex') } },
      signature: { content: s.signatureBase64, publicKey: { content: b64(s.publicKeyPem) } },
    },
  });
}

/** Logs a `.att` DSSE envelope (JSON text) with its public key as a dsse v0.0.1 entry; returns the annotation. */
export function logKeyAttestation(
  rekorUrl: string,
  a: { envelopeJson: string; publicKeyPem: string },
): Promise<string> {
  return postEntry(rekorUrl, {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: { proposedContent: { envelope: a.envelopeJson, verifiers: [b64(a.publicKeyPem)] } },
  });
}
