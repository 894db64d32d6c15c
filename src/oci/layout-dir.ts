import { randomUUID } from 'node:crypto';
import { trackPartialDir, trackPartialFile, untrackPartialDir, untrackPartialFile } from '../fs/index.js';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeCause, VouchError } from '../errors.js';
import { type Limits, withLimits } from '../limits.js';
import {
  type Digest,
  digestAlgorithm,
  digestHex,
  digestTag,
  isDigest,
  parseDigest,
  sha256Digest,
} from './digest.js';
import type { FetchedManifest, ImageReader, ImageWriter } from './image-store.js';
import { type Descriptor, type Manifest, parseManifest } from './manifest.js';
import { isImageManifestMediaType, isIndexMediaType, MediaType } from './media-types.js';
import {
  isVerifiedFor,
  readBounded,
  readVerified,
  verifiedReadable,
  verifyingStream,
} from './verified-read.js';

/** image-spec annotations.md: the tag of a manifest listed in an OCI layout's index.json. */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
const LAYOUT_FILE = 'oci-layout';
const INDEX_FILE = 'index.json';
const LAYOUT_VERSION = '1.0.0';

export interface OciLayoutOptions {
  limits?: Partial<Limits>;
}

/**
 * The path of a blob in a layout (image-layout.md "Blobs": `blobs/<alg>/<encoded>`). The digest is
 * parsed first, so a crafted "digest" cannot name `../../etc/passwd`.
 * @throws DIGEST_INVALID
 */
export function blobPath(root: string, digest: string): string {
  const d = parseDigest(digest, 'blob digest');
  return join(root, 'blobs', digestAlgorithm(d), digestHex(d));
}

/**
 * Opens an OCI image layout directory (image-spec image-layout.md) for reading. index.json is read
 * once, here: the reader answers from that snapshot.
 * @throws FILE_NOT_FOUND, INPUT_MALFORMED (no oci-layout or index.json, bad JSON), INPUT_TOO_LARGE, IO_ERROR
 */
export async function openOciLayout(dir: string, opts: OciLayoutOptions = {}): Promise<OciLayoutReader> {
  const limits = withLimits(opts.limits);
  const location = `oci-dir:${dir}`;
  const st = await stat(dir).catch((e: unknown) => {
    throw fsError(e, `${location}: directory`);
  });
  if (!st.isDirectory()) throw new VouchError('INPUT_MALFORMED', `${location}: not a directory`);
  await readLayoutFile(dir, location);
  const indexBytes = await readSmallFile(
    join(dir, INDEX_FILE),
    limits.manifestMaxBytes,
    `${location}: index.json`,
    {
      missingHint: 'an OCI layout needs index.json next to oci-layout; was the layout written completely?',
    },
  );
  const index = parseManifest(indexBytes, MediaType.ociIndex, `${location}: index.json`);
  if (index.kind !== 'index')
    throw new VouchError('INPUT_MALFORMED', `${location}: index.json is not an image index`);
  return new OciLayoutReader(dir, location, index.manifests, limits);
}

/** Reads one OCI layout directory; every manifest and blob is size- and digest-checked as it is read. */
export class OciLayoutReader implements ImageReader {
  constructor(
    readonly dir: string,
    readonly location: string,
    /** index.json's `manifests`, as read at open time. */
    readonly entries: readonly Descriptor[],
    private readonly limits: Limits,
  ) {}

