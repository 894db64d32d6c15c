import { createHash } from 'node:crypto';
import { VouchError } from './errors.js';

/** An OCI content digest (`sha256:<64 hex>` or `sha512:<128 hex>`), created only by parseDigest or hashing. */
export type Digest = string & { readonly __brand: 'Digest' };

export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
const DIGEST_RE = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/**
 * Parses a digest string as the OCI image spec defines it (descriptor.md "Digests"), accepting only the
 * registered algorithms sha256 and sha512 with lowercase hex of the right length.
 * @throws DIGEST_INVALID
 */
export function parseDigest(value: string, what = 'digest'): Digest {
  const m = DIGEST_RE.exec(value);
  if (!m) {
    throw new VouchError('DIGEST_INVALID', `${what} "${truncate(value)}" is not of the form algorithm:hex`, {
      hint: 'a digest looks like sha256: followed by 64 lowercase hex characters',
    });
  }
  const alg = m[1] as string;
  const hex = m[2] as string;
  if (alg !== 'sha256' && alg !== 'sha512') {
    throw new VouchError(
      'DIGEST_INVALID',
      `${what} "${truncate(value)}" uses unsupported algorithm "${alg}"`,
      {
        hint: 'only sha256 and sha512 digests are accepted',
      },
    );
  }
  if (hex.length !== HEX_LENGTH[alg] || !/^[a-f0-9]+$/.test(hex)) {
    throw new VouchError(
      'DIGEST_INVALID',
      `${what} "${truncate(value)}": ${alg} needs ${HEX_LENGTH[alg]} lowercase hex characters`,
    );
  }
  return value as Digest;
}

export function isDigest(value: string): value is Digest {
  const m = DIGEST_RE.exec(value);
  if (!m) return false;
  const alg = m[1];
  return (
    (alg === 'sha256' || alg === 'sha512') && m[2]?.length === HEX_LENGTH[alg] && /^[a-f0-9]+$/.test(m[2])
  );
}

export function digestAlgorithm(d: Digest): DigestAlgorithm {
  return d.slice(0, d.indexOf(':')) as DigestAlgorithm;
}

export function digestHex(d: Digest): string {
  return d.slice(d.indexOf(':') + 1);
}

/** sha256 of bytes already in memory. */
export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}

export function digestOf(data: Uint8Array | string, alg: DigestAlgorithm = 'sha256'): Digest {
  return `${alg}:${createHash(alg).update(data).digest('hex')}` as Digest;
}

/** cosign's tag for things attached to a digest: `sha256:abc` -> `sha256-abc`. */
export function digestTag(d: Digest, suffix?: string): string {
  const t = d.replace(':', '-');
  return suffix ? `${t}.${suffix}` : t;
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
