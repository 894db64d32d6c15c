import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { detectCompression } from '../archive/index.js';
import { normalizeEntryPath, parentPath, resolveLinkTarget } from '../archive/index.js';
import { readTarFile, type TarEntryType } from '../archive/index.js';
import { describeCause, VouchError } from '../errors.js';
import { type Limits, withLimits } from '../limits.js';
import { type Digest, isDigest, sha256Digest } from './digest.js';
import type { FetchedManifest, ImageReader } from './image-store.js';
import type { Descriptor } from './manifest.js';
import { MediaType } from './media-types.js';
import { formatReference, parseReference } from './reference.js';
import { readBounded, readVerified, verifiedReadable } from './verified-read.js';

export interface DockerArchiveOptions {
  /** Which image of a multi-image archive: one of its RepoTags (`app:1.0`); the only image when omitted. */
  tag?: string;
  limits?: Partial<Limits>;
}

/** One image as `docker save` lists it in manifest.json. */
export interface DockerArchiveImage {
  config: string;
  repoTags: string[];
  layers: string[];
}

interface IndexedEntry {
  type: TarEntryType;
  offset: number;
  size: number;
  linkpath?: string;
}

interface BlobSlice {
  offset: number;
  size: number;
}

const LINK_HOPS_MAX = 16;

/**
 * Opens a `docker save` archive (manifest.json + config + per-layer tars, in the legacy
 * `<id>/layer.tar` layout or the newer OCI-style `blobs/sha256/<hex>` one) as an ImageReader for one
 * of its images. The tar is walked once, through the safe tar reader, to index where each entry's
 * bytes lie; blobs are then read as slices of the file, never by re-streaming the archive.
 * @throws FILE_NOT_FOUND, UNSUPPORTED (compressed archive), INPUT_MALFORMED, UNSAFE_PATH, INPUT_TOO_LARGE,
 *   NOT_FOUND (no image with that tag), USAGE (several images and no tag)
 */
export async function openDockerArchive(
  file: string,
  opts: DockerArchiveOptions = {},
): Promise<DockerArchiveReader> {
  const limits = withLimits(opts.limits);
  const location = `docker-archive:${file}`;
  const st = await stat(file).catch((e: unknown) => {
    throw fileError(e, location);
  });
  if (!st.isFile()) throw new VouchError('INPUT_MALFORMED', `${location}: not a regular file`);
  const head = await readHead(file, 4, location);
  if (detectCompression(head) !== 'none') {
    throw new VouchError('UNSUPPORTED', `${location}: the archive is compressed`, {
      hint: 'vouch reads docker-archive files by offset; decompress it first (gunzip / zstd -d)',
    });
  }

  // One pass over the archive's headers (bodies are seeked past): remember where every entry's bytes
  // are, keep manifest.json.
  const entries = new Map<string, IndexedEntry>();
  let manifestJson: Buffer | undefined;
  let repositoriesJson: Buffer | undefined;
  for await (const entry of readTarFile(file, { what: location, limits })) {
    const h = entry.header;
    entries.set(h.path, {
      type: h.type,
      offset: entry.dataOffset,
      size: h.size,
      ...(h.linkpath !== undefined ? { linkpath: h.linkpath } : {}),
    });
    if (h.path === 'manifest.json' && h.type === 'file') {
      manifestJson = await readBounded(entry.body, limits.manifestMaxBytes, `${location}: manifest.json`);
    }
    if (h.path === 'repositories' && h.type === 'file') {
      repositoriesJson = await readBounded(entry.body, limits.manifestMaxBytes, `${location}: repositories`);
    }
  }
  if (!manifestJson) {
    throw new VouchError('INPUT_MALFORMED', `${location}: no manifest.json`, {
      hint: 'this is not a docker save archive (or was saved by a Docker older than 1.10)',
    });
  }
  const images = parseArchiveManifest(manifestJson, location);
  const only = images[0];
  if (images.length === 1 && only && only.repoTags.length === 0 && repositoriesJson) {
    // Legacy saves (and `docker save <id>`) may tag only through `repositories`: {"repo": {"tag": "<id>"}}.
    only.repoTags = legacyRepoTags(repositoriesJson, location);
  }
  const image = selectImage(images, opts.tag, location);
  return DockerArchiveReader.build(file, location, entries, image, limits);
}

