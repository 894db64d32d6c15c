import { Readable } from 'node:stream';
import { describeCause, VouchError } from '../errors.js';
import { type Limits, withLimits } from '../limits.js';
import { open } from 'node:fs/promises';
import { ByteReader, type ByteSource, FileByteReader } from './byte-reader.js';
import { decompressed } from './compression.js';
import { ancestorPaths, normalizeEntryPath, resolveLinkTarget } from './entry-path.js';

export type TarEntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'hardlink'
  | 'char-device'
  | 'block-device'
  | 'fifo';

export interface TarHeader {
  /** Normalised, safe, relative path (see normalizeEntryPath); `.` for the root entry. */
  path: string;
  type: TarEntryType;
  /** Bytes of data that follow the header (0 for directories and links). */
  size: number;
  /** Permission bits (and setuid/setgid/sticky), without the file type. */
  mode: number;
  uid: number;
  gid: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  uname: string;
  gname: string;
  /** Symlink target as written (root-relative when absolute), or hard link target (normalised path). */
  linkpath?: string;
  devmajor?: number;
  devminor?: number;
}

export interface TarEntry {
  header: TarHeader;
  /** Offset of the entry's data in the (decompressed) archive stream; docker-archive seeks with it. */
  dataOffset: number;
  /**
   * The entry's bytes. Read it before asking the iterator for the next entry; an unread remainder is
   * skipped when the iteration moves on, and the stream is then destroyed.
   */
  body: Readable;
}

export interface TarReadOptions {
  /** Names the archive in messages: `layer sha256:… of oci-dir:/x`. */
  what: string;
  limits?: Partial<Limits>;
  /** Device files and fifos: refused (default, UNSAFE_PATH) or yielded for the caller to judge. */
  specialFiles?: 'reject' | 'report';
  /**
   * Relative symlink targets that climb above the archive root: refused (default, UNSAFE_PATH) or
   * allowed (inside an image filesystem the kernel clamps `/..` to `/`, so a reader that never
   * extracts may accept them).
   */
  symlinkEscape?: 'reject' | 'allow';
  /** Sniff gzip / zstd from the magic bytes and decompress (default true). */
  decompress?: boolean;
}

const BLOCK = 512;
// Meta entries (GNU long names, PAX records) are read whole into memory, so they get their own caps:
// PATH_MAX is 4096 on Linux, and no honest PAX header comes near 1 MiB.
const LONG_NAME_MAX_BYTES = 64 * 1024;
const PAX_MAX_BYTES = 1024 * 1024;

interface PaxOverrides {
  path?: string;
  linkpath?: string;
  size?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  uname?: string;
  gname?: string;
}

/**
 * Streams the entries of a tar archive (POSIX ustar, GNU `L`/`K` long names, PAX `x` headers) without
 * writing anything to disk. Every header checksum is verified; names go through normalizeEntryPath;
 * links that escape the root, entries written through an earlier symlink, and (by default) device
 * files are refused; entry count, entry size and total size are capped by `limits`.
 * @throws UNSAFE_PATH, INPUT_TOO_LARGE, INPUT_MALFORMED (truncated, bad checksum, bad field), UNSUPPORTED
 */
export async function* readTar(
  source: AsyncIterable<Uint8Array>,
  opts: TarReadOptions,
): AsyncGenerator<TarEntry> {
  const bytes = opts.decompress === false ? source : decompressed(source, opts.what);
  yield* parseTar(new ByteReader(bytes, opts.what), opts);
}

/**
 * readTar over an uncompressed tar file, seeking past entry bodies instead of reading them: indexing
 * a large archive touches only its headers (and the bodies the caller reads). `dataOffset` is the
 * entry's offset in the file. The file is closed when the iteration ends.
 * @throws FILE_NOT_FOUND, IO_ERROR, and readTar's codes
 */
export async function* readTarFile(
  path: string,
  opts: Omit<TarReadOptions, 'decompress'>,
): AsyncGenerator<TarEntry> {
  const fail = (e: unknown): VouchError => {
    const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
    if (code === 'ENOENT')
      return new VouchError('FILE_NOT_FOUND', `${opts.what}: does not exist`, { cause: e });
    return new VouchError('IO_ERROR', `${opts.what}: ${describeCause(e)}`, { cause: e });
  };
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw fail(e);
  });
  const reader = await fh.stat().then(
    (st) => new FileByteReader(fh, st.size, opts.what),
    async (e: unknown) => {
      await fh.close();
      throw fail(e);
    },
  );
  yield* parseTar(reader, opts);
}

