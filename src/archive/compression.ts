import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { describeCause, VouchError } from '../errors.js';

export type Compression = 'none' | 'gzip' | 'zstd';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const DECODE_CHUNK_BYTES = 256 * 1024;

/** Detects compression from the first bytes (RFC 1952 gzip magic, RFC 8878 zstd frame magic). */
export function detectCompression(head: Uint8Array): Compression {
  if (GZIP_MAGIC.every((b, i) => head[i] === b)) return 'gzip';
  if (ZSTD_MAGIC.every((b, i) => head[i] === b)) return 'zstd';
  return 'none';
}

/**
 * Yields the decompressed bytes of a source whose compression is sniffed from its magic bytes, never
 * from a file name or media type (both are claims). zstd works only where node:zlib has it (Node
 * >= 22.15); elsewhere it is refused with UNSUPPORTED rather than misread as a tar.
 * @throws UNSUPPORTED, INPUT_MALFORMED (corrupt compressed data)
 */
export async function* decompressed(source: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.length < ZSTD_MAGIC.length) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    head = Buffer.concat([head, Buffer.from(r.value)]);
  }
  const kind = detectCompression(head);
  async function* whole(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    }
  }
  if (kind === 'none') {
    yield* whole();
    return;
  }
  const decoder = makeDecoder(kind, what);
  const input = Readable.from(whole());
  input.on('error', (e) => decoder.destroy(e));
  input.pipe(decoder);
  try {
    for await (const chunk of decoder) yield chunk as Buffer;
  } catch (e) {
    if (e instanceof VouchError) throw e;
    throw new VouchError('INPUT_MALFORMED', `${what}: ${kind} data is corrupt: ${describeCause(e)}`, {
      cause: e,
    });
  } finally {
    input.destroy();
    decoder.destroy();
  }
}

function makeDecoder(kind: 'gzip' | 'zstd', what: string): zlib.Gunzip {
  // zlib's default 16 KiB output chunks cost a thread-pool round trip each; with 256 KiB, reading a
  // 250 MB gzip tar through readTar went from ~13 s to ~2 s on the 2-core dev machine.
  if (kind === 'gzip') return zlib.createGunzip({ chunkSize: DECODE_CHUNK_BYTES });
  const factory = (zlib as unknown as Record<string, unknown>)['createZstdDecompress'];
  if (typeof factory !== 'function') {
    throw new VouchError(
      'UNSUPPORTED',
      `${what}: zstd-compressed, and this Node.js runtime has no zstd decoder`,
      {
        hint: 'run vouch on Node.js >= 22.15 for zstd layers, or convert the image to gzip layers',
      },
    );
  }
  return factory({ chunkSize: DECODE_CHUNK_BYTES }) as zlib.Gunzip;
}
