import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { VouchError } from '../errors.js';
import { type Digest, digestAlgorithm } from './digest.js';

export interface ExpectedContent {
  digest: Digest;
  /** Exact size when known (from a descriptor): then both the limit and the expected length. */
  size?: number;
  /** Upper bound when the size is not known. */
  maxBytes: number;
  /** Names the content in messages: `blob sha256:… from 127.0.0.1:5000/app`. */
  what: string;
}

/**
 * Reads a whole stream into memory, hashing as it goes, failing as soon as the byte count passes the
 * limit, and checking the digest before the caller sees a byte. Used for manifests and configs.
 * @throws INPUT_TOO_LARGE, SIZE_MISMATCH, DIGEST_MISMATCH
 */
export async function readVerified(
  source: AsyncIterable<Uint8Array>,
  expected: ExpectedContent,
): Promise<Buffer> {
  const checker = new ContentCheck(expected);
  const chunks: Buffer[] = [];
  for await (const chunk of source) {
    checker.update(chunk);
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  }
  checker.finish();
  return Buffer.concat(chunks);
}

/** Reads a stream whose digest is not known in advance (a manifest by tag), bounded by maxBytes. */
export async function readBounded(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
  what: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.byteLength;
    if (seen > maxBytes) {
      throw new VouchError('INPUT_TOO_LARGE', `${what}: more than ${maxBytes} bytes`, {
        hint: 'the limit guards against hostile servers and files; raise it only for content you trust',
      });
    }
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** Incremental size + digest check shared by the buffered reader and the streaming transform. */
export class ContentCheck {
  private seen = 0;
  private readonly hash: Hash;

  constructor(private readonly expected: ExpectedContent) {
    this.hash = createHash(digestAlgorithm(expected.digest));
  }

  update(chunk: Uint8Array): void {
    this.seen += chunk.byteLength;
    const limit = this.expected.size ?? this.expected.maxBytes;
    if (this.seen > limit) {
      if (this.expected.size !== undefined) {
        throw new VouchError(
          'SIZE_MISMATCH',
          `${this.expected.what}: longer than the ${this.expected.size} bytes its descriptor states`,
          {
            hint: 'the source served other bytes than the manifest names; re-push, or investigate tampering',
          },
        );
      }
      throw new VouchError('INPUT_TOO_LARGE', `${this.expected.what}: more than ${limit} bytes`);
    }
    this.hash.update(chunk);
  }

  finish(): void {
    if (this.expected.size !== undefined && this.seen !== this.expected.size) {
      throw new VouchError(
        'SIZE_MISMATCH',
        `${this.expected.what}: ${this.seen} bytes, but its descriptor states ${this.expected.size}`,
        { hint: 'the content was truncated in transit or at rest; retry, or re-push it' },
      );
    }
    const got = `${digestAlgorithm(this.expected.digest)}:${this.hash.digest('hex')}`;
    if (got !== this.expected.digest) {
      throw new VouchError('DIGEST_MISMATCH', `${this.expected.what}: content hashes to ${got}`, {
        hint: 'the source served other bytes than the digest names; re-push, or investigate tampering',
      });
    }
  }
}

/**
 * A pass-through stream that checks size and digest as bytes flow, and errors at the end (before
 * signalling completion) if they do not match. Whoever consumes it must not publish what it wrote
 * until the pipeline has finished without error.
 */
export function verifyingStream(expected: ExpectedContent): Transform {
  const check = new ContentCheck(expected);
  return markVerified(
    new Transform({
      transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
        try {
          check.update(chunk);
          cb(null, chunk);
        } catch (e) {
          cb(e as Error);
        }
      },
      flush(cb: TransformCallback) {
        try {
          check.finish();
          cb();
        } catch (e) {
          cb(e as Error);
        }
      },
    }),
    expected.digest,
  );
}

/**
 * A lazy, verified Readable over a source: nothing is read until the consumer reads, and a size or
 * digest mismatch is raised as the stream's error before its end. Unlike `source.pipe(check)`, an error
 * can never fire while no consumer is attached yet (an uncaught 'error'), so callers may await other
 * work between getting the stream and consuming it.
 */
export function verifiedReadable(
  source: () => AsyncIterable<Uint8Array>,
  expected: ExpectedContent,
): Readable {
  async function* checked(): AsyncGenerator<Uint8Array> {
    const check = new ContentCheck(expected);
    for await (const chunk of source()) {
      check.update(chunk);
      yield chunk;
    }
    check.finish();
  }
  return markVerified(Readable.from(checked(), { objectMode: false }), expected.digest);
}

// Streams handed out by verified readers, with the digest they are checked against. A writer given
// one of these need not hash the bytes a second time: the stream itself errors before its end if they
// do not match. Hashing twice cost a copy about a fifth of its time.
const verifiedStreams = new WeakMap<Readable, Digest>();

/** Records that `stream` errors unless its bytes hash to `digest` (and have the descriptor's size). */
export function markVerified<T extends Readable>(stream: T, digest: Digest): T {
  verifiedStreams.set(stream, digest);
  return stream;
}

/** True when `stream` came from a verified reader checking the same digest. */
export function isVerifiedFor(stream: Readable, digest: Digest): boolean {
  return verifiedStreams.get(stream) === digest;
}
