import type { Readable } from 'node:stream';
import type { Digest } from './digest.js';
import type { Descriptor } from './manifest.js';

/**
 * A manifest as read from a store: bytes already checked against `digest` (when asked by digest) or
 * hashed to give `digest` (when asked by tag). Parse with parseManifest.
 */
export interface FetchedManifest {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

/**
 * One repository in some place that holds OCI content: a registry repository, an OCI layout
 * directory, a docker-archive file. Reads are verified: a caller never sees bytes whose digest was not
 * checked. `registry:`, `oci-dir:` and `docker-archive:` all implement this, so copy, inspect, SBOM
 * and verification work on any of them.
 */
export interface ImageReader {
  /** Where this is, for messages: `127.0.0.1:5000/app`, `oci-dir:/tmp/x`. */
  readonly location: string;
  /**
   * Fetches a manifest by tag or digest, limited to manifestMaxBytes.
   * @throws NOT_FOUND, DIGEST_MISMATCH, INPUT_TOO_LARGE, REGISTRY_UNREACHABLE, AUTH_FAILED
   */
  fetchManifest(selector: string): Promise<FetchedManifest>;
  /** Resolves a tag or digest to its descriptor without downloading when the store allows (HEAD). */
  resolve(selector: string): Promise<Descriptor>;
  /**
   * A stream of the blob's bytes. The stream errors (SIZE_MISMATCH / DIGEST_MISMATCH) before it ends if
   * the bytes do not match the descriptor, so consumers must treat data as untrusted until 'end'.
   */
  fetchBlob(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<Readable>;
  /** Reads a small blob (config, signature payload) whole, verified. */
  fetchBlobBytes(desc: Pick<Descriptor, 'digest' | 'size'>, maxBytes?: number): Promise<Buffer>;
  /** Tags in the repository (all pages). */
  listTags(): Promise<string[]>;
  /** OCI 1.1 referrers of a manifest, optionally filtered by artifactType; [] when there are none. */
  referrers(subject: Digest, artifactType?: string): Promise<Descriptor[]>;
}

export interface ImageWriter {
  readonly location: string;
  hasBlob(digest: Digest): Promise<boolean>;
  /** Writes a blob from a stream; the writer verifies digest and size before the blob becomes visible. */
  putBlob(desc: Pick<Descriptor, 'digest' | 'size'>, content: Readable | Buffer): Promise<void>;
  /** Cross-repository mount when source and target share a registry; false when not possible. */
  mountBlob?(desc: Pick<Descriptor, 'digest' | 'size'>, fromRepository: string): Promise<boolean>;
  /** Stores manifest bytes, under `tag` when given; returns the digest of the bytes. */
  putManifest(bytes: Buffer, mediaType: string, tag?: string): Promise<Digest>;
  /** Makes everything written visible at once where the store allows it (OCI layout index.json). */
  commit(): Promise<void>;
  /** Drops whatever a failed operation left half-written. */
  abort(): Promise<void>;
}