  /**
   * A tag (`org.opencontainers.image.ref.name`) or a digest: first the index.json entry, then any
   * manifest blob in blobs/ (children of an index, referrers).
   */
  async resolve(selector: string): Promise<Descriptor> {
    if (isDigest(selector)) {
      const listed = this.entries.find((d) => d.digest === selector);
      if (listed) return listed;
      const m = await this.readManifestBlob(selector, undefined, undefined);
      return { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
    }
    const tagged = this.entries.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] === selector);
    if (tagged.length > 1 && new Set(tagged.map((d) => d.digest)).size > 1) {
      throw new VouchError(
        'INPUT_MALFORMED',
        `${this.location}: tag "${selector}" names ${tagged.length} manifests`,
        {
          hint: 'index.json lists the same ref.name twice; select the image by digest',
        },
      );
    }
    const found = tagged[0];
    if (!found) {
      const tags = await this.listTags();
      throw new VouchError('NOT_FOUND', `${this.location}: no manifest tagged "${selector}"`, {
        hint:
          tags.length > 0
            ? `tags in this layout: ${tags.join(', ')}`
            : 'this layout has no tags; select by digest',
      });
    }
    return found;
  }

  async fetchManifest(selector: string): Promise<FetchedManifest> {
    const desc = await this.resolve(selector);
    return this.readManifestBlob(desc.digest, desc.size, desc.mediaType);
  }

  async fetchBlob(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<Readable> {
    const path = await this.checkedBlobFile(desc.digest, desc.size);
    const what = `blob ${desc.digest} in ${this.location}`;
    // Lazy: the file is opened when the consumer reads, so a mismatch surfaces as the consumer's error.
    return verifiedReadable(() => readFileChunks(path, what), {
      digest: desc.digest,
      size: desc.size,
      maxBytes: desc.size,
      what,
    });
  }

  async fetchBlobBytes(desc: Pick<Descriptor, 'digest' | 'size'>, maxBytes?: number): Promise<Buffer> {
    const max = maxBytes ?? this.limits.configMaxBytes;
    if (desc.size > max) {
      throw new VouchError(
        'INPUT_TOO_LARGE',
        `blob ${desc.digest} in ${this.location}: ${desc.size} bytes, over ${max}`,
      );
    }
    const path = await this.checkedBlobFile(desc.digest, desc.size);
    return readVerified(createReadStream(path), {
      digest: desc.digest,
      size: desc.size,
      maxBytes: max,
      what: `blob ${desc.digest} in ${this.location}`,
    });
  }

  async listTags(): Promise<string[]> {
    const tags = new Set<string>();
    for (const d of this.entries) {
      const t = d.annotations?.[REF_NAME_ANNOTATION];
      if (t !== undefined) tags.add(t);
    }
    return [...tags].sort();
  }

  /**
   * OCI 1.1 referrers in a layout: every manifest listed in index.json whose `subject` is the given
   * digest (image-layout.md keeps referrers reachable by listing them there), plus the manifests of
   * the distribution-spec fallback tag `sha256-<hex>` when present. An index.json entry whose blob is
   * missing is skipped, so one dangling entry does not hide the others.
   */
  async referrers(subject: Digest, artifactType?: string): Promise<Descriptor[]> {
    const out = new Map<string, Descriptor>();
    for (const d of this.entries) {
      if (!isIndexMediaType(d.mediaType) && !isImageManifestMediaType(d.mediaType)) continue;
      const m = await this.readManifestIfPresent(d);
      if (!m || m.parsed.subject?.digest !== subject) continue;
      out.set(d.digest, referrerDescriptor(m.fetched, m.parsed));
    }
    const fallbackTag = digestTag(subject);
    if (this.entries.some((d) => d.annotations?.[REF_NAME_ANNOTATION] === fallbackTag)) {
      const fetched = await this.fetchManifest(fallbackTag);
      const parsed = parseManifest(fetched.bytes, fetched.mediaType, `${this.location}:${fallbackTag}`);
      if (parsed.kind === 'index')
        for (const d of parsed.manifests) if (!out.has(d.digest)) out.set(d.digest, d);
    }
    const all = [...out.values()];
    return artifactType === undefined ? all : all.filter((d) => d.artifactType === artifactType);
  }

  private async readManifestIfPresent(
    d: Descriptor,
  ): Promise<{ fetched: FetchedManifest; parsed: Manifest } | null> {
    let fetched: FetchedManifest;
    try {
      fetched = await this.readManifestBlob(d.digest, d.size, d.mediaType);
    } catch (e) {
      if (e instanceof VouchError && e.code === 'NOT_FOUND') return null;
      throw e;
    }
    return {
      fetched,
      parsed: parseManifest(fetched.bytes, fetched.mediaType, `${this.location}@${d.digest}`),
    };
  }

  private async readManifestBlob(
    digest: string,
    size: number | undefined,
    mediaType: string | undefined,
  ): Promise<FetchedManifest> {
    const d = parseDigest(digest, 'manifest digest');
    const what = `manifest ${d} in ${this.location}`;
    if (size !== undefined && size > this.limits.manifestMaxBytes) {
      throw new VouchError('INPUT_TOO_LARGE', `${what}: ${size} bytes, over ${this.limits.manifestMaxBytes}`);
    }
    const path = await this.checkedBlobFile(d, size);
    const bytes = await readVerified(createReadStream(path), {
      digest: d,
      ...(size !== undefined ? { size } : {}),
      maxBytes: this.limits.manifestMaxBytes,
      what,
    });
    const parsed = parseManifest(bytes, mediaType, what);
    return { digest: d, mediaType: parsed.mediaType, bytes };
  }

  /** The blob's path after checking it is a regular file of the expected size (fail fast on truncation). */
  private async checkedBlobFile(digest: string, size: number | undefined): Promise<string> {
    const path = blobPath(this.dir, digest);
    const what = `blob ${digest} in ${this.location}`;
    const st = await lstat(path).catch((e: unknown) => {
      if (isErrno(e, 'ENOENT')) {
        throw new VouchError('NOT_FOUND', `${what}: not in the layout`, {
          hint: 'the layout is incomplete; copy the image into it again',
        });
      }
      throw fsError(e, what);
    });
    // A symlink or fifo in blobs/ could make vouch read outside the layout or block forever.
    if (!st.isFile()) throw new VouchError('UNSAFE_PATH', `${what}: not a regular file`);
    if (size !== undefined && st.size !== size) {
      throw new VouchError(
        'SIZE_MISMATCH',
        `${what}: ${st.size} bytes on disk, but its descriptor states ${size}`,
        {
          hint: 'the blob was truncated or replaced at rest; copy the image into the layout again',
        },
      );
    }
    return path;
  }
}

