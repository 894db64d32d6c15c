import { envelopeFromJson, IN_TOTO_PAYLOAD_TYPE, pae } from '../attest/index.js';
import { VouchError } from '../errors.js';
import { canonicalJson, pythonJsonDumps } from './json-encoding.js';
import { type PublicKeyDict, type SigningKey, signBytes, verifyBytes } from './keys.js';
import { INTOTO_LIMITS, type Layout, type Link, parseLayout, parseLink } from './model.js';

/**
 * Signed in-toto metadata in either of the reference implementation's two envelopes:
 * - a classic metablock `{"signed": {...}, "signatures": [{"keyid", "sig": hex}]}`, signed over the
 *   canonical JSON of `signed`;
 * - a DSSE envelope (`in-toto-run --use-dsse`) whose payload is the same link or layout JSON with
 *   payloadType `application/vnd.in-toto+json`, signed over DSSE's PAE, signatures in base64.
 */
export interface MetaSignature {
  readonly keyid: string;
  /** hex for metablocks, base64 for DSSE, as each format writes it. */
  readonly sig: string;
}

export type Payload =
  | { readonly kind: 'link'; readonly link: Link }
  | { readonly kind: 'layout'; readonly layout: Layout };

export interface Metadata {
  readonly format: 'metablock' | 'dsse';
  /** The signed JSON exactly as read (metablock) or the payload bytes (DSSE): what signatures cover. */
  readonly signed: Record<string, unknown>;
  readonly payloadBytes?: Buffer;
  readonly signatures: readonly MetaSignature[];
  readonly payload: Payload;
}

function payloadOf(signed: unknown, what: string): Payload {
  const type = (signed as { _type?: unknown } | null)?._type;
  if (type === 'link') return { kind: 'link', link: parseLink(signed, what) };
  if (type === 'layout') return { kind: 'layout', layout: parseLayout(signed, what) };
  throw new VouchError(
    'INPUT_MALFORMED',
    `${what}: _type must be "link" or "layout", found ${JSON.stringify(type ?? null)}`,
  );
}

/** Reads link or layout metadata in either envelope. @throws INPUT_TOO_LARGE, INPUT_MALFORMED */
export function parseMetadata(input: Uint8Array | string, what: string): Metadata {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > INTOTO_LIMITS.metadataMaxBytes) {
    throw new VouchError(
      'INPUT_TOO_LARGE',
      `${what}: ${size} bytes is more than the ${INTOTO_LIMITS.metadataMaxBytes} allowed for in-toto metadata`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(
      typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input),
    );
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: not JSON`, { cause: e });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new VouchError('INPUT_MALFORMED', `${what}: in-toto metadata must be a JSON object`);
  }
  const d = doc as Record<string, unknown>;
  if ('payload' in d) {
    if (d['payloadType'] !== IN_TOTO_PAYLOAD_TYPE) {
      throw new VouchError('INPUT_MALFORMED', `${what}: DSSE payloadType must be ${IN_TOTO_PAYLOAD_TYPE}`);
    }
    const env = envelopeFromJson(d, what);
    const payloadBytes = Buffer.from(env.payload, 'base64');
    let signed: unknown;
    try {
      signed = JSON.parse(payloadBytes.toString('utf8'));
    } catch (e) {
      throw new VouchError('INPUT_MALFORMED', `${what}: DSSE payload is not JSON`, { cause: e });
    }
    return {
      format: 'dsse',
      signed: signed as Record<string, unknown>,
      payloadBytes,
      signatures: env.signatures,
      payload: payloadOf(signed, what),
    };
  }
  if ('signed' in d) {
    const sigs = d['signatures'] ?? [];
    if (
      !Array.isArray(sigs) ||
      !sigs.every(
        (s) =>
          typeof s === 'object' &&
          s !== null &&
          typeof (s as MetaSignature).keyid === 'string' &&
          typeof (s as MetaSignature).sig === 'string',
      )
    ) {
      throw new VouchError('INPUT_MALFORMED', `${what}: signatures must be a list of {keyid, sig}`);
    }
    const signed = d['signed'];
    const payload = payloadOf(signed, what);
    return {
      format: 'metablock',
      signed: signed as Record<string, unknown>,
      signatures: (sigs as MetaSignature[]).map((s) => ({ keyid: s.keyid, sig: s.sig })),
      payload,
    };
  }
  throw new VouchError(
    'INPUT_MALFORMED',
    `${what}: neither a metablock ("signed") nor a DSSE envelope ("payload")`,
  );
}

function signedBytes(m: Pick<Metadata, 'format' | 'signed' | 'payloadBytes'>): Buffer {
  if (m.format === 'dsse') return pae(IN_TOTO_PAYLOAD_TYPE, m.payloadBytes ?? Buffer.alloc(0));
  return Buffer.from(canonicalJson(m.signed), 'utf8');
}

/**
 * Checks the signature `key` made, as the reference's `verify_signature`: the first signature whose
 * keyid is the key's (or one of its subkeys') is the one checked; none, or an invalid one, is false.
 */
export function verifyMetadataSignature(
  m: Metadata,
  key: PublicKeyDict & { subkeys?: Readonly<Record<string, unknown>> },
): boolean {
  const sig = m.signatures.find(
    (s) => s.keyid === key.keyid || (key.subkeys !== undefined && Object.hasOwn(key.subkeys, s.keyid)),
  );
  if (!sig) return false;
  const bytes = m.format === 'dsse' ? Buffer.from(sig.sig, 'base64') : hexBytes(sig.sig);
  if (!bytes) return false;
  return verifyBytes(key, signedBytes(m), bytes);
}

function hexBytes(s: string): Buffer | undefined {
  return /^(?:[0-9a-fA-F]{2})+$/.test(s) ? Buffer.from(s, 'hex') : undefined;
}

/** New unsigned metadata for a signed JSON object (a link or layout), in the chosen envelope. */
export function unsignedMetadata(
  signed: Record<string, unknown>,
  format: 'metablock' | 'dsse',
  what: string,
): Metadata {
  const payload = payloadOf(signed, what);
  if (format === 'dsse') {
    // The reference's Envelope.from_signable: json.dumps(…, sort_keys=True) with default separators.
    const payloadBytes = Buffer.from(pythonJsonDumps(signed), 'utf8');
    return { format, signed, payloadBytes, signatures: [], payload };
  }
  return { format, signed, signatures: [], payload };
}

/**
 * Adds (or, with `replace`, sets as the only) signature by `key`; a previous signature by the same key
 * is replaced, so signing twice does not count twice toward a threshold.
 */
export function signMetadata(m: Metadata, key: SigningKey, replace = false): Metadata {
  const raw = signBytes(key, signedBytes(m));
  const sig: MetaSignature = {
    keyid: key.public.keyid,
    sig: m.format === 'dsse' ? raw.toString('base64') : raw.toString('hex'),
  };
  const kept = replace ? [] : m.signatures.filter((s) => s.keyid !== key.public.keyid);
  return { ...m, signatures: [...kept, sig] };
}

/** The file text, as the reference writes it (metablock: indent 1, sorted keys; DSSE: one line). */
export function serializeMetadata(m: Metadata): string {
  if (m.format === 'dsse') {
    return pythonJsonDumps({
      payload: (m.payloadBytes ?? Buffer.alloc(0)).toString('base64'),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: m.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })),
    });
  }
  return pythonJsonDumps(
    { signatures: m.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })), signed: m.signed },
    { indent: 1 },
  );
}
