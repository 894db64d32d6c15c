import { crc32, inflateRawSync } from 'node:zlib';
import { VouchError } from '../../errors.js';
import { type Limits, withLimits } from '../../limits.js';

/**
 * A reader for zip archives held in memory (APPNOTE.TXT 6.3.x), enough for OSV's per-ecosystem
 * all.zip: the central directory is the source of truth (§4.3.6), entries are stored (0) or deflated
 * (8), Zip64 end records and extra fields are understood (§4.3.14, §4.5.3). The archive comes from a
 * download, so it is hostile until checked: entry count, per-entry and total sizes are capped before
 * inflating, inflation is bounded by the declared size, every CRC-32 is checked, and names that could
 * escape a directory (absolute, `..`, backslashes, NUL) are refused even though we never write them.
 */

export interface ZipEntry {
  readonly name: string;
  readonly compressedSize: number;
  readonly size: number;
  readonly method: number;
  readonly crc: number;
  readonly localHeaderOffset: number;
  readonly isDirectory: boolean;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const MAX_COMMENT = 0xffff;

function corrupt(what: string, detail: string): VouchError {
  return new VouchError('INPUT_MALFORMED', `${what}: not a readable zip archive (${detail})`, {
    hint: 'the download may be truncated; fetch the archive again',
  });
}

function safeU64(buf: Buffer, off: number, what: string): number {
  const v = buf.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(what, 'a 64-bit size is out of range');
  return Number(v);
}

/**
 * Rejects entry names that are absolute, climb out with `..`, or use separators other than `/`.
 * @throws UNSAFE_PATH
 */
export function checkEntryName(name: string, what: string): void {
  if (
    name.length === 0 ||
    name.includes('\0') ||
    name.includes('\\') ||
    name.startsWith('/') ||
    /^[A-Za-z]:/.test(name) ||
    name.split('/').some((p) => p === '..')
  ) {
    throw new VouchError(
      'UNSAFE_PATH',
      `${what}: entry name "${name.slice(0, 200)}" could escape its directory`,
      {
        hint: 'the archive is malformed or hostile; do not use it',
      },
    );
  }
}

/**
 * Lists a zip archive's entries from its central directory.
 * @throws INPUT_MALFORMED, INPUT_TOO_LARGE, UNSAFE_PATH, UNSUPPORTED
 */
export function listZip(zip: Buffer, what: string, limits?: Partial<Limits>): ZipEntry[] {
  const lim = withLimits(limits);
  if (zip.length < 22) throw corrupt(what, 'shorter than an end-of-central-directory record');
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - MAX_COMMENT); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt(what, 'no end-of-central-directory record');
  if (zip.readUInt16LE(eocd + 4) !== 0 || zip.readUInt16LE(eocd + 6) !== 0) {
    throw new VouchError('UNSUPPORTED', `${what}: multi-disk zip archives are not supported`);
  }
  let count = zip.readUInt16LE(eocd + 10);
  let cdSize = zip.readUInt32LE(eocd + 12);
  let cdOffset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || zip.readUInt32LE(loc) !== ZIP64_LOCATOR_SIG) throw corrupt(what, 'missing Zip64 locator');
    const z64 = safeU64(zip, loc + 8, what);
    if (z64 + 56 > zip.length || zip.readUInt32LE(z64) !== ZIP64_EOCD_SIG)
      throw corrupt(what, 'bad Zip64 end record');
    count = safeU64(zip, z64 + 32, what);
    cdSize = safeU64(zip, z64 + 40, what);
    cdOffset = safeU64(zip, z64 + 48, what);
  }
  if (count > lim.zipEntriesMax) {
    throw new VouchError('INPUT_TOO_LARGE', `${what}: ${count} entries, more than ${lim.zipEntriesMax}`);
  }
  if (cdOffset + cdSize > zip.length) throw corrupt(what, 'central directory lies past the end of the file');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  let expanded = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || zip.readUInt32LE(p) !== CENTRAL_SIG)
      throw corrupt(what, `central entry ${i}`);
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    let compressedSize = zip.readUInt32LE(p + 20);
    let size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    let localHeaderOffset = zip.readUInt32LE(p + 42);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cdOffset + cdSize) throw corrupt(what, `central entry ${i} overruns the directory`);
    if (flags & 0x1) throw new VouchError('UNSUPPORTED', `${what}: encrypted entries are not supported`);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    // Zip64 extended information (§4.5.3): present fields follow in a fixed order, only for the
    // values whose 32-bit slot is saturated.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = zip.readUInt16LE(x);
      const len = zip.readUInt16LE(x + 2);
      if (x + 4 + len > xEnd) throw corrupt(what, `extra field of entry ${i}`);
      if (id === 0x0001) {
        let q = x + 4;
        const take = (): number => {
          if (q + 8 > x + 4 + len) throw corrupt(what, `Zip64 field of entry ${i}`);
          const v = safeU64(zip, q, what);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      x += 4 + len;
    }
    checkEntryName(name, what);
    if (size > lim.zipEntryMaxBytes) {
      throw new VouchError(
        'INPUT_TOO_LARGE',
        `${what}: entry ${name} is ${size} bytes, more than ${lim.zipEntryMaxBytes}`,
      );
    }
    expanded += size;
    if (expanded > lim.zipExpandedMaxBytes) {
      throw new VouchError(
        'INPUT_TOO_LARGE',
        `${what}: expands to more than ${lim.zipExpandedMaxBytes} bytes`,
      );
    }
    if (method !== 0 && method !== 8) {
      throw new VouchError('UNSUPPORTED', `${what}: entry ${name} uses compression method ${method}`);
    }
    entries.push({
      name,
      compressedSize,
      size,
      method,
      crc,
      localHeaderOffset,
      isDirectory: name.endsWith('/'),
    });
    p = end;
  }
  return entries;
}

/**
 * Reads one entry's bytes, inflating at most its declared size and checking its CRC-32.
 * @throws INPUT_MALFORMED, INPUT_TOO_LARGE
 */
export function readZipEntry(zip: Buffer, entry: ZipEntry, what: string): Buffer {
  const h = entry.localHeaderOffset;
  if (h + 30 > zip.length || zip.readUInt32LE(h) !== LOCAL_SIG)
    throw corrupt(what, `local header of ${entry.name}`);
  const start = h + 30 + zip.readUInt16LE(h + 26) + zip.readUInt16LE(h + 28);
  const stop = start + entry.compressedSize;
  if (stop > zip.length) throw corrupt(what, `${entry.name} is truncated`);
  const raw = zip.subarray(start, stop);
  let data: Buffer;
  if (entry.method === 0) {
    data = raw;
  } else {
    try {
      // maxOutputLength bounds the inflater by the declared size: a bomb that lies about its size
      // stops here instead of filling memory.
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (e) {
      if (e instanceof RangeError) {
        throw new VouchError(
          'INPUT_TOO_LARGE',
          `${what}: ${entry.name} inflates past its declared ${entry.size} bytes`,
        );
      }
      throw corrupt(what, `${entry.name} does not inflate: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (data.length !== entry.size)
    throw corrupt(what, `${entry.name} is ${data.length} bytes, declared ${entry.size}`);
  if (crc32(data) >>> 0 !== entry.crc) throw corrupt(what, `${entry.name} fails its CRC-32 check`);
  return data;
}