/**
 * An ImageReader over one image of a docker-archive.
 *
 * Digest semantics. The archive holds no manifest, so one is synthesized (Docker v2 schema 2): config
 * with the sha256 of the config file as read, and one layer per `Layers` entry. An uncompressed layer
 * (what `docker save` writes) gets the matching `rootfs.diff_ids` value from the config as its digest,
 * which is by definition the sha256 of the uncompressed tar; a compressed layer gets the sha256 of its
 * bytes, hashed once at open. Names of files in the archive (`<hex>.json`, `blobs/sha256/<hex>`) are
 * never trusted. Every blob read is still size- and digest-checked, so an archive whose config claims
 * other diff_ids than its layers hash to fails with DIGEST_MISMATCH on read. This is what
 * containers/image (skopeo's `docker-archive:` transport) does, and the manifest is serialised with its
 * field order and compact JSON, so `skopeo inspect --raw docker-archive:…` gives the same bytes and
 * digest for archives whose layers are uncompressed. The manifest digest is therefore a property of
 * the archive's content, not the digest the image had in any registry (that manifest was not saved).
 */
export class DockerArchiveReader implements ImageReader {
  private constructor(
    readonly file: string,
    readonly location: string,
    readonly image: DockerArchiveImage,
    private readonly manifestBytes: Buffer,
    readonly manifestDigest: Digest,
    private readonly blobs: ReadonlyMap<string, BlobSlice>,
    private readonly limits: Limits,
  ) {}

  /** Builds the reader from the archive index; openDockerArchive is the way in. */
  static async build(
    file: string,
    location: string,
    entries: ReadonlyMap<string, IndexedEntry>,
    image: DockerArchiveImage,
    limits: Limits,
  ): Promise<DockerArchiveReader> {
    const blobs = new Map<string, BlobSlice>();
    const configSlice = resolveFile(entries, image.config, location);
    if (configSlice.size > limits.configMaxBytes) {
      throw new VouchError(
        'INPUT_TOO_LARGE',
        `${location}: config ${image.config} is over ${limits.configMaxBytes} bytes`,
      );
    }
    const configBytes = await readSlice(file, configSlice, location);
    const configDigest = sha256Digest(configBytes);
    blobs.set(configDigest, configSlice);
    const diffIds = parseDiffIds(configBytes, image.config, location);
    if (diffIds.length !== image.layers.length) {
      throw new VouchError(
        'INPUT_MALFORMED',
        `${location}: config lists ${diffIds.length} diff_ids but manifest.json ${image.layers.length} layers`,
      );
    }
    const layers: { mediaType: string; size: number; digest: string }[] = [];
    for (const [i, path] of image.layers.entries()) {
      const slice = resolveFile(entries, path, location);
      const head = await readHead(file, 4, location, slice);
      const compression = detectCompression(head);
      let digest: Digest;
      let mediaType: string;
      if (compression === 'none') {
        digest = diffIds[i] as Digest;
        // containers/image labels archive layers with the gzip media type even when they are plain
        // tars (docker and containerd sniff compression on pull); we do the same so that digests agree.
        mediaType = MediaType.dockerLayerGzip;
      } else {
        digest = await hashSlice(file, slice, location);
        mediaType = compression === 'gzip' ? MediaType.dockerLayerGzip : MediaType.ociLayerZstd;
      }
      blobs.set(digest, slice);
      layers.push({ mediaType, size: slice.size, digest });
    }
    // containers/image manifest.Schema2 field order: schemaVersion, mediaType, config, layers; each
    // descriptor mediaType, size, digest. Compact JSON, like Go's json.Marshal.
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: { mediaType: MediaType.dockerConfig, size: configSlice.size, digest: configDigest },
      layers,
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    return new DockerArchiveReader(file, location, image, bytes, sha256Digest(bytes), blobs, limits);
  }