function referrerDescriptor(fetched: FetchedManifest, m: Manifest): Descriptor {
  // distribution-spec "Listing Referrers": artifactType, else the config media type of an image manifest.
  const artifactType = m.artifactType ?? (m.kind === 'manifest' ? m.config.mediaType : undefined);
  return {
    mediaType: fetched.mediaType,
    digest: fetched.digest,
    size: fetched.bytes.length,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(m.annotations ? { annotations: m.annotations } : {}),
  };
}

/**
 * Opens (or creates) an OCI layout directory for writing. An existing directory must be empty or
 * already a layout; its index.json is loaded so that commit() keeps what was there.
 * @throws INPUT_MALFORMED (a non-layout, non-empty directory or a bad index.json), IO_ERROR
 */
export async function createOciLayoutWriter(
  dir: string,
  opts: OciLayoutOptions = {},
): Promise<OciLayoutWriter> {
  const limits = withLimits(opts.limits);
  const location = `oci-dir:${dir}`;
  let existing: Record<string, unknown> | undefined;
  let created: string | undefined;
  const st = await stat(dir).catch((e: unknown) => {
    if (isErrno(e, 'ENOENT')) return null;
    throw fsError(e, location);
  });
  if (st) {
    if (!st.isDirectory())
      throw new VouchError('INPUT_MALFORMED', `${location}: exists and is not a directory`);
    const names = await readdir(dir);
    if (names.length > 0) {
      if (!names.includes(LAYOUT_FILE)) {
        throw new VouchError('INPUT_MALFORMED', `${location}: not empty and not an OCI layout`, {
          hint: 'write to a new or empty directory, or to an existing OCI layout',
        });
      }
      await readLayoutFile(dir, location);
      if (names.includes(INDEX_FILE)) {
        const bytes = await readSmallFile(
          join(dir, INDEX_FILE),
          limits.manifestMaxBytes,
          `${location}: index.json`,
          {},
        );
        parseManifest(bytes, MediaType.ociIndex, `${location}: index.json`);
        existing = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      }
    }
  } else {
    created = await mkdir(dir, { recursive: true }).catch((e: unknown) => {
      throw fsError(e, location);
    });
  }
  return new OciLayoutWriter(dir, location, limits, existing, created);
}

/**
 * Writes into an OCI layout. Blobs land in a temp file in blobs/<alg>/ and are renamed into place only
 * after their size and digest check out; index.json is replaced atomically by commit(), so a reader
 * never sees a tag whose content is missing. Parallel putBlob calls for different blobs are safe.
 */
export class OciLayoutWriter implements ImageWriter {
  private readonly entries: Record<string, unknown>[];
  private readonly extra: Record<string, unknown>;
  private readonly added = new Set<string>();
  private readonly temps = new Set<string>();
  /** Manifests written without a tag, and the manifests other manifests written here point to. */
  private readonly untagged = new Map<Digest, Descriptor>();
  private readonly children = new Set<string>();
  private readonly tagged = new Map<string, Descriptor>();
  /** Annotations for the index.json entries of untagged manifests (cosign's `kind` in `cosign save`). */
  private readonly entryAnnotations = new Map<Digest, Record<string, string>>();
  private committed = false;

