import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { VouchError } from '../../errors.js';
import type { OsvAffected, OsvVulnerability } from '../osv.js';
import { ecosystemKey, indexKey, normalizeName } from '../package-key.js';

/**
 * The vouch vulnerability database file (format 1). Node 20 has no built-in SQLite, and the lookups
 * are all "records for this ecosystem + name", so the file is a packed index:
 *
 *   magic "VOUCHDB\x01" | u32 LE header length | sha256(header) (32 bytes) | header JSON
 *   | key table | record section   (section offsets count from the end of the header)
 *
 * The header (JSON) holds the metadata for `vouch db status` and the offset, length and sha256 of the
 * key table and of the record section. The key table is binary, little-endian, so opening it costs
 * one split and no per-key allocation: u32 key count N, u32 byte length K, K bytes of the sorted keys
 * (ecosystem key + NUL + normalised name) joined by "\n", u32[N+1] start indexes into the reference
 * list, then the references as u32 triplets (offset, length, crc32) into the record section, where
 * each record is stored once as compact OSV JSON (a record affecting several packages is referenced
 * from several keys). Opening reads and checks the header and the key table only; lookups binary-
 * search the keys, and a record is read, CRC-checked and parsed when first looked up.
 * header and the key table only; a record is read, CRC-checked and parsed when first looked up.
 */

export const MAGIC = Buffer.from('VOUCHDB\x01', 'latin1');
export const PREAMBLE_BYTES = MAGIC.length + 4 + 32;
export const FORMAT_VERSION = 1;

export interface SectionRef {
  readonly offset: number;
  readonly length: number;
  readonly sha256: string;
}

export interface DatabaseMeta {
  readonly format: number;
  /** When the database was built (ISO 8601), passed in by the caller. */
  readonly builtAt: string;
  /** Where the records came from (URL, paths), for `vouch db status`. */
  readonly source: string;
  readonly records: number;
  readonly packages: number;
  /** Records per OSV ecosystem base name (npm, PyPI, Debian, …). */
  readonly ecosystems: Readonly<Record<string, number>>;
  /** Records skipped at build time because they were not usable. */
  readonly skipped: number;
  readonly withdrawn: number;
}

export interface DatabaseHeader extends DatabaseMeta {
  /** Offsets count from the first byte after the header. */
  readonly keyTable: SectionRef;
  readonly recordSection: SectionRef;
}

/** The decoded key table: sorted keys, and for key i its references refs[starts[i]..starts[i+1]). */
export interface KeyTable {
  readonly keys: readonly string[];
  readonly starts: DataView;
  readonly refs: DataView;
}

// u32 fields cap the record section at 4 GiB; OSV's whole corpus compacts to far less.
const U32_MAX = 0xffffffff;

function encodeKeyTable(rows: Map<string, number[]>): Buffer {
  const keys = [...rows.keys()].sort();
  const keyBytes = Buffer.from(keys.join('\n'), 'utf8');
  let total = 0;
  for (const k of keys) total += (rows.get(k)?.length ?? 0) / 3;
  const out = Buffer.alloc(8 + keyBytes.length + 4 * (keys.length + 1) + 12 * total);
  out.writeUInt32LE(keys.length, 0);
  out.writeUInt32LE(keyBytes.length, 4);
  keyBytes.copy(out, 8);
  let at = 8 + keyBytes.length;
  let refAt = at + 4 * (keys.length + 1);
  let start = 0;
  for (const k of keys) {
    out.writeUInt32LE(start, at);
    at += 4;
    for (const n of rows.get(k) ?? []) {
      out.writeUInt32LE(n, refAt);
      refAt += 4;
    }
    start += (rows.get(k)?.length ?? 0) / 3;
  }
  out.writeUInt32LE(start, at);
  return out;
}

