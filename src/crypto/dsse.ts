import { VouchError } from '../errors.js';
import type { PrivateKeyMaterial, PublicKeyMaterial } from './key-material.js';
import { decodeBase64Strict, type SignatureOptions, signBytes, verifyBytes } from './signature.js';

/** The payload type of in-toto statements in DSSE envelopes. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** Upper bound on one envelope: SBOM attestations of large images reach tens of MiB. */
export const DSSE_ENVELOPE_MAX_BYTES = 64 * 1024 * 1024;
/** More signatures than this on one envelope is an attack on verification time, not a use case. */
export const DSSE_SIGNATURES_MAX = 32;

export interface DsseSignature {
  /** Unauthenticated hint (DSSE envelope.md); never used to decide trust. cosign writes "". */
  keyid: string;
  /** Standard base64 of the signature bytes. */
  sig: string;
}

/** A DSSE envelope as serialised (secure-systems-lab/dsse envelope.md). */
export interface DsseEnvelope {
  payloadType: string;
  /** Standard base64 of the payload bytes. */
  payload: string;
  signatures: DsseSignature[];
}

/**
 * The DSSE v1 pre-authentication encoding (protocol.md):
 * `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, LEN in ASCII decimal bytes, no leading zeros.
 * Signing the PAE, not the payload, binds the payload type: changing it breaks every signature.
 */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.byteLength} `, 'utf8'),
    type,
    Buffer.from(` ${payload.byteLength} `, 'utf8'),
    payload,
  ]);
}

/** Signs a payload into a one-signature envelope, as cosign attest does (keyid "" unless given). */
export function signEnvelope(
  payload: Uint8Array,
  payloadType: string,
  key: PrivateKeyMaterial,
  opts: SignatureOptions & { keyid?: string } = {},
): DsseEnvelope {
  const sig = signBytes(key, pae(payloadType, payload), opts);
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: [{ keyid: opts.keyid ?? '', sig: sig.toString('base64') }],
  };
}

/** Adds another signature over the same PAE (multi-signer envelopes). */
export function addEnvelopeSignature(
  env: DsseEnvelope,
  key: PrivateKeyMaterial,
  opts: SignatureOptions & { keyid?: string } = {},
): DsseEnvelope {
  const payload = decodeBase64Strict(env.payload, 'envelope payload');
  const sig = signBytes(key, pae(env.payloadType, payload), opts);
  return {
    ...env,
    signatures: [...env.signatures, { keyid: opts.keyid ?? '', sig: sig.toString('base64') }],
  };
}

/**
 * Parses envelope JSON strictly: payloadType non-empty string, payload and every sig standard
 * base64, 1..DSSE_SIGNATURES_MAX signatures. An envelope with no signatures is malformed, not
 * "unverified": it can never verify and saying so early gives the better message.
 * @throws INPUT_MALFORMED, INPUT_TOO_LARGE
 */
export function parseEnvelope(input: Uint8Array | string, what: string): DsseEnvelope {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > DSSE_ENVELOPE_MAX_BYTES) {
    throw new VouchError(
      'INPUT_TOO_LARGE',
      `${what}: envelope is more than ${DSSE_ENVELOPE_MAX_BYTES} bytes`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: envelope is not JSON`, { cause: e });
  }
  return envelopeFromJson(doc, what);
}

/**
 * Validates an already-decoded envelope object (as found inside a Sigstore bundle).
 * @throws INPUT_MALFORMED
 */
