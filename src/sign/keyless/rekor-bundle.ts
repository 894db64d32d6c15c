import { createHash, createPublicKey, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { decodeBase64Strict, type DsseEnvelope } from '../../crypto/index.js';
import { describeCause, VouchError } from '../../errors.js';
import type { RekorLogKey } from './trusted-root.js';

/** Largest `dev.sigstore.cosign/bundle` annotation read (a hashedrekord entry with a cert is ~3 KB). */
export const REKOR_BUNDLE_MAX_BYTES = 64 * 1024;

/** What the `.sig` / `.att` layer signed: a simple-signing payload, or a DSSE envelope (attestations). */
export type RekorSignedContent =
  | { kind: 'simple-signing'; signature: string; payload: Uint8Array }
  | { kind: 'dsse'; envelope: DsseEnvelope };

/**
 * Who the entry body must name as the signer: the layer's certificate (keyless), or the key the
 * signature verified with (`cosign sign --key` logs the public key PEM; a key-signed layer that also
 * carries a certificate logs that certificate, which is accepted when its key is the same SPKI).
 */
export type RekorSigner = { kind: 'certificate'; certificatePem: string } | { kind: 'key'; spkiDer: Buffer };

/** A Rekor entry whose SET verified and whose body matches the signature it is attached to. */
export interface VerifiedRekorEntry {
  /** When Rekor integrated the entry: the signing time cosign uses for the certificate check. */
  integratedTime: Date;
  logIndex: number;
  logIdHex: string;
  url: string;
}

/**
 * Verifies cosign's legacy Rekor bundle annotation (`{"SignedEntryTimestamp":…,"Payload":{body,
 * integratedTime,logIndex,logID}}`) attached to a `.sig` / `.att` layer, offline: the SET is Rekor's
 * signature over the canonical JSON of Payload (keys sorted, no spaces) with the log key the trusted
 * root names for `logID` at `integratedTime`; the body must record exactly this signature and signer
 * (the certificate, or the verifying key for key-signed layers; otherwise a valid SET for another
 * signature could be replayed to back-date this one, or to claim a log entry it never had): a
 * hashedrekord v0.0.1 entry for a `.sig` payload, an intoto v0.0.2 or dsse v0.0.1 entry for a `.att`
 * envelope.
 * @throws TLOG_INVALID, INPUT_MALFORMED, INPUT_TOO_LARGE
 */
export function verifyCosignRekorBundle(input: {
  rekorBundle: string;
  content: RekorSignedContent;
  signer: RekorSigner;
  rekorLogs: readonly RekorLogKey[];
  what: string;
}): VerifiedRekorEntry {
  const { what } = input;
  if (Buffer.byteLength(input.rekorBundle) > REKOR_BUNDLE_MAX_BYTES) {
    throw new VouchError(
      'INPUT_TOO_LARGE',
      `${what}: Rekor bundle is more than ${REKOR_BUNDLE_MAX_BYTES} bytes`,
    );
  }
  const b = parseRekorBundle(input.rekorBundle, what);
  const log = input.rekorLogs.find((l) => l.logIdHex === b.logID);
  if (!log) {
    throw new VouchError(
      'TLOG_INVALID',
      `${what}: Rekor logID ${b.logID} is not in the trusted root (it names ${input.rekorLogs.map((l) => l.logIdHex).join(', ') || 'no tlogs'})`,
    );
  }
  const integratedTime = new Date(b.integratedTime * 1000);
  if (
    (log.validFrom && integratedTime < log.validFrom) ||
    (log.validUntil && integratedTime > log.validUntil)
  ) {
    throw new VouchError(
      'TLOG_INVALID',
      `${what}: integratedTime ${integratedTime.toISOString()} is outside the validity of log key ${b.logID.slice(0, 16)} (${log.validFrom?.toISOString() ?? '-∞'} .. ${log.validUntil?.toISOString() ?? '∞'})`,
    );
  }
  // Rekor's SET covers exactly these four fields, canonicalized (RFC 8785 for this flat object).
  const signed = Buffer.from(
    `{"body":${JSON.stringify(b.body)},"integratedTime":${b.integratedTime},"logID":${JSON.stringify(b.logID)},"logIndex":${b.logIndex}}`,
  );
  if (!cryptoVerify('sha256', signed, log.publicKey, b.set)) {
    throw new VouchError(
      'TLOG_INVALID',
      `${what}: SignedEntryTimestamp does not verify with the key of log ${log.baseUrl} (${b.logID.slice(0, 16)})`,
    );
  }
  checkRekorEntryBody(decodeBody(b.body, what), input.content, input.signer, what);
  return { integratedTime, logIndex: b.logIndex, logIdHex: b.logID, url: log.baseUrl };
}

interface ParsedRekorBundle {
  set: Buffer;
  body: string;
  integratedTime: number;
  logIndex: number;
  logID: string;
}

function parseRekorBundle(text: string, what: string): ParsedRekorBundle {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: Rekor bundle is not JSON`, { cause: e });
  }
  const bad: string[] = [];
  const o = isRecord(doc) ? doc : {};
  const p = isRecord(o.Payload) ? o.Payload : {};
  if (typeof o.SignedEntryTimestamp !== 'string') bad.push('SignedEntryTimestamp');
  if (typeof p.body !== 'string') bad.push('Payload.body');
  if (!Number.isSafeInteger(p.integratedTime) || (p.integratedTime as number) <= 0)
    bad.push('Payload.integratedTime');
  if (!Number.isSafeInteger(p.logIndex) || (p.logIndex as number) < 0) bad.push('Payload.logIndex');
  if (typeof p.logID !== 'string' || !/^[0-9a-f]{64}$/.test(p.logID)) bad.push('Payload.logID');
  if (bad.length > 0) {
    throw new VouchError(
      'INPUT_MALFORMED',
      `${what}: Rekor bundle has missing or invalid ${bad.join(', ')}`,
      {
        fields: bad,
      },
    );
  }
  return {
    set: decodeBase64Strict(o.SignedEntryTimestamp as string, `${what}: SignedEntryTimestamp`),
    body: p.body as string,
    integratedTime: p.integratedTime as number,
    logIndex: p.logIndex as number,
    logID: p.logID as string,
  };
}

function decodeBody(bodyB64: string, what: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(decodeBase64Strict(bodyB64, `${what}: entry body`).toString('utf8'));
  } catch (e) {
    throw new VouchError('TLOG_INVALID', `${what}: entry body is not base64 JSON: ${describeCause(e)}`, {
      cause: e,
    });
  }
  return isRecord(body) ? body : {};
}

/**
 * Checks that a (SET- or proof-covered, so log-attested) entry body records this signed content and
 * signer. The body is attacker-chosen until that check: it is read field by field, never trusted.
 * @throws TLOG_INVALID
 */
export function checkRekorEntryBody(
  body: Record<string, unknown>,
  content: RekorSignedContent,
  signer: RekorSigner,
  what: string,
): void {
  switch (content.kind) {
    case 'simple-signing':
      checkHashedRekordBody(body, content, signer, what);
      return;
    case 'dsse':
      checkDsseBody(body, content.envelope, signer, what);
      return;
  }
}

/**
 * Decodes a Sigstore bundle tlog entry's canonicalizedBody (already base64-decoded bytes) for
 * checkRekorEntryBody.
 * @throws TLOG_INVALID
 */
export function parseRekorEntryBody(bytes: Uint8Array, what: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new VouchError('TLOG_INVALID', `${what}: entry body is not JSON: ${describeCause(e)}`, {
      cause: e,
    });
  }
  return isRecord(body) ? body : {};
}

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const b64 = (v: unknown): Buffer => Buffer.from(str(v), 'base64');

/** Checks that the (SET-covered, so trusted) hashedrekord body records this very `.sig` signature and signer. */
function checkHashedRekordBody(
  o: Record<string, unknown>,
  c: { signature: string; payload: Uint8Array },
  signer: RekorSigner,
  what: string,
): void {
  if (o.kind !== 'hashedrekord' || o.apiVersion !== '0.0.1') {
    throw new VouchError(
      'TLOG_INVALID',
      `${what}: entry kind ${String(o.kind)}/${String(o.apiVersion)}, expected hashedrekord/0.0.1 for a .sig signature`,
    );
  }
  const spec = rec(o.spec);
  const hash = rec(rec(spec.data).hash);
  const sig = rec(spec.signature);
  const payloadHex = createHash('sha256').update(c.payload).digest('hex');
  if (hash.algorithm !== 'sha256' || hash.value !== payloadHex) {
    throw new VouchError(
      'TLOG_INVALID',
      `${what}: entry records payload hash ${String(hash.algorithm)}:${String(hash.value)}, the payload is sha256:${payloadHex}`,
    );
  }
  if (!b64(sig.content).equals(decodeBase64Strict(c.signature, `${what}: signature`))) {
    throw new VouchError('TLOG_INVALID', `${what}: entry records a different signature than the layer's`);
  }
  checkRecordedSigner(b64(rec(sig.publicKey).content).toString('utf8'), signer, what);
}

