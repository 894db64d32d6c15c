import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { describeCause, VouchError } from '../../errors.js';
import type { VulnSource } from '../match.js';
import { type OsvVulnerability, parseOsv } from '../osv.js';
import { indexKey } from '../package-key.js';
import {
  type DatabaseHeader,
  type DatabaseMeta,
  decodeKeyTable,
  FORMAT_VERSION,
  MAGIC,
  PREAMBLE_BYTES,
  type SectionRef,
} from './format.js';

/** An open database: a VulnSource plus its metadata. Close it when done (it holds a file descriptor). */
export interface VulnDatabase extends VulnSource {
  readonly path: string;
  readonly meta: DatabaseMeta;
  /** Reads the whole record section and checks its sha256 (`vouch db status --verify`). */
  verify(): void;
  close(): void;
}

const HINT = 'run "vouch db update" (or "vouch db build --from <dir|zip>" offline) to rebuild it';
const MAX_HEADER = 16 * 1024 * 1024;

function corrupt(path: string, detail: string, cause?: unknown): VouchError {
  return new VouchError('DB_CORRUPT', `vulnerability database ${path}: ${detail}`, { hint: HINT, cause });
}

function isSection(v: unknown): v is SectionRef {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return Number.isSafeInteger(s.offset) && Number.isSafeInteger(s.length) && typeof s.sha256 === 'string';
}

function checkHeader(v: unknown, path: string): DatabaseHeader {
  if (typeof v !== 'object' || v === null) throw corrupt(path, 'header is not an object');
  const h = v as Record<string, unknown>;
  if (h.format !== FORMAT_VERSION) {
    throw corrupt(path, `format ${String(h.format)}, this vouch reads format ${FORMAT_VERSION}`);
  }
  const bad = ['builtAt', 'source'].filter((k) => typeof h[k] !== 'string');
  for (const k of ['records', 'packages', 'skipped', 'withdrawn'])
    if (!Number.isSafeInteger(h[k])) bad.push(k);
  if (!isSection(h.keyTable)) bad.push('keyTable');
  if (!isSection(h.recordSection)) bad.push('recordSection');
  if (typeof h.ecosystems !== 'object' || h.ecosystems === null) bad.push('ecosystems');
  if (bad.length > 0) throw corrupt(path, `header fields ${bad.join(', ')} are invalid`);
  return v as DatabaseHeader;
}

function readExact(fd: number, position: number, length: number, path: string): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    let n: number;
    try {
      n = readSync(fd, buf, got, length - got, position + got);
    } catch (e) {
      throw new VouchError('IO_ERROR', `cannot read vulnerability database ${path}: ${describeCause(e)}`, {
        cause: e,
      });
    }
    if (n === 0) throw corrupt(path, 'file is truncated');
    got += n;
  }
  return buf;
}

/**
 * Opens a database file, reading and checking its header and key table only.
 * @throws DB_MISSING when there is no file, DB_CORRUPT when it is truncated or fails a checksum, IO_ERROR
 */