  async resolve(selector: string): Promise<Descriptor> {
    this.checkSelector(selector);
    return {
      mediaType: MediaType.dockerManifest,
      digest: this.manifestDigest,
      size: this.manifestBytes.length,
    };
  }

  async fetchManifest(selector: string): Promise<FetchedManifest> {
    this.checkSelector(selector);
    return {
      digest: this.manifestDigest,
      mediaType: MediaType.dockerManifest,
      bytes: Buffer.from(this.manifestBytes),
    };
  }

  async fetchBlob(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<Readable> {
    const slice = this.slice(desc);
    const { file, location } = this;
    // Lazy, like the layout reader: nothing is read until the consumer reads, so a layer whose bytes do
    // not match its diff_id fails as the consumer's error. `source.pipe(check)` started flowing at once
    // and raised the mismatch on a stream nobody listened to yet: an unhandled 'error' and a crash.
    async function* chunks(): AsyncGenerator<Uint8Array> {
      if (slice.size === 0) return;
      const source = createReadStream(file, { start: slice.offset, end: slice.offset + slice.size - 1 });
      try {
        for await (const chunk of source) yield chunk as Buffer;
      } catch (e) {
        throw fileError(e, location);
      } finally {
        source.destroy();
      }
    }
    return verifiedReadable(chunks, {
      digest: desc.digest,
      size: desc.size,
      maxBytes: desc.size,
      what: `blob ${desc.digest} in ${location}`,
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
    const slice = this.slice(desc);
    const bytes = await readSlice(this.file, slice, this.location);
    return readVerified(Readable.from([bytes]), {
      digest: desc.digest,
      size: desc.size,
      maxBytes: max,
      what: `blob ${desc.digest} in ${this.location}`,
    });
  }

  /** The tag parts of the selected image's RepoTags. */
  async listTags(): Promise<string[]> {
    const tags = new Set<string>();
    for (const t of this.image.repoTags) {
      const ref = tryParseReference(t);
      if (ref?.tag) tags.add(ref.tag);
    }
    return [...tags].sort();
  }

  /** A docker-archive has no place for referrers. */
  async referrers(): Promise<Descriptor[]> {
    return [];
  }

  private slice(desc: Pick<Descriptor, 'digest' | 'size'>): BlobSlice {
    const slice = this.blobs.get(desc.digest);
    if (!slice) throw new VouchError('NOT_FOUND', `${this.location}: no blob ${desc.digest} in this image`);
    if (slice.size !== desc.size) {
      throw new VouchError(
        'SIZE_MISMATCH',
        `blob ${desc.digest} in ${this.location}: ${slice.size} bytes, but the descriptor states ${desc.size}`,
      );
    }
    return slice;
  }

  /** The image answers to its manifest digest, any of its RepoTags (or their tag part), or "" / "latest" when untagged. */
  private checkSelector(selector: string): void {
    if (selector === '' || selector === this.manifestDigest) return;
    if (isDigest(selector)) {
      throw new VouchError('NOT_FOUND', `${this.location}: no manifest ${selector}`, {
        hint: `the archive's image has the synthesized manifest digest ${this.manifestDigest}`,
      });
    }
    if (this.image.repoTags.length === 0 && selector === 'latest') return;
    const want = tryParseReference(
      selector.includes(':') || selector.includes('/') ? selector : `x:${selector}`,
    );
    for (const t of this.image.repoTags) {
      if (t === selector) return;
      const have = tryParseReference(t);
      if (!have) continue;
      if (!selector.includes(':') && !selector.includes('/') && have.tag === selector) return;
      if (want && formatReference(want) === formatReference(have)) return;
    }
    throw new VouchError('NOT_FOUND', `${this.location}: the image is not tagged "${selector}"`, {
      hint:
        this.image.repoTags.length > 0
          ? `its tags: ${this.image.repoTags.join(', ')}`
          : 'the image has no tags',
    });
  }
}

/**
 * Parses manifest.json (docker image/tarexport ManifestItem list), listing every bad field by path.
 * @throws INPUT_MALFORMED
 */
export function parseArchiveManifest(bytes: Buffer, location: string): DockerArchiveImage[] {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${location}: manifest.json is not valid JSON`, { cause: e });
  }
  if (!Array.isArray(doc) || doc.length === 0) {
    throw new VouchError('INPUT_MALFORMED', `${location}: manifest.json must be a non-empty array`);
  }
  const bad: string[] = [];
  const images = doc.map((item: unknown, i): DockerArchiveImage => {
    const rec =
      typeof item === 'object' && item !== null && !Array.isArray(item)
        ? (item as Record<string, unknown>)
        : {};
    const config = rec['Config'];
    const repoTags = rec['RepoTags'] ?? [];
    const layers = rec['Layers'];
    if (typeof config !== 'string' || config === '') bad.push(`[${i}].Config`);
    if (!Array.isArray(repoTags) || !repoTags.every((t) => typeof t === 'string'))
      bad.push(`[${i}].RepoTags`);
    if (!Array.isArray(layers) || !layers.every((l) => typeof l === 'string')) bad.push(`[${i}].Layers`);
    return {
      config: typeof config === 'string' ? config : '',
      repoTags: Array.isArray(repoTags) ? repoTags.filter((t): t is string => typeof t === 'string') : [],
      layers: Array.isArray(layers) ? layers.filter((l): l is string => typeof l === 'string') : [],
    };
  });
  if (bad.length > 0) {
    throw new VouchError('INPUT_MALFORMED', `${location}: invalid manifest.json: ${bad.join(', ')}`, {
      fields: bad,
    });
  }
  return images;
}

function selectImage(
  images: DockerArchiveImage[],
  tag: string | undefined,
  location: string,
): DockerArchiveImage {
  if (tag === undefined) {
    if (images.length === 1) return images[0] as DockerArchiveImage;
    throw new VouchError('USAGE', `${location}: the archive holds ${images.length} images; say which one`, {
      hint: `add one of its tags: ${images.flatMap((i) => i.repoTags).join(', ') || '(none are tagged)'}`,
    });
  }
  const want = tryParseReference(tag);
  const found = images.find((img) =>
    img.repoTags.some((t) => {
      if (t === tag) return true;
      const have = tryParseReference(t);
      return want !== undefined && have !== undefined && formatReference(want) === formatReference(have);
    }),
  );
  if (!found) {
    throw new VouchError('NOT_FOUND', `${location}: no image tagged "${tag}"`, {
      hint: `tags in this archive: ${images.flatMap((i) => i.repoTags).join(', ') || '(none)'}`,
    });
  }
  return found;
}

/** Tags from the legacy `repositories` file (docker image/tarexport, v1 layout). @throws INPUT_MALFORMED */
function legacyRepoTags(bytes: Buffer, location: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${location}: repositories is not valid JSON`, { cause: e });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new VouchError('INPUT_MALFORMED', `${location}: repositories must be a JSON object`);
  }
  const tags: string[] = [];
  for (const [repo, byTag] of Object.entries(doc)) {
    if (typeof byTag !== 'object' || byTag === null) continue;
    for (const tag of Object.keys(byTag)) tags.push(`${repo}:${tag}`);
  }
  return tags.sort();
}

/** Follows symlinks and hard links inside the archive (legacy saves link duplicate layers) to a file. */
function resolveFile(entries: ReadonlyMap<string, IndexedEntry>, name: string, location: string): BlobSlice {
  // manifest.json is as untrusted as the entries: its names get the same path rules.
  let path = normalizeEntryPath(name, `${location}: manifest.json names`);
  for (let hop = 0; hop <= LINK_HOPS_MAX; hop++) {
    const e = entries.get(path);
    if (!e) {
      throw new VouchError(
        'INPUT_MALFORMED',
        `${location}: manifest.json names "${name}", which the archive lacks`,
      );
    }
    if (e.type === 'file') return { offset: e.offset, size: e.size };
    if (e.type === 'hardlink' && e.linkpath !== undefined) {
      path = e.linkpath;
      continue;
    }
    if (e.type === 'symlink' && e.linkpath !== undefined) {
      const next = resolveLinkTarget(path, e.linkpath);
      if (next === null)
        throw new VouchError('UNSAFE_PATH', `${location}: "${path}" links outside the archive`);
      path = next;
      continue;
    }
    throw new VouchError('INPUT_MALFORMED', `${location}: "${name}" is a ${e.type}, not a file`);
  }
  throw new VouchError(
    'INPUT_MALFORMED',
    `${location}: "${name}" goes through more than ${LINK_HOPS_MAX} links`,
    {
      hint: `links loop around ${parentPath(path)}`,
    },
  );
}

function parseDiffIds(configBytes: Buffer, name: string, location: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(configBytes.toString('utf8'));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${location}: config ${name} is not valid JSON`, { cause: e });
  }
  const rootfs =
    typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['rootfs'] : undefined;
  const ids =
    typeof rootfs === 'object' && rootfs !== null
      ? (rootfs as Record<string, unknown>)['diff_ids']
      : undefined;
  if (!Array.isArray(ids) || !ids.every((d) => typeof d === 'string' && isDigest(d))) {
    throw new VouchError('INPUT_MALFORMED', `${location}: config ${name} has no valid rootfs.diff_ids`, {
      fields: ['rootfs.diff_ids'],
    });
  }
  return ids as string[];
}

async function readSlice(file: string, slice: BlobSlice, location: string): Promise<Buffer> {
  const buf = Buffer.alloc(slice.size);
  const fh = await open(file, 'r').catch((e: unknown) => {
    throw fileError(e, location);
  });
  try {
    const { bytesRead } = await fh.read(buf, 0, slice.size, slice.offset);
    if (bytesRead !== slice.size) {
      throw new VouchError(
        'INPUT_MALFORMED',
        `${location}: the file changed or was truncated while being read`,
      );
    }
    return buf;
  } finally {
    await fh.close();
  }
}

async function readHead(file: string, n: number, location: string, slice?: BlobSlice): Promise<Buffer> {
  const want = Math.min(n, slice ? slice.size : n);
  const fh = await open(file, 'r').catch((e: unknown) => {
    throw fileError(e, location);
  });
  try {
    const buf = Buffer.alloc(want);
    const { bytesRead } = await fh.read(buf, 0, want, slice ? slice.offset : 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function hashSlice(file: string, slice: BlobSlice, location: string): Promise<Digest> {
  const hash = createHash('sha256');
  if (slice.size > 0) {
    const source = createReadStream(file, { start: slice.offset, end: slice.offset + slice.size - 1 });
    try {
      for await (const chunk of source) hash.update(chunk as Buffer);
    } catch (e) {
      throw fileError(e, location);
    }
  }
  return `sha256:${hash.digest('hex')}` as Digest;
}

function tryParseReference(s: string): ReturnType<typeof parseReference> | undefined {
  try {
    return parseReference(s);
  } catch (e) {
    if (e instanceof VouchError) return undefined;
    throw e;
  }
}

function fileError(e: unknown, what: string): VouchError {
  if (e instanceof VouchError) return e;
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  if (code === 'ENOENT') return new VouchError('FILE_NOT_FOUND', `${what}: does not exist`, { cause: e });
  return new VouchError('IO_ERROR', `${what}: ${describeCause(e)}`, { cause: e });
}