/**
 * Checks that an intoto v0.0.2 (cosign attest) or dsse v0.0.1 body records this envelope: its payload
 * hash, and one of its signatures together with the signer (certificate or public key PEM). intoto v0.0.2 stores the
 * signature base64 of base64 and the certificate base64 of PEM (rekor pkg/types/intoto/v0.0.2).
 */
function checkDsseBody(
  o: Record<string, unknown>,
  env: DsseEnvelope,
  signer: RekorSigner,
  what: string,
): void {
  let payloadHash: Record<string, unknown>;
  let recorded: { sig: Buffer; certPem: string }[];
  if (o.kind === 'intoto' && o.apiVersion === '0.0.2') {
    const content = rec(rec(o.spec).content);
    payloadHash = rec(content.payloadHash);
    const sigs = rec(content.envelope).signatures;
    recorded = (Array.isArray(sigs) ? sigs : []).map((s) => ({
      sig: Buffer.from(b64(rec(s).sig).toString('utf8'), 'base64'),
      certPem: b64(rec(s).publicKey).toString('utf8'),
    }));
  } else if (o.kind === 'dsse' && o.apiVersion === '0.0.1') {
    const spec = rec(o.spec);
    payloadHash = rec(spec.payloadHash);
    const sigs = spec.signatures;
    recorded = (Array.isArray(sigs) ? sigs : []).map((s) => ({
      sig: b64(rec(s).signature),
      certPem: b64(rec(s).verifier).toString('utf8'),
    }));
  } else {
    throw new VouchError(
      'TLOG_INVALID',
      `${what}: entry kind ${String(o.kind)}/${String(o.apiVersion)}, expected intoto/0.0.2 or dsse/0.0.1 for an attestation`,
    );
  }
  const payloadHex = createHash('sha256').update(Buffer.from(env.payload, 'base64')).digest('hex');
  if (payloadHash.algorithm !== 'sha256' || payloadHash.value !== payloadHex) {
    throw new VouchError(
      'TLOG_INVALID',
      `${what}: entry records payload hash ${String(payloadHash.algorithm)}:${String(payloadHash.value)}, the envelope payload is sha256:${payloadHex}`,
    );
  }
  const mine = env.signatures.map((s) => Buffer.from(s.sig, 'base64'));
  const match = recorded.find((r) => mine.some((m) => m.equals(r.sig)));
  if (!match) {
    throw new VouchError('TLOG_INVALID', `${what}: entry records none of the envelope's signatures`);
  }
  checkRecordedSigner(match.certPem, signer, what);
}

