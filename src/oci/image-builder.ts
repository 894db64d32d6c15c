import { gzipSync } from 'node:zlib';
import { type TarWriteEntry, writeTar } from '../archive/index.js';
import { VouchError } from '../errors.js';
import { type Digest, sha256Digest } from './digest.js';
import type { ImageWriter } from './image-store.js';
import type { Descriptor, Platform } from './manifest.js';
import { MediaType } from './media-types.js';

/** One file of an image layer. */
export interface ImageFile {
  path: string;
  /** Default 'file'. */
  type?: TarWriteEntry['type'];
  content?: string | Uint8Array;
  mode?: number;
  linkpath?: string;
}

export interface ImageSpec {
  /** Layers, base first; each is a list of files. `[]` gives an image with no layers. */
  layers: readonly (readonly ImageFile[])[];
  /** Written to config `created`, history and every tar mtime: same date, same digests. */
  created: Date;
  /** Default linux/amd64. */
  platform?: Platform;
  env?: readonly string[];
  entrypoint?: readonly string[];
  cmd?: readonly string[];
  workingDir?: string;
  user?: string;
  labels?: Readonly<Record<string, string>>;
  /** Manifest annotations. */
  annotations?: Readonly<Record<string, string>>;
  /** OCI media types (default), or Docker v2 schema 2 ones. */
  format?: 'oci' | 'docker';
}

export interface ComposedLayer {
  descriptor: Descriptor;
  /** sha256 of the uncompressed tar: the config's rootfs.diff_ids entry. */
  diffId: Digest;
  tar: Buffer;
  blob: Buffer;
}

export interface ComposedImage {
  /** The manifest's descriptor (platform set when composed for an index). */
  descriptor: Descriptor;
  manifestBytes: Buffer;
  config: { descriptor: Descriptor; bytes: Buffer };
  layers: ComposedLayer[];
}

export interface ComposedIndex {
  descriptor: Descriptor;
  indexBytes: Buffer;
  images: ComposedImage[];
}

// Fixed so that the same files give the same compressed bytes (and digests) on a given zlib build.
const GZIP_LEVEL = 9;

/**
 * Builds an image in memory, deterministically: tars sorted with uid/gid 0 and mtime = `created`,
 * gzip with a zero mtime and a fixed level, config and manifest JSON with a fixed key order.
 * Same spec, same bytes, same digests (given the same zlib, whose deflate output is not promised
 * stable across versions).
 * @throws UNSAFE_PATH, INPUT_MALFORMED (bad file list, invalid date)
 */
export function composeImage(spec: ImageSpec): ComposedImage {
  const created = isoDate(spec.created);
  const mtime = Math.floor(spec.created.getTime() / 1000);
  const docker = spec.format === 'docker';
  const layers = spec.layers.map((files): ComposedLayer => {
    const tar = writeTar(
      files.map((f) => ({
        path: f.path,
        type: f.type ?? 'file',
        ...(f.content !== undefined ? { content: f.content } : {}),
        ...(f.mode !== undefined ? { mode: f.mode } : {}),
        ...(f.linkpath !== undefined ? { linkpath: f.linkpath } : {}),
      })),
      { mtime },
    );
    const blob = gzipSync(tar, { level: GZIP_LEVEL });
    return {
      descriptor: {
        mediaType: docker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip,
        digest: sha256Digest(blob),
        size: blob.length,
      },
      diffId: sha256Digest(tar),
      tar,
      blob,
    };
  });
  const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const runConfig: Record<string, unknown> = {};
  if (spec.user !== undefined) runConfig['User'] = spec.user;
  if (spec.env) runConfig['Env'] = [...spec.env];
  if (spec.entrypoint) runConfig['Entrypoint'] = [...spec.entrypoint];
  if (spec.cmd) runConfig['Cmd'] = [...spec.cmd];
  if (spec.workingDir !== undefined) runConfig['WorkingDir'] = spec.workingDir;
  if (spec.labels) runConfig['Labels'] = sortedRecord(spec.labels);
  // Field order follows image-spec config.md; JSON.stringify keeps insertion order, so it is fixed.
  const config = {
    created,
    architecture: platform.architecture,
    ...(platform.variant ? { variant: platform.variant } : {}),
    os: platform.os,
    config: runConfig,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created, created_by: `vouch image-builder: layer ${i + 1}` })),
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDescriptor: Descriptor = {
    mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig,
    digest: sha256Digest(configBytes),
    size: configBytes.length,
  };
  const mediaType = docker ? MediaType.dockerManifest : MediaType.ociManifest;
  const manifest = {
    schemaVersion: 2,
    mediaType,
    config: configDescriptor,
    layers: layers.map((l) => l.descriptor),
    ...(spec.annotations ? { annotations: sortedRecord(spec.annotations) } : {}),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return {
    descriptor: { mediaType, digest: sha256Digest(manifestBytes), size: manifestBytes.length, platform },
    manifestBytes,
    config: { descriptor: configDescriptor, bytes: configBytes },
    layers,
  };
}