async function* parseTar(reader: ByteSource, opts: TarReadOptions): AsyncGenerator<TarEntry> {
  const limits = withLimits(opts.limits);
  const what = opts.what;
  // Paths that are symlinks so far: a later entry below one of them would be written through the link
  // by a naive extractor (CVE-2018-1002200 style), so it is refused.
  const symlinks = new Set<string>();
  let headers = 0;
  let expanded = 0;
  let body: EntryBody | undefined;
  let pax: PaxOverrides = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  try {
    for (;;) {
      if (body) {
        await body.finish();
        body = undefined;
      }
      const block = await reader.readExactOrEnd(BLOCK);
      if (block === null) {
        throw new VouchError('INPUT_MALFORMED', `${what}: ends without the end-of-archive marker`, {
          hint: 'the archive is truncated; fetch or copy it again',
        });
      }
      if (isZeroBlock(block)) {
        // Read on to the end of the stream: a digest-verified layer reports tampering only at its end.
        await reader.drain(Math.max(0, limits.tarExpandedMaxBytes - expanded));
        return;
      }
      headers++;
      if (headers > limits.tarEntriesMax) {
        throw new VouchError('INPUT_TOO_LARGE', `${what}: more than ${limits.tarEntriesMax} entries`, {
          hint: 'raise limits.tarEntriesMax only for archives you trust',
        });
      }
      verifyChecksum(block, what, reader.position - BLOCK);
      const typeflag = String.fromCharCode(block[156] ?? 0);
      const isMeta = typeflag === 'L' || typeflag === 'K' || typeflag === 'x' || typeflag === 'g';
      // A PAX size describes the next real entry, never another meta entry in between.
      const headerSize = parseNumeric(block, 124, 12, 'size', what);
      const size = isMeta ? headerSize : (pax.size ?? headerSize);
      if (size > limits.tarEntryMaxBytes) {
        throw new VouchError(
          'INPUT_TOO_LARGE',
          `${what}: entry of ${size} bytes, over the ${limits.tarEntryMaxBytes} limit`,
          {
            hint: 'raise limits.tarEntryMaxBytes only for archives you trust',
          },
        );
      }
      expanded += size;
      if (expanded > limits.tarExpandedMaxBytes) {
        throw new VouchError(
          'INPUT_TOO_LARGE',
          `${what}: expands to more than ${limits.tarExpandedMaxBytes} bytes`,
          {
            hint: 'raise limits.tarExpandedMaxBytes only for archives you trust',
          },
        );
      }
      const padding = (BLOCK - (size % BLOCK)) % BLOCK;

      // Meta entries describe the next real entry.
      if (typeflag === 'L' || typeflag === 'K') {
        const text = await readMeta(reader, size, padding, LONG_NAME_MAX_BYTES, 'GNU long name', what);
        const value = text.toString('utf8').replace(/\0+$/, '');
        if (typeflag === 'L') longName = value;
        else longLink = value;
        continue;
      }
      if (typeflag === 'x') {
        pax = {
          ...pax,
          ...parsePax(await readMeta(reader, size, padding, PAX_MAX_BYTES, 'PAX header', what), what),
        };
        continue;
      }
      if (typeflag === 'g') {
        // Global PAX headers are read and ignored, as Go's archive/tar does: letting them rename or
        // resize later entries would give an attacker a second, easily-missed place to do it.
        await readMeta(reader, size, padding, PAX_MAX_BYTES, 'PAX global header', what);
        continue;
      }

      const type = entryType(typeflag, what);
      const rawName = pax.path ?? longName ?? ustarName(block);
      const path = normalizeEntryPath(rawName, `${what}: entry`);
      for (const a of ancestorPaths(path)) {
        if (symlinks.has(a)) {
          throw new VouchError('UNSAFE_PATH', `${what}: entry "${path}" lies below the symlink "${a}"`, {
            hint: 'an archive that writes through its own symlinks can escape the extraction root; it may be hostile',
          });
        }
      }
      if (
        (type === 'char-device' || type === 'block-device' || type === 'fifo') &&
        opts.specialFiles !== 'report'
      ) {
        throw new VouchError('UNSAFE_PATH', `${what}: entry "${path}" is a ${type}`, {
          hint: 'device files and fifos have no place in an image archive; it may be hostile',
        });
      }
      const header: TarHeader = {
        path,
        type,
        size,
        mode: parseNumeric(block, 100, 8, 'mode', what) & 0o7777,
        uid: pax.uid ?? parseNumeric(block, 108, 8, 'uid', what),
        gid: pax.gid ?? parseNumeric(block, 116, 8, 'gid', what),
        mtime: pax.mtime ?? parseNumeric(block, 136, 12, 'mtime', what),
        uname: pax.uname ?? cString(block, 265, 32),
        gname: pax.gname ?? cString(block, 297, 32),
      };
      if (type === 'symlink' || type === 'hardlink') {
        const rawLink = pax.linkpath ?? longLink ?? cString(block, 157, 100);
        if (rawLink === '') throw new VouchError('INPUT_MALFORMED', `${what}: link "${path}" has no target`);
        header.linkpath = checkLink(type, path, rawLink, symlinks, opts, what);
      }
      if (type === 'char-device' || type === 'block-device') {
        header.devmajor = parseNumeric(block, 329, 8, 'devmajor', what);
        header.devminor = parseNumeric(block, 337, 8, 'devminor', what);
      }
      // Once a symlink, always a symlink for this check: a later directory entry of the same name does
      // not make the path safe, since extractors built on mkdir -p follow the existing link.
      if (type === 'symlink') symlinks.add(path);
      pax = {};
      longName = undefined;
      longLink = undefined;
      body = new EntryBody(reader, size, padding);
      yield { header, dataOffset: reader.position, body };
    }
  } finally {
    body?.destroy();
    await reader.close();
  }
}