function checkRecordedSigner(recordedPem: string, signer: RekorSigner, what: string): void {
  switch (signer.kind) {
    case 'certificate':
      if (!sameCertificate(recordedPem, signer.certificatePem)) {
        throw new VouchError(
          'TLOG_INVALID',
          `${what}: entry records a different certificate than the layer's`,
        );
      }
      return;
    case 'key': {
      const recorded = spkiOfPem(recordedPem);
      if (recorded === undefined || !recorded.equals(signer.spkiDer)) {
        const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16);
        throw new VouchError(
          'TLOG_INVALID',
          `${what}: entry records ${recorded ? `public key sha256:${sha(recorded)}…` : 'no readable public key'}, the signature verified with key sha256:${sha(signer.spkiDer)}…`,
        );
      }
      return;
    }
  }
}

/** The SPKI DER of a PEM public key or certificate; undefined when it is neither. */
function spkiOfPem(pem: string): Buffer | undefined {
  try {
    const key = pem.includes('-----BEGIN CERTIFICATE-----')
      ? new X509Certificate(pem).publicKey
      : createPublicKey(pem);
    return key.export({ format: 'der', type: 'spki' });
  } catch {
    // Unparsable recorded material names no key; the caller reports the mismatch.
    return undefined;
  }
}

function sameCertificate(aPem: string, bPem: string): boolean {
  try {
    return new X509Certificate(aPem).raw.equals(new X509Certificate(bPem).raw);
  } catch {
    // Either side unparsable: not the same certificate (the layer's own is checked elsewhere).
    return false;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Re-expresses a keyless `.sig` / `.att` layer (signed content, certificate, Rekor bundle annotation)
 * as the Sigstore bundle v0.1 it is equivalent to, so the full sigstore-js verification (SCTs included)
 * can run over it. Only the leaf is carried: CA certificates come from the trusted root, never from the
 * layer.
 * @throws INPUT_MALFORMED, INPUT_TOO_LARGE
 */
export function legacySignatureBundle(input: {
  rekorBundle: string;
  content: RekorSignedContent;
  certificatePem: string;
  what: string;
}): Buffer {
  const b = parseRekorBundle(input.rekorBundle, input.what);
  const body = decodeBody(b.body, input.what);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(input.certificatePem);
  } catch (e) {
    throw new VouchError(
      'INPUT_MALFORMED',
      `${input.what}: certificate annotation is not a PEM certificate`,
      {
        cause: e,
      },
    );
  }
  return Buffer.from(
    JSON.stringify({
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
      verificationMaterial: {
        x509CertificateChain: { certificates: [{ rawBytes: leaf.raw.toString('base64') }] },
        tlogEntries: [
          {
            logIndex: String(b.logIndex),
            logId: { keyId: Buffer.from(b.logID, 'hex').toString('base64') },
            kindVersion: { kind: str(body.kind), version: str(body.apiVersion) },
            integratedTime: String(b.integratedTime),
            inclusionPromise: { signedEntryTimestamp: b.set.toString('base64') },
            canonicalizedBody: b.body,
          },
        ],
      },
      ...signedContent(input.content),
    }),
  );
}

function signedContent(c: RekorSignedContent): Record<string, unknown> {
  switch (c.kind) {
    case 'simple-signing':
      return {
        messageSignature: {
          messageDigest: {
            algorithm: 'SHA2_256',
            digest: createHash('sha256').update(c.payload).digest('base64'),
          },
          signature: c.signature,
        },
      };
    case 'dsse':
      return {
        dsseEnvelope: {
          payload: c.envelope.payload,
          payloadType: c.envelope.payloadType,
          signatures: c.envelope.signatures.map((s) => ({ sig: s.sig, keyid: s.keyid })),
        },
      };
  }
}