export function envelopeFromJson(doc: unknown, what: string): DsseEnvelope {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new VouchError('INPUT_MALFORMED', `${what}: envelope is not a JSON object`);
  }
  const d = doc as Record<string, unknown>;
  const bad: string[] = [];
  const payloadType = d['payloadType'];
  if (typeof payloadType !== 'string' || payloadType.length === 0)
    bad.push('payloadType (must be a non-empty string)');
  const payload = d['payload'];
  if (typeof payload !== 'string' || !isStdBase64(payload)) bad.push('payload (must be standard base64)');
  const sigs = d['signatures'];
  const signatures: DsseSignature[] = [];
  if (!Array.isArray(sigs)) bad.push('signatures (must be an array)');
  else if (sigs.length === 0) bad.push('signatures (envelope has no signatures)');
  else if (sigs.length > DSSE_SIGNATURES_MAX) bad.push(`signatures (more than ${DSSE_SIGNATURES_MAX})`);
  else {
    sigs.forEach((s, i) => {
      if (typeof s !== 'object' || s === null) {
        bad.push(`signatures[${i}] (must be an object)`);
        return;
      }
      const r = s as Record<string, unknown>;
      const keyid = r['keyid'] ?? '';
      if (typeof keyid !== 'string') bad.push(`signatures[${i}].keyid (must be a string)`);
      if (typeof r['sig'] !== 'string' || r['sig'].length === 0 || !isStdBase64(r['sig'])) {
        bad.push(`signatures[${i}].sig (must be non-empty standard base64)`);
      } else if (typeof keyid === 'string') signatures.push({ keyid, sig: r['sig'] });
    });
  }
  if (bad.length > 0) {
    throw new VouchError('INPUT_MALFORMED', `${what}: invalid DSSE envelope: ${bad.join('; ')}`, {
      fields: bad,
    });
  }
  return { payloadType: payloadType as string, payload: payload as string, signatures };
}

export interface VerifiedEnvelope {
  payloadType: string;
  payload: Buffer;
  /** Key ids (sigstore's, from our keys, never the envelope's keyid hints) that verified a signature. */
  verifiedKeyIds: string[];
}

/**
 * Verifies an envelope against trusted keys. Matching is keyid-agnostic: every signature is tried with
 * every key, because `keyid` is unauthenticated (DSSE envelope.md) and cosign writes it empty.
 * The payload type must equal `expectedPayloadType` when given (checked after the signature, so a
 * forged type is reported as what it is: a broken signature).
 * @throws SIGNATURE_INVALID, ATTESTATION_INVALID, INPUT_MALFORMED
 */
export function verifyEnvelope(
  env: DsseEnvelope,
  keys: readonly PublicKeyMaterial[],
  opts: SignatureOptions & { expectedPayloadType?: string; what?: string } = {},
): VerifiedEnvelope {
  const what = opts.what ?? 'DSSE envelope';
  const payload = decodeBase64Strict(env.payload, `${what} payload`);
  const message = pae(env.payloadType, payload);
  const verified = new Set<string>();
  for (const s of env.signatures) {
    const sig = decodeBase64Strict(s.sig, `${what} signature`);
    for (const k of keys) {
      if (verifyBytes(k, message, sig, opts)) verified.add(k.keyId);
    }
  }
  if (verified.size === 0) {
    const ids = keys.map((k) => k.keyId.slice(0, 16)).join(', ') || 'none given';
    throw new VouchError(
      'SIGNATURE_INVALID',
      `${what}: ${env.signatures.length} signature(s), none verify with key ${ids}`,
      { hint: 'the envelope was signed by another key, or its payload or payload type was changed' },
    );
  }
  if (opts.expectedPayloadType !== undefined && env.payloadType !== opts.expectedPayloadType) {
    throw new VouchError(
      'ATTESTATION_INVALID',
      `${what}: payload type "${env.payloadType}" != expected "${opts.expectedPayloadType}"`,
    );
  }
  return { payloadType: env.payloadType, payload, verifiedKeyIds: [...verified] };
}

/** Decodes the envelope payload without verifying anything: for display only. */
export function envelopePayloadUnverified(env: DsseEnvelope): Buffer {
  return decodeBase64Strict(env.payload, 'envelope payload');
}

function isStdBase64(v: string): boolean {
  return v.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(v);
}
