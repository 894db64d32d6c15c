/**
 * Any source a user can name on `vouch sbom` as a FileTree, plus the image identity when it is an image.
 * An image is resolved once to a digest (a tag may move while we read; the digest cannot), and every
 * later read (platform manifest, layers) goes by digest, so the SBOM describes exactly one set of bytes.
 */
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { Digest } from '../oci/index.js';
import type { ImageReader } from '../oci/index.js';
import { type ImageLayer, imageLayers } from '../oci/index.js';
import type { LayerSource } from '../archive/index.js';
import { formatPlatform, type Platform } from '../oci/index.js';
import { isIndexMediaType } from '../oci/index.js';
import { type OpenContext, openImageReader } from '../oci/index.js';
import { parseImageConfig, resolveImageDigest } from '../oci/index.js';
import { type ImageSourceSpec, parseSourceSpec, type SourceSpec } from '../oci/index.js';
import type { Limits } from '../limits.js';
import type { FileTree, ImageIdentity } from './file-tree.js';
import { openDirTree } from './sources/dir.js';
import { openImageLayersTree } from './sources/image-layers.js';

export interface OpenSbomSourceOptions {
  /** The OCI edge's view of the environment (credentials, insecure hosts, cwd). */
  open: OpenContext;
  /** `--platform`: required to match; for an index, selects the manifest. */
  platform?: Platform;
  /** Used for an index when no platform was asked for (the caller's machine, e.g. linux/amd64). */
  defaultPlatform: Platform;
  limits?: Partial<Limits>;
}

export type OpenedSbomSource =
  | { kind: 'dir'; tree: FileTree; spec: SourceSpec }
  | {
      kind: 'image';
      tree: FileTree;
      spec: ImageSourceSpec;
      image: ImageIdentity;
      /** The platform manifest's digest: what the SBOM describes and an attestation names. */
      digest: Digest;
      /** The store the image was read from (attestations are attached through it). */
      reader: ImageReader;
      /** The platform manifest's platform, when it was chosen out of an index or checked. */
      platform?: string;
      /** Set when the source named an index and a platform was picked from it. */
      indexDigest?: Digest;
      /** True when the platform came from `defaultPlatform`, so the caller can say so. */
      defaultPlatformUsed: boolean;
    };

const SCHEMES = ['registry:', 'docker:', 'oci-dir:', 'oci:', 'docker-archive:', 'dir:'];

/**
 * Parses a source as syft does: a scheme-prefixed spec, else an existing path (a directory or one
 * file), else an image reference.
 * @throws USAGE, REFERENCE_INVALID, DIGEST_INVALID
 */
export function parseSbomSource(text: string, cwd: string): SourceSpec {
  if (!SCHEMES.some((s) => text.startsWith(s)) && existsSync(resolvePath(cwd, text))) {
    return { kind: 'dir', path: text, text };
  }
  return parseSourceSpec(text);
}

/**
 * Opens a source for cataloging: a directory tree, or an image's merged layers by digest.
 * @throws FILE_NOT_FOUND, IO_ERROR, NOT_FOUND, INPUT_MALFORMED, REGISTRY_UNREACHABLE, DIGEST_MISMATCH, USAGE
 */
export async function openSbomSource(
  spec: SourceSpec,
  opts: OpenSbomSourceOptions,
): Promise<OpenedSbomSource> {
  if (spec.kind === 'dir') {
    const tree = await openDirTree(resolvePath(opts.open.cwd ?? '.', spec.path));
    // Report the path as the user wrote it, not the resolved one: documents stay the same across machines.
    return { kind: 'dir', tree: { ...tree, description: `dir:${spec.path}` }, spec };
  }
  const { reader, selector, name } = await openImageReader(spec, opts.open);
  // Resolve the name once; from here on only the digest is used.
  const top = await resolveImageDigest(reader, selector);
  let digest = top.digest;
  let platform: string | undefined;
  let indexDigest: Digest | undefined;
  let defaultPlatformUsed = false;
  if (opts.platform || isIndexMediaType(top.mediaType)) {
    const want = opts.platform ?? opts.defaultPlatform;
    defaultPlatformUsed = opts.platform === undefined;
    const chosen = await resolveImageDigest(reader, top.digest, {
      platform: want,
      ...(opts.limits?.indexDepthMax !== undefined ? { indexDepthMax: opts.limits.indexDepthMax } : {}),
    });
    digest = chosen.digest;
    platform = chosen.platform ?? formatPlatform(want);
    if (chosen.indexDigest) indexDigest = chosen.indexDigest;
  }
  const { manifest, layers } = await imageLayers(reader, digest);
  // The config must be what the image-spec says it is, even though the catalogers never read it.
  parseImageConfig(
    await reader.fetchBlobBytes(manifest.config),
    `config ${manifest.config.digest} in ${reader.location}`,
  );
  const verified = verifiedToEnd(layers);
  const description = `${spec.kind}:${name.replace(/^(oci-dir|docker-archive):/, '')}@${digest}`;
  const walk = openImageLayersTree(verified.sources, {
    description,
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
  const tree: FileTree = {
    description,
    async *files(want, o) {
      yield* walk.files(want, o);
      await verified.finish();
    },
  };
  return {
    kind: 'image',
    tree,
    spec,
    image: { name, digest },
    digest,
    reader,
    ...(platform ? { platform } : {}),
    ...(indexDigest ? { indexDigest } : {}),
    defaultPlatformUsed,
  };
}

/**
 * The layers as LayerSources whose streams are always read to their end. A layer's digest is checked
 * when its stream ends, but the tar reader stops at the end-of-archive marker and does not close its
 * source, so bytes after the marker (tar padding, or anything appended) would never be read and a blob
 * altered after it was written would be cataloged unverified. So before the next layer is opened, and
 * once the walk is over, every opened stream is drained: the store's DIGEST_MISMATCH / SIZE_MISMATCH
 * fires before the scan can succeed.
 */
function verifiedToEnd(layers: readonly ImageLayer[]): { sources: LayerSource[]; finish(): Promise<void> } {
  const opened: Array<AsyncIterator<Uint8Array>> = [];
  const finish = async (): Promise<void> => {
    for (let it = opened.pop(); it !== undefined; it = opened.pop()) {
      let r = await it.next();
      while (r.done !== true) r = await it.next();
    }
  };
  const sources = layers.map(
    (l): LayerSource => ({
      digest: l.digest,
      open: async () => {
        await finish();
        const it = (await l.open())[Symbol.asyncIterator]();
        opened.push(it);
        return { [Symbol.asyncIterator]: () => it };
      },
    }),
  );
  return { sources, finish };
}