function checkLink(
  type: 'symlink' | 'hardlink',
  path: string,
  target: string,
  symlinks: Set<string>,
  opts: TarReadOptions,
  what: string,
): string {
  if (type === 'hardlink') {
    // A hard link target is an archive path, not relative to the link: it must itself be safe, and
    // must not be reached through a symlink either.
    const t = normalizeEntryPath(target, `${what}: hard link "${path}" target`);
    // link(2) does not follow a symlink that is the target itself, so only its ancestors matter.
    for (const a of ancestorPaths(t)) {
      if (symlinks.has(a)) {
        throw new VouchError('UNSAFE_PATH', `${what}: hard link "${path}" points through the symlink "${a}"`);
      }
    }
    return t;
  }
  if (target.includes('\0'))
    throw new VouchError('UNSAFE_PATH', `${what}: symlink "${path}" target has a NUL byte`);
  if (opts.symlinkEscape !== 'allow' && resolveLinkTarget(path, target) === null) {
    throw new VouchError(
      'UNSAFE_PATH',
      `${what}: symlink "${path}" -> "${target}" points outside the archive root`,
      {
        hint: 'a link out of the root lets later writes escape it; this archive may be hostile',
      },
    );
  }
  return target;
}

/** Reads a meta entry's data whole, capped, then its padding. */
async function readMeta(
  reader: ByteSource,
  size: number,
  padding: number,
  max: number,
  kind: string,
  what: string,
): Promise<Buffer> {
  if (size > max)
    throw new VouchError('INPUT_TOO_LARGE', `${what}: ${kind} of ${size} bytes, over the ${max} limit`);
  const data = Buffer.from(await reader.readExact(size));
  await reader.skip(padding);
  return data;
}

/** PAX extended header records (POSIX.1-2001 pax "Extended Header"): `<len> <key>=<value>\n`. */
function parsePax(data: Buffer, what: string): PaxOverrides {
  const out: PaxOverrides = {};
  let pos = 0;
  const bad = (why: string): never => {
    throw new VouchError('INPUT_MALFORMED', `${what}: PAX header: ${why}`);
  };
  while (pos < data.length) {
    if (data[pos] === 0) break; // some writers pad the record area with NULs
    const sp = data.indexOf(0x20, pos);
    if (sp < 0 || sp - pos > 10) bad('record without a length');
    const lenText = data.subarray(pos, sp).toString('latin1');
    if (!/^[1-9][0-9]*$/.test(lenText)) bad(`record length "${lenText}"`);
    const len = Number(lenText);
    const end = pos + len;
    if (end > data.length || data[end - 1] !== 0x0a) bad('record runs past the header');
    const record = data.subarray(sp + 1, end - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq <= 0) bad('record without "key="');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    switch (key) {
      case 'path':
        out.path = value;
        break;
      case 'linkpath':
        out.linkpath = value;
        break;
      case 'size':
        out.size = paxInteger(value, key, what);
        break;
      case 'uid':
        out.uid = paxInteger(value, key, what);
        break;
      case 'gid':
        out.gid = paxInteger(value, key, what);
        break;
      case 'uname':
        out.uname = value;
        break;
      case 'gname':
        out.gname = value;
        break;
      case 'mtime': {
        const t = Number(value);
        if (!Number.isFinite(t)) bad(`mtime "${value}"`);
        out.mtime = Math.floor(t);
        break;
      }
      default:
        if (key.startsWith('GNU.sparse.')) {
          throw new VouchError('UNSUPPORTED', `${what}: GNU sparse files are not supported`, {
            hint: 'rebuild the archive without --sparse',
          });
        }
      // Other keys (atime, ctime, SCHILY.xattr.*, LIBARCHIVE.*) do not change where data lies.
    }
    pos = end;
  }
  return out;
}