export function openDatabase(path: string): VulnDatabase {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new VouchError('DB_MISSING', `no vulnerability database at ${path}`, { hint: HINT, cause: e });
    }
    throw new VouchError('IO_ERROR', `cannot open vulnerability database ${path}: ${code ?? String(e)}`, {
      cause: e,
    });
  }
  try {
    return openFd(fd, path);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function openFd(fd: number, path: string): VulnDatabase {
  const st = fstatSync(fd);
  if (!st.isFile()) throw corrupt(path, 'not a regular file');
  const size = st.size;
  if (size < PREAMBLE_BYTES) throw corrupt(path, 'file is truncated');
  const preamble = readExact(fd, 0, PREAMBLE_BYTES, path);
  if (!preamble.subarray(0, MAGIC.length).equals(MAGIC))
    throw corrupt(path, 'not a vouch database (bad magic)');
  const headerLength = preamble.readUInt32LE(MAGIC.length);
  if (headerLength > MAX_HEADER || PREAMBLE_BYTES + headerLength > size)
    throw corrupt(path, 'file is truncated');
  const headerBytes = readExact(fd, PREAMBLE_BYTES, headerLength, path);
  const expected = preamble.subarray(MAGIC.length + 4, PREAMBLE_BYTES);
  if (!createHash('sha256').update(headerBytes).digest().equals(expected))
    throw corrupt(path, 'header checksum mismatch');
  let header: DatabaseHeader;
  try {
    header = checkHeader(JSON.parse(headerBytes.toString('utf8')), path);
  } catch (e) {
    throw e instanceof VouchError ? e : corrupt(path, 'header is not JSON', e);
  }
  const body = PREAMBLE_BYTES + headerLength;
  const { keyTable, recordSection } = header;
  if (keyTable.offset !== 0 || recordSection.offset !== keyTable.length)
    throw corrupt(path, 'sections overlap');
  const expectedSize = body + keyTable.length + recordSection.length;
  if (size !== expectedSize)
    throw corrupt(path, `file is ${size} bytes, expected ${expectedSize} (truncated or appended to)`);
  const tableBytes = readExact(fd, body + keyTable.offset, keyTable.length, path);
  if (createHash('sha256').update(tableBytes).digest('hex') !== keyTable.sha256) {
    throw corrupt(path, 'key table checksum mismatch');
  }
  const table = decodeKeyTable(tableBytes);
  if (table === undefined) throw corrupt(path, 'key table is malformed');
  const { keys, starts, refs } = table;
  const find = (key: string): number => {
    let lo = 0;
    let hi = keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid] ?? '';
      if (k === key) return mid;
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  };
  const recordsAt = body + recordSection.offset;
  const decoded = new Map<number, OsvVulnerability>();
  let open = true;

  const readRecord = (offset: number, length: number, crc: number): OsvVulnerability => {
    const cached = decoded.get(offset);
    if (cached) return cached;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw corrupt(path, 'record reference is malformed');
    }
    if (offset + length > recordSection.length) throw corrupt(path, 'record reference points past the end');
    const bytes = readExact(fd, recordsAt + offset, length, path);
    if (crc32(bytes) >>> 0 !== crc) throw corrupt(path, `record at ${offset} fails its CRC-32 check`);
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      throw corrupt(path, `record at ${offset} is not JSON`, e);
    }
    const parsed = parseOsv(json);
    if (!parsed.ok) throw corrupt(path, `record at ${offset} is not a usable OSV record`);
    decoded.set(offset, parsed.record);
    return parsed.record;
  };

  return {
    path,
    meta: {
      format: header.format,
      builtAt: header.builtAt,
      source: header.source,
      records: header.records,
      packages: header.packages,
      ecosystems: header.ecosystems,
      skipped: header.skipped,
      withdrawn: header.withdrawn,
    },
    lookup(ecosystem, name) {
      if (!open) throw new VouchError('INTERNAL', `vulnerability database ${path} used after close`);
      const at = find(indexKey({ ecosystem, name }));
      if (at < 0) return [];
      const out: OsvVulnerability[] = [];
      const from = starts.getUint32(4 * at, true);
      const to = starts.getUint32(4 * (at + 1), true);
      if (to < from || 12 * to > refs.byteLength)
        throw corrupt(path, 'key table references are out of order');
      for (let r = from; r < to; r++) {
        out.push(
          readRecord(
            refs.getUint32(12 * r, true),
            refs.getUint32(12 * r + 4, true),
            refs.getUint32(12 * r + 8, true),
          ),
        );
      }
      return out;
    },
    verify() {
      const hash = createHash('sha256');
      const chunk = 4 * 1024 * 1024;
      for (let at = 0; at < recordSection.length; at += chunk) {
        hash.update(readExact(fd, recordsAt + at, Math.min(chunk, recordSection.length - at), path));
      }
      if (hash.digest('hex') !== recordSection.sha256)
        throw corrupt(path, 'record section checksum mismatch');
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
