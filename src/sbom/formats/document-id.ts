/**
 * Identifiers documents need: a serial number (CycloneDX `serialNumber`, RFC 4122 URN) and an SPDX
 * namespace. With `deterministic`, the UUID is derived from a sha256 of the document content, shaped
 * like a name-based UUID (RFC 4122 section 4.3: version and variant bits set), so identical inputs give
 * byte-identical documents; otherwise a random v4 UUID.
 */
import { createHash, randomUUID } from 'node:crypto';

/** A UUID string; content-derived when `content` is given. */
export function documentUuid(content: string | undefined): string {
  if (content === undefined) return randomUUID();
  return documentUuidOfHash(createHash('sha256').update(content).digest());
}

/** The content-derived UUID from the sha256 of the content. */
export function documentUuidOfHash(h: Buffer): string {
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50; // version 5 (name-based, SHA)
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** ISO 8601 UTC with second precision, the form both specs show (`2024-01-01T00:00:00Z`). */
export function isoSeconds(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