function paxInteger(value: string, key: string, what: string): number {
  if (!/^[0-9]{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new VouchError(
      'INPUT_MALFORMED',
      `${what}: PAX header: ${key} "${value.slice(0, 40)}" is not an integer`,
    );
  }
  return Number(value);
}

function entryType(flag: string, what: string): TarEntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '7': // contiguous file: a regular file everywhere that matters
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'char-device';
    case '4':
      return 'block-device';
    case '5':
      return 'directory';
    case '6':
      return 'fifo';
    default:
      throw new VouchError('UNSUPPORTED', `${what}: tar entry type "${printable(flag)}" is not supported`, {
        hint: 'vouch reads POSIX ustar, PAX and GNU long-name archives; rebuild the archive in one of those',
      });
  }
}

/** The ustar name: `prefix/name` for POSIX ustar; GNU headers use the prefix area for other fields. */
function ustarName(block: Buffer): string {
  const name = cString(block, 0, 100);
  const magic = block.subarray(257, 263).toString('latin1');
  if (magic === 'ustar\0') {
    const prefix = cString(block, 345, 155);
    if (prefix !== '') return `${prefix}/${name}`;
  }
  return name;
}

/**
 * A numeric header field: NUL/space-terminated octal, or GNU base-256 (high bit of the first byte set)
 * for values too large for octal. Values past 2^53 cannot be a real size on any disk we can read.
 */
function parseNumeric(block: Buffer, offset: number, length: number, field: string, what: string): number {
  const raw = block.subarray(offset, offset + length);
  const first = raw[0] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) throw new VouchError('INPUT_MALFORMED', `${what}: negative ${field} in a tar header`);
    let v = BigInt(first & 0x7f);
    for (const b of raw.subarray(1)) v = (v << 8n) | BigInt(b);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new VouchError('INPUT_TOO_LARGE', `${what}: tar header ${field} ${v} is beyond any real archive`);
    }
    return Number(v);
  }
  const text = raw
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) {
    throw new VouchError('INPUT_MALFORMED', `${what}: tar header ${field} "${printable(text)}" is not octal`);
  }
  return Number.parseInt(text, 8);
}

/** POSIX ustar checksum: byte sum of the header with the checksum field read as spaces. */
function verifyChecksum(block: Buffer, what: string, offset: number): void {
  const field = block
    .subarray(148, 156)
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (!/^[0-7]{1,8}$/.test(field)) {
    throw new VouchError('INPUT_MALFORMED', `${what}: tar header at byte ${offset} has no valid checksum`, {
      hint: 'this is not a tar archive, or it is corrupt',
    });
  }
  const stored = Number.parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  // Some historic writers summed signed chars; both are accepted, as GNU tar does.
  if (stored !== unsigned && stored !== signed) {
    throw new VouchError('INPUT_MALFORMED', `${what}: tar header at byte ${offset} fails its checksum`, {
      hint: 'the archive is corrupt or was tampered with',
    });
  }
}

function isZeroBlock(block: Buffer): boolean {
  for (const b of block) if (b !== 0) return false;
  return true;
}

function cString(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const nul = raw.indexOf(0);
  return (nul < 0 ? raw : raw.subarray(0, nul)).toString('utf8');
}

function printable(s: string): string {
  return s
    .replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .slice(0, 60);
}

function noteBodyError(this: EntryBody, e: Error): void {
  this.failure = e;
}

/**
 * One entry's data, pulled from the shared reader only when the consumer reads. `finish()` skips what
 * the consumer left, so the iterator can move to the next header.
 */
class EntryBody extends Readable {
  /** The error the body failed with, kept for readTar to raise if the skip does not raise it first. */
  failure: Error | undefined;
  private remaining: number;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly reader: ByteSource,
    size: number,
    private readonly padding: number,
  ) {
    super({ highWaterMark: 64 * 1024 });
    this.remaining = size;
    // A read error reaches whoever reads this body, and readTar raises the same error on its next
    // step. A body nobody listens to (skipped, or drained with resume()) must not turn that error into
    // an unhandled 'error' event that kills the process, so one listener is always attached.
    this.on('error', noteBodyError);
  }

  override _read(): void {
    if (this.remaining === 0) {
      this.push(null);
      return;
    }
    this.inflight = this.reader.readSome(Math.min(this.remaining, 64 * 1024)).then(
      (chunk) => {
        this.inflight = null;
        this.remaining -= chunk.length;
        this.push(chunk);
        if (this.remaining === 0) this.push(null);
      },
      (e: unknown) => {
        this.inflight = null;
        this.destroy(e instanceof Error ? e : new Error(String(e)));
      },
    );
  }

  async finish(): Promise<void> {
    if (this.inflight) await this.inflight;
    if (this.failure) throw this.failure;
    const left = this.remaining;
    this.remaining = 0;
    await this.reader.skip(left + this.padding);
    if (!this.readableEnded) {
      if (left > 0) this.destroy();
      else this.push(null);
    }
  }
}
