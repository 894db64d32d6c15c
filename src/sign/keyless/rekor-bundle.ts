import { createHash, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { describeCause, VouchError } from '../../errors.js';
import { decodeBase64Strict } from '../signature.js';
import type { RekorLogKey } from './trusted-root.js';

/** Largest `dev.sigstore.cosign/bundle` annotation read (a hashedrekord entry with a cert is ~3 KB). */
export const REKOR_BUNDLE_MAX_BYTES = 64 * 1024;

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
 * integratedTime,logIndex,logID}}`) attached to a keyless `.sig` layer, offline: the SET is Rekor's
 * signature over the canonical JSON of Payload (keys sorted, no spaces) with the log key the trusted
 * root names for `logID` at `integratedTime`; the body must be a hashedrekord v0.0.1 entry for exactly
 * this payload hash, signature and certificate (otherwise a valid SET for another signature could be
 * replayed to back-date this one).
 * @throws TLOG_INVALID, INPUT_MALFORMED, INPUT_TOO_LARGE
 */
export function verifyCosignRekorBundle(input: {
  rekorBundle: string;
  signature: string;
  payload: Uint8Array;
  certificatePem: string;
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
  checkHashedRekordBody(b.body, input, what);
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

/** Checks that the (SET-covered, so trusted) entry body records this very signature. */
function checkHashedRekordBody(
  bodyB64: string,
  input: { signature: string; payload: Uint8Array; certificatePem: string },
  what: string,
): void {
  let body: unknown;
  try {
    body = JSON.parse(decodeBase64Strict(bodyB64, `${what}: entry body`).toString('utf8'));
  } catch (e) {
    throw new VouchError('TLOG_INVALID', `${what}: entry body is not base64 JSON: ${describeCause(e)}`, {
      cause: e,
    });
  }
  const o = isRecord(body) ? body : {};
  if (o.kind !== 'hashedrekord' || o.apiVersion !== '0.0.1') {
    throw new VouchError(
      'TLOG_INVALID',
      `${what}: entry kind ${String(o.kind)}/${String(o.apiVersion)}, expected hashedrekord/0.0.1 for a .sig signature`,
    );
  }
  const spec = isRecord(o.spec) ? o.spec : {};
  const data = isRecord(spec.data) ? spec.data : {};
  const hash = isRecord(data.hash) ? data.hash : {};
  const sig = isRecord(spec.signature) ? spec.signature : {};
  const pk = isRecord(sig.publicKey) ? sig.publicKey : {};
  const payloadHex = createHash('sha256').update(input.payload).digest('hex');
  if (hash.algorithm !== 'sha256' || hash.value !== payloadHex) {
    throw new VouchError(
      'TLOG_INVALID',
      `${what}: entry records payload hash ${String(hash.algorithm)}:${String(hash.value)}, the payload is sha256:${payloadHex}`,
    );
  }
  const want = decodeBase64Strict(input.signature, `${what}: signature`);
  const got = typeof sig.content === 'string' ? Buffer.from(sig.content, 'base64') : Buffer.alloc(0);
  if (!got.equals(want)) {
    throw new VouchError('TLOG_INVALID', `${what}: entry records a different signature than the layer's`);
  }
  const entryCert = typeof pk.content === 'string' ? Buffer.from(pk.content, 'base64').toString('utf8') : '';
  if (!sameCertificate(entryCert, input.certificatePem)) {
    throw new VouchError('TLOG_INVALID', `${what}: entry records a different certificate than the layer's`);
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
