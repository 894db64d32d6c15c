/**
 * Subresource Integrity strings (`sha512-<base64>`, W3C SRI section 3.1) as npm, yarn and pnpm record
 * them, turned into hex hashes for SBOMs. Unknown algorithms and bad base64 are dropped, not guessed.
 */
import type { Hash, HashAlgorithm } from '../model.js';

const ALG: Record<string, { alg: HashAlgorithm; bytes: number }> = {
  sha1: { alg: 'SHA-1', bytes: 20 },
  sha256: { alg: 'SHA-256', bytes: 32 },
  sha384: { alg: 'SHA-384', bytes: 48 },
  sha512: { alg: 'SHA-512', bytes: 64 },
};

/** All hashes an integrity string carries (it may list several, space-separated). */
export function hashesFromIntegrity(integrity: string | undefined): Hash[] {
  if (!integrity) return [];
  const out: Hash[] = [];
  for (const part of integrity.trim().split(/\s+/)) {
    const dash = part.indexOf('-');
    if (dash < 0) continue;
    const spec = ALG[part.slice(0, dash)];
    if (!spec) continue;
    const q = part.indexOf('?', dash);
    const b64 = part.slice(dash + 1, q < 0 ? undefined : q);
    // Node's base64 decoder skips characters outside the alphabet, so the decoded length alone would
    // accept junk: the encoded length must be exact too (no line breaks or options inside).
    if (b64.length !== Math.ceil(spec.bytes / 3) * 4) continue;
    const raw = Buffer.from(b64, 'base64');
    if (raw.length !== spec.bytes || raw.toString('base64') !== b64) continue;
    if (!out.some((h) => h.alg === spec.alg)) out.push({ alg: spec.alg, content: raw.toString('hex') });
  }
  return out;
}

/** A bare hex digest (yarn berry `checksum`, Cargo `checksum`) when it has a known length. */
export function hashFromHex(alg: HashAlgorithm, hex: string | undefined): Hash[] {
  if (!hex || !/^[0-9a-fA-F]+$/.test(hex)) return [];
  const len: Record<HashAlgorithm, number> = {
    'SHA-1': 40,
    'SHA-256': 64,
    'SHA-384': 96,
    'SHA-512': 128,
    MD5: 32,
  };
  return hex.length === len[alg] ? [{ alg, content: hex.toLowerCase() }] : [];
}
