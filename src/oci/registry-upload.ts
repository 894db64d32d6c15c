import { pipeline, Readable } from 'node:stream';
import type { Digest } from './digest.js';
import type { HttpRequest, HttpResponse } from './http-transport.js';
import type { Descriptor } from './manifest.js';
import { registryError, uploadLocation } from './registry-response.js';
import { ContentCheck, isVerifiedFor, readVerified, verifyingStream } from './verified-read.js';

/** Sends one request to the registry with the authorization `scopes` need (RegistryRepository.request). */
export type RegistrySend = (req: HttpRequest, scopes: readonly string[]) => Promise<HttpResponse>;

export interface BlobUploadOptions {
  send: RegistrySend;
  /** `<scheme>://<host>/v2/<name>`. */
  base: string;
  /** Scopes for upload requests: pull,push on the repository. */
  scopes: readonly string[];
  /**
   * Blobs larger than this go in PATCH chunks of this size. Unset (the default): one monolithic PUT
   * whose body streams while the source is still being read, so download and upload overlap.
   */
  chunkBytes?: number;
  debug: (message: string) => void;
}

/**
 * Blob upload sessions of one repository (distribution-spec "Pushing blobs"): POST to open a session,
 * then one PUT with the content, or PATCH chunks with Content-Range followed by a closing PUT. The
 * digest goes in the closing PUT, so the registry verifies the bytes before the blob becomes visible.
 * Sessions still open after a failure are cancelled with DELETE.
 */
export class BlobUploads {
  private readonly open = new Set<string>();

  constructor(private readonly opts: BlobUploadOptions) {}

  /**
   * Uploads a blob, checking the content against the descriptor as it is read.
   * @throws DIGEST_MISMATCH, SIZE_MISMATCH, AUTH_FAILED, REGISTRY_ERROR, REGISTRY_UNREACHABLE, TIMEOUT
   */
  async upload(
    desc: Pick<Descriptor, 'digest' | 'size'>,
    content: Readable | Buffer,
    what: string,
  ): Promise<void> {
    const expected = { digest: desc.digest, size: desc.size, maxBytes: desc.size, what };
    if (Buffer.isBuffer(content)) {
      // Checked before anything is sent: a wrong buffer never opens a session.
      const check = new ContentCheck(expected);
      check.update(content);
      check.finish();
    }
    let location = await this.start(what);
    try {
      const chunkBytes = this.opts.chunkBytes;
      if (chunkBytes === undefined && !Buffer.isBuffer(content)) {
        // distribution-spec "Pushing a blob monolithically": the size is known from the descriptor, so
        // the body streams with a Content-Length; a mismatch aborts the request before the PUT completes.
        let body: Readable = content;
        if (!isVerifiedFor(content, desc.digest)) {
          const verifier = verifyingStream(expected);
          pipeline(content, verifier, (err) => {
            if (err) this.opts.debug(`${what}: ${err.message}`);
          });
          body = verifier;
        }
        await this.finish(location, desc.digest, { stream: body, length: desc.size }, what);
        return;
      }
      if (chunkBytes === undefined || desc.size <= chunkBytes) {
        const body = Buffer.isBuffer(content) ? content : await readVerified(content, expected);
        await this.finish(location, desc.digest, body, what);
        return;
      }
      let source: AsyncIterable<Uint8Array>;
      if (Buffer.isBuffer(content)) source = Readable.from([content], { objectMode: false });
      else {
        const verifier = verifyingStream(expected);
        // pipeline hands a source error to the verifier, which ends the loop below with it.
        pipeline(content, verifier, (err) => {
          if (err) this.opts.debug(`${what}: ${err.message}`);
        });
        source = verifier;
      }
      let offset = 0;
      for await (const chunk of rechunk(source, chunkBytes)) {
        location = await this.patch(location, chunk, offset, what);
        offset += chunk.byteLength;
      }
      await this.finish(location, desc.digest, Buffer.alloc(0), what);
    } catch (e) {
      await this.cancel(location, what);
      throw e;
    }
  }

  /** Tracks a session the registry opened on its own (a mount answered with 202), then cancels it. */
  async drop(location: string, what: string): Promise<void> {
    this.open.add(location);
    await this.cancel(location, what);
  }

  /** Cancels every session still open. */
  async cancelAll(what: string): Promise<void> {
    for (const loc of [...this.open]) await this.cancel(loc, what);
  }

  private async start(what: string): Promise<string> {
    const res = await this.opts.send(
      { method: 'POST', url: `${this.opts.base}/blobs/uploads/`, headers: { 'content-length': '0' }, what },
      this.opts.scopes,
    );
    if (res.status !== 202) throw await registryError(res, what);
    await res.discard();
    const loc = uploadLocation(res, what);
    this.open.add(loc);
    return loc;
  }

  private async patch(location: string, chunk: Buffer, offset: number, what: string): Promise<string> {
    const res = await this.opts.send(
      {
        method: 'PATCH',
        url: location,
        headers: {
          'content-type': 'application/octet-stream',
          // distribution-spec: `<start>-<end>`, inclusive, without a unit.
          'content-range': `${offset}-${offset + chunk.byteLength - 1}`,
        },
        body: chunk,
        what,
      },
      this.opts.scopes,
    );
    if (res.status !== 202) throw await registryError(res, what);
    await res.discard();
    const next = uploadLocation(res, what);
    this.open.delete(location);
    this.open.add(next);
    return next;
  }

  private async finish(
    location: string,
    digest: Digest,
    body: Buffer | { stream: Readable; length: number },
    what: string,
  ): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const res = await this.opts.send(
      {
        method: 'PUT',
        url: url.toString(),
        headers: { 'content-type': 'application/octet-stream' },
        ...(Buffer.isBuffer(body) ? { body } : { stream: body.stream, streamLength: body.length }),
        what,
      },
      this.opts.scopes,
    );
    if (res.status !== 201) throw await registryError(res, what);
    await res.discard();
    this.open.delete(location);
  }

  private async cancel(location: string, what: string): Promise<void> {
    this.open.delete(location);
    try {
      const res = await this.opts.send(
        { method: 'DELETE', url: location, what: `cancel ${what}` },
        this.opts.scopes,
      );
      await res.discard();
    } catch (e) {
      // Cancelling is tidying up: the registry expires abandoned uploads anyway, and the error that
      // made us cancel is the one the caller needs.
      this.opts.debug(`${what}: cancelling the upload failed: ${(e as Error).message}`);
    }
  }
}

/** Regroups a byte stream into chunks of `size` bytes (the last one shorter). */
export async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const c of source) {
    let chunk = Buffer.isBuffer(c) ? c : Buffer.from(c);
    while (held + chunk.byteLength >= size) {
      const take = size - held;
      parts.push(chunk.subarray(0, take));
      yield Buffer.concat(parts);
      parts = [];
      held = 0;
      chunk = chunk.subarray(take);
    }
    if (chunk.byteLength > 0) {
      parts.push(chunk);
      held += chunk.byteLength;
    }
  }
  if (held > 0) yield Buffer.concat(parts);
}