/** Decodes a key table, checking that every part lies inside it. Returns undefined when it does not. */
export function decodeKeyTable(b: Uint8Array): KeyTable | undefined {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.byteLength < 8) return undefined;
  const n = view.getUint32(0, true);
  const keyLength = view.getUint32(4, true);
  const startsAt = 8 + keyLength;
  const refsAt = startsAt + 4 * (n + 1);
  if (refsAt > b.byteLength) return undefined;
  const starts = new DataView(b.buffer, b.byteOffset + startsAt, 4 * (n + 1));
  const total = starts.getUint32(4 * n, true);
  if (refsAt + 12 * total !== b.byteLength) return undefined;
  const text = Buffer.from(b.buffer, b.byteOffset + 8, keyLength).toString('utf8');
  const keys = n === 0 ? [] : text.split('\n');
  if (keys.length !== n) return undefined;
  return { keys, starts, refs: new DataView(b.buffer, b.byteOffset + refsAt, 12 * total) };
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** The OSV JSON kept for a record: what matching and reports use; `details` and references are dropped. */
export function compactOsv(r: OsvVulnerability): Record<string, unknown> {
  const affected = (a: OsvAffected): Record<string, unknown> => ({
    package: { ecosystem: a.ecosystem, name: a.name, ...(a.purl ? { purl: a.purl } : {}) },
    ...(a.ranges.length > 0
      ? {
          ranges: a.ranges.map((g) => ({
            type: g.type,
            events: g.events.map((e) => ({ [e.kind]: e.version })),
          })),
        }
      : {}),
    ...(a.versions.length > 0 ? { versions: a.versions } : {}),
    ...(a.severityLabel ? { ecosystem_specific: { severity: a.severityLabel } } : {}),
  });
  return {
    id: r.id,
    modified: r.modified,
    ...(r.published ? { published: r.published } : {}),
    ...(r.withdrawn ? { withdrawn: r.withdrawn } : {}),
    ...(r.aliases.length > 0 ? { aliases: r.aliases } : {}),
    ...(r.related.length > 0 ? { related: r.related } : {}),
    ...(r.upstream.length > 0 ? { upstream: r.upstream } : {}),
    ...(r.summary ? { summary: r.summary } : {}),
    ...(r.severity.length > 0 ? { severity: r.severity } : {}),
    affected: r.affected.map(affected),
    ...(r.severityLabel ? { database_specific: { severity: r.severityLabel } } : {}),
  };
}

/**
 * Encodes records (already parsed, one per id) and metadata into database file bytes. Pure.
 * @throws INPUT_TOO_LARGE when the records exceed what format 1 addresses (4 GiB)
 */
export function encodeDatabase(
  records: readonly OsvVulnerability[],
  meta: Omit<DatabaseMeta, 'format' | 'records' | 'packages' | 'ecosystems' | 'withdrawn'>,
): Buffer {
  const chunks: Buffer[] = [];
  const rows = new Map<string, number[]>();
  const ecosystems: Record<string, number> = {};
  let offset = 0;
  let withdrawn = 0;
  const sorted = [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const r of sorted) {
    if (r.withdrawn) withdrawn++;
    const bytes = Buffer.from(JSON.stringify(compactOsv(r)), 'utf8');
    if (offset + bytes.length > U32_MAX) {
      throw new VouchError(
        'INPUT_TOO_LARGE',
        'vulnerability records exceed the 4 GiB a format 1 database holds',
      );
    }
    const ref = [offset, bytes.length, crc32(bytes) >>> 0];
    chunks.push(bytes);
    offset += bytes.length;
    const keys = new Set<string>();
    const bases = new Set<string>();
    for (const a of r.affected) {
      keys.add(indexKey({ ecosystem: ecosystemKey(a.ecosystem), name: normalizeName(a.ecosystem, a.name) }));
      bases.add(a.ecosystem.split(':')[0] ?? a.ecosystem);
    }
    for (const b of bases) ecosystems[b] = (ecosystems[b] ?? 0) + 1;
    for (const k of keys) {
      const row = rows.get(k);
      if (row) row.push(...ref);
      else rows.set(k, [...ref]);
    }
  }
  const keyTable = encodeKeyTable(rows);
  const recordSection = Buffer.concat(chunks);
  // Section offsets count from the end of the header, so the header never depends on its own length.
  const header: DatabaseHeader = {
    format: FORMAT_VERSION,
    ...meta,
    records: sorted.length,
    packages: rows.size,
    ecosystems,
    withdrawn,
    keyTable: { offset: 0, length: keyTable.length, sha256: sha256(keyTable) },
    recordSection: { offset: keyTable.length, length: recordSection.length, sha256: sha256(recordSection) },
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const preamble = Buffer.alloc(PREAMBLE_BYTES);
  MAGIC.copy(preamble, 0);
  preamble.writeUInt32LE(headerBytes.length, MAGIC.length);
  createHash('sha256')
    .update(headerBytes)
    .digest()
    .copy(preamble, MAGIC.length + 4);
  return Buffer.concat([preamble, headerBytes, keyTable, recordSection]);
}