/**
 * Builds a multi-platform image in memory: one image per spec (each with its `platform`) and an OCI
 * index listing them with their platforms, in the order given.
 * @throws INPUT_MALFORMED (no images, or two for the same platform), UNSAFE_PATH
 */
export function composeIndex(
  specs: readonly ImageSpec[],
  opts: { annotations?: Readonly<Record<string, string>> } = {},
): ComposedIndex {
  if (specs.length === 0) throw new VouchError('INPUT_MALFORMED', 'an image index needs at least one image');
  const images = specs.map(composeImage);
  const seen = new Set<string>();
  for (const img of images) {
    const p = img.descriptor.platform;
    const key = p ? `${p.os}/${p.architecture}/${p.variant ?? ''}` : '';
    if (seen.has(key)) throw new VouchError('INPUT_MALFORMED', `two images in one index for platform ${key}`);
    seen.add(key);
  }
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: images.map((i) => i.descriptor),
    ...(opts.annotations ? { annotations: sortedRecord(opts.annotations) } : {}),
  };
  const indexBytes = Buffer.from(JSON.stringify(index));
  return {
    descriptor: { mediaType: MediaType.ociIndex, digest: sha256Digest(indexBytes), size: indexBytes.length },
    indexBytes,
    images,
  };
}

/**
 * Writes a small real image into any ImageWriter (layout, registry): layers, config, then the
 * manifest, under `tag` when given. It does not commit: the caller calls `writer.commit()` (or
 * `abort()`) once everything it wants in the same transaction is written.
 * @throws UNSAFE_PATH, INPUT_MALFORMED, and the writer's codes
 */
export async function buildImage(
  writer: ImageWriter,
  spec: ImageSpec & { tag?: string },
): Promise<ComposedImage> {
  const image = composeImage(spec);
  await writeImageBlobs(writer, image);
  await writer.putManifest(image.manifestBytes, image.descriptor.mediaType, spec.tag);
  return image;
}

/**
 * Writes a multi-platform image (every per-platform manifest, then the index under `tag`) into a
 * writer; does not commit.
 * @throws INPUT_MALFORMED, UNSAFE_PATH, and the writer's codes
 */
export async function buildIndex(
  writer: ImageWriter,
  specs: readonly ImageSpec[],
  opts: { tag?: string; annotations?: Readonly<Record<string, string>> } = {},
): Promise<ComposedIndex> {
  const index = composeIndex(specs, opts);
  for (const image of index.images) {
    await writeImageBlobs(writer, image);
    await writer.putManifest(image.manifestBytes, image.descriptor.mediaType);
  }
  await writer.putManifest(index.indexBytes, MediaType.ociIndex, opts.tag);
  return index;
}

async function writeImageBlobs(writer: ImageWriter, image: ComposedImage): Promise<void> {
  for (const layer of image.layers) {
    if (!(await writer.hasBlob(layer.descriptor.digest))) await writer.putBlob(layer.descriptor, layer.blob);
  }
  if (!(await writer.hasBlob(image.config.descriptor.digest))) {
    await writer.putBlob(image.config.descriptor, image.config.bytes);
  }
}

function isoDate(d: Date): string {
  if (Number.isNaN(d.getTime()))
    throw new VouchError('INPUT_MALFORMED', 'image creation date is not a valid date');
  // RFC 3339 without milliseconds, as docker and umoci write it.
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
