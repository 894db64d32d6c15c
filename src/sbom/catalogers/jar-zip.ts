/**
 * A small bounded ZIP reader for Java archives (APPNOTE.TXT 6.3: end of central directory 4.3.16,
 * central directory 4.3.12, local header 4.3.7). Written here because src/vuln/db/zip-reader.ts did not
 * exist yet; the two should merge. Archives are attacker-shaped: every offset is checked against the
 * buffer, entry counts are capped, and inflation stops at a byte budget (zip bombs).
 */
import { inflateRawSync } from 'node:zlib';
import { VouchError } from '../../errors.js';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
export const ZIP_ENTRIES_MAX = 200_000;

/** Lists the central directory. @throws INPUT_MALFORMED, UNSUPPORTED (ZIP64) */
export function listZip(buf: Uint8Array, what: string): ZipEntry[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const bad = (why: string): VouchError => new VouchError('INPUT_MALFORMED', `${what}: ${why}`);
  let eocd = -1;
  // The EOCD record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (dv.getUint32(i, true) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('not a zip archive (no end of central directory)');
  const count = dv.getUint16(eocd + 10, true);
  const cdSize = dv.getUint32(eocd + 12, true);
  const cdOffset = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    throw new VouchError('UNSUPPORTED', `${what}: ZIP64 archives are not read yet`);
  }
  if (count > ZIP_ENTRIES_MAX)
    throw new VouchError('INPUT_TOO_LARGE', `${what}: more than ${ZIP_ENTRIES_MAX} entries`);
  if (cdOffset + cdSize > buf.length) throw bad('central directory lies outside the file');
  const out: ZipEntry[] = [];
  let p = cdOffset;
  const dec = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || dv.getUint32(p, true) !== CEN_SIG)
      throw bad(`central directory entry ${i} is corrupt`);
    const method = dv.getUint16(p + 10, true);
    const compressedSize = dv.getUint32(p + 20, true);
    const size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    const localOffset = dv.getUint32(p + 42, true);
    if (p + 46 + nameLen > buf.length) throw bad(`central directory entry ${i} name overruns the file`);
    const name = dec.decode(buf.subarray(p + 46, p + 46 + nameLen));
    out.push({ name, method, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Reads one entry, inflating at most `maxBytes`. @throws INPUT_MALFORMED, INPUT_TOO_LARGE, UNSUPPORTED */
export function readZipEntry(buf: Uint8Array, e: ZipEntry, maxBytes: number, what: string): Uint8Array {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (e.size > maxBytes)
    throw new VouchError('INPUT_TOO_LARGE', `${what}!${e.name}: ${e.size} bytes is over the limit`);
  if (e.localOffset + 30 > buf.length || dv.getUint32(e.localOffset, true) !== LOC_SIG) {
    throw new VouchError('INPUT_MALFORMED', `${what}!${e.name}: local header is corrupt`);
  }
  const start =
    e.localOffset + 30 + dv.getUint16(e.localOffset + 26, true) + dv.getUint16(e.localOffset + 28, true);
  const end = start + e.compressedSize;
  if (end > buf.length)
    throw new VouchError('INPUT_MALFORMED', `${what}!${e.name}: data overruns the archive`);
  const data = buf.subarray(start, end);
  if (e.method === 0) return data;
  if (e.method !== 8)
    throw new VouchError('UNSUPPORTED', `${what}!${e.name}: compression method ${e.method}`);
  try {
    // The declared size may lie; maxOutputLength is the real bound against bombs.
    return inflateRawSync(data, { maxOutputLength: Math.max(1, Math.min(maxBytes, e.size || maxBytes)) });
  } catch (err) {
    const tooBig =
      err instanceof RangeError || (err instanceof Error && /maxOutputLength|buffer/i.test(err.message));
    throw new VouchError(
      tooBig ? 'INPUT_TOO_LARGE' : 'INPUT_MALFORMED',
      `${what}!${e.name}: cannot inflate`,
      {
        cause: err,
      },
    );
  }
}