  constructor(
    readonly dir: string,
    readonly location: string,
    private readonly limits: Limits,
    existing: Record<string, unknown> | undefined,
    /** The top-most directory this writer created, removed again by abort(). */
    private readonly createdDir: string | undefined,
  ) {
    // Until commit, a directory this writer created is partial output: gone if the process is stopped.
    if (createdDir !== undefined) trackPartialDir(createdDir);
    const { manifests, ...rest } = existing ?? {};
    this.entries = Array.isArray(manifests) ? (manifests as Record<string, unknown>[]) : [];
    this.extra = rest;
  }

  async hasBlob(digest: Digest): Promise<boolean> {
    const st = await lstat(blobPath(this.dir, digest)).catch((e: unknown) => {
      if (isErrno(e, 'ENOENT')) return null;
      throw fsError(e, `${this.location}: blob ${digest}`);
    });
    return st?.isFile() === true;
  }

  async putBlob(desc: Pick<Descriptor, 'digest' | 'size'>, content: Readable | Buffer): Promise<void> {
    const final = blobPath(this.dir, desc.digest);
    const what = `blob ${desc.digest} for ${this.location}`;
    if (await this.hasBlob(desc.digest)) {
      if (!Buffer.isBuffer(content)) content.destroy();
      return;
    }
    const dir = join(final, '..');
    await mkdir(dir, { recursive: true }).catch((e: unknown) => {
      throw fsError(e, this.location);
    });
    const temp = join(dir, `.tmp-${randomUUID()}`);
    this.temps.add(temp);
    trackPartialFile(temp);
    try {
      if (!Buffer.isBuffer(content) && isVerifiedFor(content, desc.digest)) {
        // Already checked by the reader it came from: it errors before its end on a mismatch.
        await pipeline(content, createWriteStream(temp, { flags: 'wx' }));
      } else {
        await pipeline(
          Buffer.isBuffer(content) ? Readable.from([content]) : content,
          verifyingStream({ digest: desc.digest, size: desc.size, maxBytes: desc.size, what }),
          createWriteStream(temp, { flags: 'wx' }),
        );
      }
      await rename(temp, final);
      this.added.add(final);
    } catch (e) {
      await unlink(temp).catch((u: unknown) => {
        if (!isErrno(u, 'ENOENT')) throw fsError(u, what);
      });
      throw e instanceof VouchError ? e : fsError(e, what);
    } finally {
      this.temps.delete(temp);
      untrackPartialFile(temp);
    }
  }

  async putManifest(bytes: Buffer, mediaType: string, tag?: string): Promise<Digest> {
    const what = `manifest for ${this.location}`;
    if (bytes.length > this.limits.manifestMaxBytes) {
      throw new VouchError(
        'INPUT_TOO_LARGE',
        `${what}: ${bytes.length} bytes, over ${this.limits.manifestMaxBytes}`,
      );
    }
    if (tag !== undefined) checkRefName(tag, this.location);
    const parsed = parseManifest(bytes, mediaType, what);
    const digest = sha256Digest(bytes);
    await this.putBlob({ digest, size: bytes.length }, bytes);
    const desc: Descriptor = {
      mediaType: parsed.mediaType,
      digest,
      size: bytes.length,
      ...(parsed.artifactType !== undefined ? { artifactType: parsed.artifactType } : {}),
    };
    if (parsed.kind === 'index') for (const m of parsed.manifests) this.children.add(m.digest);
    if (tag === undefined) this.untagged.set(digest, desc);
    else this.tagged.set(tag, desc);
    return digest;
  }

  /**
   * Gives the index.json entry of an untagged manifest written here these annotations at commit(), as
   * cosign save marks the image and its signature manifests with `kind`.
   */
  annotateEntry(digest: Digest, annotations: Record<string, string>): void {
    this.entryAnnotations.set(digest, { ...this.entryAnnotations.get(digest), ...annotations });
  }

