import type { FileHandle } from 'node:fs/promises';
import { VouchError } from '../errors.js';

/** What the tar parser pulls bytes from: a stream (ByteReader) or a seekable file (FileByteReader). */
export interface ByteSource {
  /** Bytes consumed so far: the offset in the (decompressed) archive. */
  readonly position: number;
  readExactOrEnd(n: number): Promise<Buffer | null>;
  readExact(n: number): Promise<Buffer>;
  readSome(max: number): Promise<Buffer>;
  skip(n: number): Promise<void>;
  /**
   * Reads whatever follows to the end of the source, discarding it, up to `maxBytes` (INPUT_TOO_LARGE
   * past that). A digest-verified source only reports a mismatch at its end, so a reader that stopped
   * at the end-of-archive marker would otherwise accept a tampered layer.
   */
  drain(maxBytes: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Pull-based reader over an async chunk source: the tar parser asks for exact byte counts and the
 * reader keeps whatever a chunk had left over. `position` counts bytes handed out, which is the
 * offset in the (decompressed) stream that docker-archive random access is built on.
 */
export class ByteReader implements ByteSource {
  private readonly it: AsyncIterator<Uint8Array>;
  private pending: Buffer = Buffer.alloc(0);
  private done = false;
  private failure: unknown;
  position = 0;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly what: string,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Pulls one more chunk into `pending`; false at the end of the source. */
  private async fill(): Promise<boolean> {
    // The source's first error is the answer to every later read too: a digest failure upstream must
    // not turn into "truncated" when the tar parser asks again after an entry body saw it.
    if (this.failure !== undefined) throw this.failure;
    if (this.done) return false;
    let r: IteratorResult<Uint8Array>;
    try {
      r = await this.it.next();
    } catch (e) {
      this.failure = e;
      throw e;
    }
    if (r.done) {
      this.done = true;
      return false;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    return true;
  }

  /** Exactly `n` bytes, or null when the source ends before the first byte. */
  async readExactOrEnd(n: number): Promise<Buffer | null> {
    while (this.pending.length < n) {
      if (!(await this.fill())) {
        if (this.pending.length === 0) return null;
        throw this.truncated();
      }
    }
    return this.take(n);
  }

  /** Exactly `n` bytes. @throws INPUT_MALFORMED when the source ends first */
  async readExact(n: number): Promise<Buffer> {
    const b = await this.readExactOrEnd(n);
    if (b === null) throw this.truncated();
    return b;
  }

  /** Between 1 and `max` bytes (whatever is at hand, at most `max`). @throws INPUT_MALFORMED at end */
  async readSome(max: number): Promise<Buffer> {
    if (this.pending.length === 0 && !(await this.fill())) throw this.truncated();
    return this.take(Math.min(max, this.pending.length));
  }

  /** Discards `n` bytes. @throws INPUT_MALFORMED when the source ends first */
  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      const b = await this.readSome(Math.min(left, 1 << 20));
      left -= b.length;
    }
  }

  async drain(maxBytes: number): Promise<void> {
    let seen = this.pending.length;
    this.pending = Buffer.alloc(0);
    while (await this.fill()) {
      seen += this.pending.length;
      this.pending = Buffer.alloc(0);
      if (seen > maxBytes) {
        throw new VouchError(
          'INPUT_TOO_LARGE',
          `${this.what}: more than ${maxBytes} bytes after the end of the archive`,
        );
      }
    }
  }

  /** Lets the source release its resources when the caller stops early. */
  async close(): Promise<void> {
    if (!this.done && this.it.return) {
      this.done = true;
      await this.it.return();
    }
  }

  private take(n: number): Buffer {
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    this.position += n;
    return out;
  }

  private truncated(): VouchError {
    return new VouchError('INPUT_MALFORMED', `${this.what}: archive is truncated at byte ${this.position}`, {
      hint: 'the file or stream ended early; fetch or copy it again',
    });
  }
}

/**
 * Positional reads from an uncompressed file: skipping an entry body is a seek, not a read, so
 * indexing a multi-gigabyte archive costs one 512-byte read per header. The size is taken once, at
 * open; a file that shrinks while being read is reported as truncated.
 */
export class FileByteReader implements ByteSource {
  position = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly size: number,
    private readonly what: string,
  ) {}

  async readExactOrEnd(n: number): Promise<Buffer | null> {
    if (this.position >= this.size) return null;
    return this.readExact(n);
  }

  async readExact(n: number): Promise<Buffer> {
    if (this.position + n > this.size) throw this.truncated(this.size);
    const buf = Buffer.alloc(n);
    const { bytesRead } = await this.fh.read(buf, 0, n, this.position);
    if (bytesRead !== n) throw this.truncated(this.position + bytesRead);
    this.position += n;
    return buf;
  }

  async readSome(max: number): Promise<Buffer> {
    const n = Math.min(max, this.size - this.position, 1 << 20);
    if (n <= 0) throw this.truncated(this.position);
    return this.readExact(n);
  }

  async skip(n: number): Promise<void> {
    if (this.position + n > this.size) throw this.truncated(this.size);
    this.position += n;
  }

  /** A file is read by position and is not digest-streamed: there is nothing to verify by reading on. */
  async drain(_maxBytes: number): Promise<void> {}

  async close(): Promise<void> {
    await this.fh.close();
  }

  private truncated(at: number): VouchError {
    return new VouchError('INPUT_MALFORMED', `${this.what}: archive is truncated at byte ${at}`, {
      hint: 'the file ended early; copy it again',
    });
  }
}
