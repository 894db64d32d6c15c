import { VouchError } from '../errors.js';
import { normalizeEntryPath, ROOT_PATH } from './entry-path.js';

export interface TarWriteEntry {
  /** Relative path inside the archive; normalised, and refused when unsafe. */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink';
  /** File content (files only). */
  content?: Uint8Array | string;
  /** Permission bits; default 0o644 for files, 0o755 for directories, 0o777 for symlinks. */
  mode?: number;
  /** Symlink target, or hard link target path. */
  linkpath?: string;
}

export interface TarWriteOptions {
  /** Modification time written into every header, in seconds since the epoch (pass it in: no clock here). */
  mtime: number;
}

/** The raw fields of one header, for writers that need exact control (and for hostile-input tests). */
export interface RawTarHeader {
  name: string;
  typeflag: string;
  size: number;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  prefix?: string;
  uname?: string;
  gname?: string;
}

const BLOCK = 512;

/**
 * Writes a deterministic tar archive: entries sorted by path (byte order), uid/gid 0, empty owner
 * names, one fixed mtime, PAX `x` headers for names or link targets that do not fit ustar. The same
 * entries and mtime always give the same bytes, which is what makes built image digests reproducible.
 * @throws UNSAFE_PATH (entry path), INPUT_MALFORMED (duplicate path, missing link target)
 */
export function writeTar(entries: readonly TarWriteEntry[], opts: TarWriteOptions): Buffer {
  const normalized = entries.map((e) => ({ ...e, path: normalizeEntryPath(e.path, 'tar entry') }));
  normalized.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const out: Buffer[] = [];
  let previous: string | undefined;
  for (const e of normalized) {
    if (e.path === previous) throw new VouchError('INPUT_MALFORMED', `tar entry "${e.path}" appears twice`);
    previous = e.path;
    if (e.path === ROOT_PATH) continue;
    const isDir = e.type === 'directory';
    const name = isDir ? `${e.path}/` : e.path;
    const content = e.type === 'file' ? toBuffer(e.content ?? '') : Buffer.alloc(0);
    const linkname = e.type === 'symlink' || e.type === 'hardlink' ? e.linkpath : undefined;
    if ((e.type === 'symlink' || e.type === 'hardlink') && !linkname) {
      throw new VouchError('INPUT_MALFORMED', `tar entry "${e.path}": ${e.type} without a target`);
    }
    const mode = e.mode ?? (isDir ? 0o755 : e.type === 'symlink' ? 0o777 : 0o644);
    const pax: Record<string, string> = {};
    let ustar = splitUstarName(name);
    if (!ustar) {
      pax['path'] = name;
      ustar = { name: Buffer.from(name).subarray(0, 99).toString('latin1'), prefix: '' };
    }
    if (linkname !== undefined && Buffer.byteLength(linkname) > 100) pax['linkpath'] = linkname;
    if (Object.keys(pax).length > 0) {
      const records = encodePax(pax);
      out.push(encodeHeader({ name: 'PaxHeader', typeflag: 'x', size: records.length, mtime: opts.mtime }));
      out.push(records, padding(records.length));
    }
    out.push(
      encodeHeader({
        name: ustar.name,
        prefix: ustar.prefix,
        typeflag: TYPEFLAG[e.type],
        size: content.length,
        mode,
        mtime: opts.mtime,
        ...(linkname !== undefined ? { linkname: pax['linkpath'] ? '' : linkname } : {}),
      }),
    );
    if (content.length > 0) out.push(content, padding(content.length));
  }
  out.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(out);
}

const TYPEFLAG: Record<TarWriteEntry['type'], string> = {
  file: '0',
  directory: '5',
  symlink: '2',
  hardlink: '1',
};

/**
 * Encodes one 512-byte ustar header with a correct checksum. It does not validate names: writeTar
 * does that; this is the low level it and hostile-archive tests share.
 */
export function encodeHeader(h: RawTarHeader): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, 100, 'utf8');
  writeOctal(b, 100, 8, h.mode ?? 0o644);
  writeOctal(b, 108, 8, h.uid ?? 0);
  writeOctal(b, 116, 8, h.gid ?? 0);
  writeOctal(b, 124, 12, h.size);
  writeOctal(b, 136, 12, h.mtime ?? 0);
  b.write(h.typeflag, 156, 1, 'latin1');
  b.write(h.linkname ?? '', 157, 100, 'utf8');
  b.write('ustar\u000000', 257, 8, 'latin1');
  b.write(h.uname ?? '', 265, 32, 'utf8');
  b.write(h.gname ?? '', 297, 32, 'utf8');
  b.write(h.prefix ?? '', 345, 155, 'utf8');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

/** PAX records `<len> <key>=<value>\n`, the length counting itself (POSIX pax "Extended Header"). */
export function encodePax(fields: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    const body = ` ${k}=${v}\n`;
    const bodyLen = Buffer.byteLength(body);
    let len = bodyLen + String(bodyLen).length;
    while (len !== bodyLen + String(len).length) len = bodyLen + String(len).length;
    parts.push(Buffer.from(`${len}${body}`));
  }
  return Buffer.concat(parts);
}

/** Zero bytes that round `size` up to a whole block. */
export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The two zero blocks that end an archive. */
export const TAR_END: Buffer = Buffer.alloc(BLOCK * 2);

function splitUstarName(name: string): { name: string; prefix: string } | undefined {
  const bytes = Buffer.byteLength(name);
  if (bytes <= 100) return { name, prefix: '' };
  // Split at a '/' so that the prefix fits 155 bytes and the rest 100 (ustar "prefix" field).
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '')
      return { name: rest, prefix };
  }
  return undefined;
}

function writeOctal(b: Buffer, offset: number, length: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 8 ** (length - 1)) {
    throw new VouchError(
      'INPUT_TOO_LARGE',
      `tar header field value ${value} does not fit ${length - 1} octal digits`,
    );
  }
  b.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'latin1');
}

function toBuffer(c: Uint8Array | string): Buffer {
  return typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
}