  /**
   * Publishes what was written: tagged manifests replace earlier entries with the same ref.name, and
   * untagged manifests that nothing written here points to (a copied image, a referrer) are listed so
   * they stay reachable. index.json and oci-layout are each replaced by temp file + rename.
   * @throws IO_ERROR
   */
  async commit(): Promise<void> {
    const entries = this.entries.filter((e) => {
      const ann = e['annotations'];
      const name = isRecord(ann) ? ann[REF_NAME_ANNOTATION] : undefined;
      return typeof name !== 'string' || !this.tagged.has(name);
    });
    const listed = new Set(entries.map((e) => e['digest']));
    for (const [tag, d] of this.tagged) {
      entries.push({ ...d, annotations: { [REF_NAME_ANNOTATION]: tag } });
      listed.add(d.digest);
    }
    for (const [digest, d] of this.untagged) {
      if (this.children.has(digest) || listed.has(digest)) continue;
      const annotations = this.entryAnnotations.get(digest);
      entries.push(annotations ? { ...d, annotations } : { ...d });
      listed.add(digest);
    }
    const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, ...this.extra, manifests: entries };
    await this.writeAtomically(LAYOUT_FILE, JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }));
    await this.writeAtomically(INDEX_FILE, JSON.stringify(index));
    this.added.clear();
    this.committed = true;
    if (this.createdDir !== undefined) untrackPartialDir(this.createdDir);
  }

  /** Removes every blob this writer added (and the directory, if this writer created it). */
  async abort(): Promise<void> {
    const doomed = [...this.temps, ...this.added];
    this.temps.clear();
    this.added.clear();
    await Promise.all(doomed.map((p) => rm(p, { force: true })));
    if (this.createdDir !== undefined && !this.committed) {
      await rm(this.createdDir, { recursive: true, force: true });
      untrackPartialDir(this.createdDir);
    }
  }

  private async writeAtomically(name: string, text: string): Promise<void> {
    const final = join(this.dir, name);
    const temp = join(this.dir, `.${name}.tmp-${randomUUID()}`);
    trackPartialFile(temp);
    try {
      await writeFile(temp, text, { flag: 'wx' });
      await rename(temp, final);
    } catch (e) {
      await rm(temp, { force: true });
      throw fsError(e, `${this.location}: ${name}`);
    } finally {
      untrackPartialFile(temp);
    }
  }
}

/** Checks `oci-layout` (image-layout.md "oci-layout file"): present, JSON, a 1.x imageLayoutVersion. */
async function readLayoutFile(dir: string, location: string): Promise<void> {
  const bytes = await readSmallFile(join(dir, LAYOUT_FILE), 4096, `${location}: oci-layout`, {
    missingHint: 'this directory is not an OCI image layout (no oci-layout file)',
  });
  let version: unknown;
  try {
    version = (JSON.parse(bytes.toString('utf8')) as Record<string, unknown>)['imageLayoutVersion'];
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${location}: oci-layout is not valid JSON`, { cause: e });
  }
  if (typeof version !== 'string' || !/^1\.\d+\.\d+$/.test(version)) {
    throw new VouchError(
      'UNSUPPORTED',
      `${location}: imageLayoutVersion ${JSON.stringify(version)} is not 1.x`,
    );
  }
}

async function readSmallFile(
  path: string,
  max: number,
  what: string,
  o: { missingHint?: string },
): Promise<Buffer> {
  try {
    const st = await stat(path);
    if (st.size > max) throw new VouchError('INPUT_TOO_LARGE', `${what}: ${st.size} bytes, over ${max}`);
    return await readBounded(createReadStream(path), max, what);
  } catch (e) {
    if (e instanceof VouchError) throw e;
    if (isErrno(e, 'ENOENT')) {
      throw new VouchError(
        'INPUT_MALFORMED',
        `${what}: missing`,
        o.missingHint ? { hint: o.missingHint } : {},
      );
    }
    throw fsError(e, what);
  }
}

function checkRefName(tag: string, location: string): void {
  // image-spec annotations.md ref.name: alphanumerics with separators; we also refuse control chars.
  if (
    tag.length === 0 ||
    tag.length > 255 ||
    /\s/.test(tag) ||
    [...tag].some((c) => c.charCodeAt(0) < 0x20)
  ) {
    throw new VouchError('REFERENCE_INVALID', `${location}: "${tag.slice(0, 60)}" is not a valid tag`);
  }
}

function fsError(e: unknown, what: string): VouchError {
  if (e instanceof VouchError) return e;
  if (isErrno(e, 'ENOENT')) return new VouchError('FILE_NOT_FOUND', `${what}: does not exist`, { cause: e });
  return new VouchError('IO_ERROR', `${what}: ${describeCause(e)}`, { cause: e });
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function* readFileChunks(path: string, what: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of createReadStream(path)) yield chunk as Buffer;
  } catch (e) {
    throw fsError(e, what);
  }
}
