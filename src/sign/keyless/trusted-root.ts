import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type TrustMaterial, toTrustMaterial } from '@sigstore/verify';
import { describeCause, VouchError } from '../../errors.js';
import type { CertificateAuthorities } from '../certificate-chain.js';

/** Largest trusted_root.json read (the public-good one is ~9 KB; a private one with many CAs stays far below). */
export const TRUSTED_ROOT_MAX_BYTES = 1024 * 1024;

/** Media types of Sigstore's TrustedRoot message (protobuf-specs `dev.sigstore.trustroot.v1`). */
const TRUSTED_ROOT_MEDIA_TYPE =
  /^application\/vnd\.dev\.sigstore\.trustedroot(\.v0\.\d+)?\+json(;version=0\.\d+)?$/;

/** A Rekor log named by a trusted root: the key that signs its SETs and checkpoints. */
export interface RekorLogKey {
  /** The log id: sha256 of the DER SubjectPublicKeyInfo, hex. */
  logIdHex: string;
  baseUrl: string;
  publicKey: KeyObject;
  validFrom?: Date;
  validUntil?: Date;
}

/** A parsed trusted_root.json: sigstore-js trust material, plus the same facts in node:crypto shapes. */
export interface TrustedRootMaterial {
  /** For @sigstore/verify's Verifier (bundle verification). */
  trustMaterial: TrustMaterial;
  /** Fulcio CA chains as node certificates, for cosign `.sig` layers (src/sign/certificate-chain.ts). */
  authorities: CertificateAuthorities;
  /** Each CA as named by the root (`uri`), leaf-most first, to say which one a chain verified to. */
  cas: { uri: string; certs: X509Certificate[] }[];
  /** Rekor logs, for cosign's legacy `dev.sigstore.cosign/bundle` SET check. */
  rekorLogs: RekorLogKey[];
  /** What the root names, for messages: counts of CAs, tlogs, ctlogs, TSAs. */
  summary: string;
}

/**
 * Parses a Sigstore trusted_root.json (the bytes of `--trusted-root FILE`; the edge reads the file).
 * Every key and certificate is decoded here, so a broken root fails at load, not mid-verification.
 * @throws INPUT_TOO_LARGE, INPUT_MALFORMED
 */
export function parseTrustedRoot(bytes: Uint8Array, what: string): TrustedRootMaterial {
  if (bytes.byteLength > TRUSTED_ROOT_MAX_BYTES) {
    throw new VouchError('INPUT_TOO_LARGE', `${what}: more than ${TRUSTED_ROOT_MAX_BYTES} bytes`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: not JSON (truncated?)`, { cause: e });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new VouchError('INPUT_MALFORMED', `${what}: expected a JSON object, found ${jsonKind(doc)}`);
  }
  const mediaType = (doc as { mediaType?: unknown }).mediaType;
  if (typeof mediaType !== 'string' || !TRUSTED_ROOT_MEDIA_TYPE.test(mediaType)) {
    throw new VouchError(
      'INPUT_MALFORMED',
      `${what}: mediaType ${JSON.stringify(mediaType)} is not application/vnd.dev.sigstore.trustedroot+json;version=0.x`,
      { fields: ['mediaType'] },
    );
  }
  requireValidityStarts(doc as Record<string, unknown>, what);
  let root: TrustedRoot;
  let trustMaterial: TrustMaterial;
  try {
    // fromJSON fills absent fields with defaults; toTrustMaterial then decodes every key and certificate.
    root = TrustedRoot.fromJSON(doc);
    trustMaterial = toTrustMaterial(root);
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: invalid trusted root: ${describeCause(e)}`, {
      cause: e,
    });
  }
  const roots: X509Certificate[] = [];
  const intermediates: X509Certificate[] = [];
  const cas: TrustedRootMaterial['cas'] = [];
  root.certificateAuthorities.forEach((ca, i) => {
    const certs = ca.certChain?.certificates ?? [];
    if (certs.length === 0) {
      throw new VouchError('INPUT_MALFORMED', `${what}: certificateAuthorities[${i}] has no certificates`, {
        fields: [`certificateAuthorities[${i}].certChain`],
      });
    }
    const chain: X509Certificate[] = [];
    cas.push({ uri: ca.uri || `certificateAuthorities[${i}]`, certs: chain });
    certs.forEach((c, j) => {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(Buffer.from(c.rawBytes));
      } catch (e) {
        throw new VouchError(
          'INPUT_MALFORMED',
          `${what}: certificateAuthorities[${i}].certChain.certificates[${j}] is not a DER certificate`,
          { cause: e },
        );
      }
      // The chain is ordered leaf-most first, root last (protobuf-specs X509CertificateChain).
      (j === certs.length - 1 ? roots : intermediates).push(cert);
      chain.push(cert);
    });
  });
  const rekorLogs: RekorLogKey[] = root.tlogs.map((t, i) => {
    const raw = t.publicKey?.rawBytes;
    const logId = t.logId?.keyId;
    if (!raw || !logId) {
      throw new VouchError('INPUT_MALFORMED', `${what}: tlogs[${i}] has no public key or log id`, {
        fields: [`tlogs[${i}]`],
      });
    }
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: Buffer.from(raw), format: 'der', type: 'spki' });
    } catch (e) {
      throw new VouchError('INPUT_MALFORMED', `${what}: tlogs[${i}].publicKey is not a DER SPKI key`, {
        cause: e,
      });
    }
    return {
      logIdHex: Buffer.from(logId).toString('hex'),
      baseUrl: t.baseUrl,
      publicKey,
      ...(t.publicKey?.validFor?.start ? { validFrom: t.publicKey.validFor.start } : {}),
      ...(t.publicKey?.validFor?.end ? { validUntil: t.publicKey.validFor.end } : {}),
    };
  });
  const summary = `${root.certificateAuthorities.length} CA(s), ${root.tlogs.length} tlog(s), ${root.ctlogs.length} CT log(s), ${root.timestampAuthorities.length} TSA(s)`;
  return { trustMaterial, authorities: { roots, intermediates }, cas, rekorLogs, summary };
}

/**
 * Every authority in a trusted root must say from when it is trusted (protobuf-specs TimeRange: `start`
 * is required, `end` optional). sigstore-js treats a missing start as "since the epoch", which would
 * let a key that was trusted later vouch for entries dated before it; a root like that is refused.
 */
function requireValidityStarts(doc: Record<string, unknown>, what: string): void {
  const missing: string[] = [];
  const list = (k: string): unknown[] => (Array.isArray(doc[k]) ? (doc[k] as unknown[]) : []);
  const start = (v: unknown): boolean =>
    typeof v === 'object' && v !== null && typeof (v as { start?: unknown }).start === 'string';
  for (const k of ['tlogs', 'ctlogs']) {
    list(k).forEach((t, i) => {
      const validFor = (t as { publicKey?: { validFor?: unknown } } | null)?.publicKey?.validFor;
      if (!start(validFor)) missing.push(`${k}[${i}].publicKey.validFor.start`);
    });
  }
  for (const k of ['certificateAuthorities', 'timestampAuthorities']) {
    list(k).forEach((c, i) => {
      if (!start((c as { validFor?: unknown } | null)?.validFor)) missing.push(`${k}[${i}].validFor.start`);
    });
  }
  if (missing.length > 0) {
    throw new VouchError(
      'INPUT_MALFORMED',
      `${what}: missing required validity start: ${missing.join(', ')}`,
      {
        fields: missing,
      },
    );
  }
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}
