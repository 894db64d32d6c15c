import { VouchError } from '../errors.js';
import { defaultLimits, type Limits } from '../limits.js';
import { type Digest, digestTag } from './digest.js';
import type { FetchedManifest, ImageReader, ImageWriter } from './image-store.js';
import {
  type Descriptor,
  type Manifest,
  type Platform,
  parseManifest,
  platformMatches,
  formatPlatform,
} from './manifest.js';
import { runPool } from './promise-pool.js';

export interface CopyOptions {
  /** Tag to give the top manifest at the destination. */
  tag?: string;
  /** Copy only this platform's manifest out of an index; the result is that manifest's digest. */
  platform?: Platform;
  /** Also copy cosign `.sig`/`.att`/`.sbom` tags and OCI referrers of every copied manifest (default true). */
  attachments?: boolean;
  /** The source repository name, when source and destination share a registry (enables blob mounts). */
  mountFrom?: string;
  limits?: Partial<Limits>;
  /** Progress and debug lines (never on stdout). */
  log?: (line: string) => void;
}

export interface CopyResult {
  /** Digest of the top manifest at the destination: equal to the source's by construction and by check. */
  digest: Digest;
  mediaType: string;
  manifests: number;
  blobsCopied: number;
  blobsSkipped: number;
  bytesCopied: number;
  attachments: Array<{ kind: 'tag' | 'referrer'; name: string; digest: Digest }>;
}

interface CopyState {
  src: ImageReader;
  dst: ImageWriter;
  limits: Limits;
  mountFrom: string | undefined;
  log: (line: string) => void;
  result: CopyResult;
  blobsDone: Map<Digest, Promise<void>>;
  manifestsDone: Set<Digest>;
}

const COSIGN_SUFFIXES = ['sig', 'att', 'sbom'] as const;

/**
 * Copies an image by digest from any ImageReader to any ImageWriter: every platform of an index (or the
 * one asked for), blobs in parallel, skipping blobs the target has, then manifests bytes-for-bytes so
 * the digest cannot change, then (by default) what is attached to each manifest. On any failure the
 * writer is aborted so no half-written target is left behind.
 * @throws NOT_FOUND, DIGEST_MISMATCH, SIZE_MISMATCH, INPUT_TOO_LARGE, REGISTRY_UNREACHABLE, AUTH_FAILED
 */
export async function copyImage(
  src: ImageReader,
  selector: string,
  dst: ImageWriter,
  opts: CopyOptions = {},
): Promise<CopyResult> {
  const state: CopyState = {
    src,
    dst,
    limits: { ...defaultLimits, ...opts.limits },
    mountFrom: opts.mountFrom,
    log: opts.log ?? (() => {}),
    result: {
      digest: '' as Digest,
      mediaType: '',
      manifests: 0,
      blobsCopied: 0,
      blobsSkipped: 0,
      bytesCopied: 0,
      attachments: [],
    },
    blobsDone: new Map(),
    manifestsDone: new Set(),
  };
  try {
    let top = await src.fetchManifest(selector);
    let parsed = parseManifest(top.bytes, top.mediaType, `manifest ${selector} in ${src.location}`);
    if (opts.platform && parsed.kind === 'index') {
      const want = opts.platform;
      const child = parsed.manifests.find((m) => platformMatches(want, m.platform));
      if (!child) {
        const have = parsed.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : '?')).join(', ');
        throw new VouchError(
          'NOT_FOUND',
          `${src.location}@${top.digest} has no ${formatPlatform(want)} image`,
          {
            hint: `platforms in this index: ${have || 'none'}`,
          },
        );
      }
      top = await src.fetchManifest(child.digest);
      parsed = parseManifest(top.bytes, top.mediaType, `manifest ${child.digest} in ${src.location}`);
    }
    const copied = await copyManifestTree(state, top, parsed, opts.tag, 0);
    if (copied !== top.digest) {
      throw new VouchError(
        'DIGEST_MISMATCH',
        `copy of ${top.digest} landed as ${copied} in ${dst.location}`,
        {
          hint: 'the destination rewrote the manifest; vouch copies bytes unchanged so digests never change',
        },
      );
    }
    if (opts.attachments !== false) await copyAttachments(state);
    state.result.digest = top.digest;
    state.result.mediaType = top.mediaType;
    await dst.commit();
    return state.result;
  } catch (e) {
    await dst.abort().catch((abortError: unknown) => {
      state.log(`cleanup after failed copy also failed: ${String(abortError)}`);
    });
    throw e;
  }
}

async function copyManifestTree(
  state: CopyState,
  fetched: FetchedManifest,
  parsed: Manifest,
  tag: string | undefined,
  depth: number,
): Promise<Digest> {
  if (depth > state.limits.indexDepthMax) {
    throw new VouchError(
      'INPUT_MALFORMED',
      `${state.src.location}: indexes nested deeper than ${state.limits.indexDepthMax}`,
    );
  }
  if (parsed.kind === 'index') {
    await runPool(parsed.manifests, state.limits.copyConcurrency, async (child) => {
      if (state.manifestsDone.has(child.digest)) return;
      const f = await state.src.fetchManifest(child.digest);
      const p = parseManifest(f.bytes, f.mediaType, `manifest ${child.digest} in ${state.src.location}`);
      await copyManifestTree(state, f, p, undefined, depth + 1);
    });
  } else {
    const blobs: Descriptor[] = [parsed.config, ...parsed.layers];
    await runPool(blobs, state.limits.copyConcurrency, (b) => copyBlob(state, b));
  }
  const digest = await state.dst.putManifest(fetched.bytes, fetched.mediaType, tag);
  state.manifestsDone.add(fetched.digest);
  state.result.manifests++;
  return digest;
}

function copyBlob(state: CopyState, desc: Descriptor): Promise<void> {
  // The same blob (an empty config, a shared base layer) may appear in several manifests: copy once.
  let p = state.blobsDone.get(desc.digest);
  if (!p) {
    p = (async () => {
      if (desc.urls && desc.urls.length > 0 && desc.mediaType.includes('foreign')) {
        state.log(`skipping foreign layer ${desc.digest}`);
        return;
      }
      if (await state.dst.hasBlob(desc.digest)) {
        state.result.blobsSkipped++;
        return;
      }
      if (state.mountFrom && state.dst.mountBlob && (await state.dst.mountBlob(desc, state.mountFrom))) {
        state.result.blobsSkipped++;
        return;
      }
      const stream = await state.src.fetchBlob(desc);
      await state.dst.putBlob(desc, stream);
      state.result.blobsCopied++;
      state.result.bytesCopied += desc.size;
      state.log(`copied blob ${desc.digest} (${desc.size} bytes)`);
    })();
    state.blobsDone.set(desc.digest, p);
  }
  return p;
}

/**
 * Signatures, attestations and SBOMs follow the image: cosign's `sha256-<hex>.{sig,att,sbom}` tags and
 * OCI 1.1 referrers (whose fallback tag `sha256-<hex>` is itself a tag of the first kind).
 */
async function copyAttachments(state: CopyState): Promise<void> {
  const subjects = [...state.manifestsDone];
  let tags: Set<string> | undefined;
  const tagSet = async (): Promise<Set<string>> => {
    tags ??= new Set(await state.src.listTags());
    return tags;
  };
  for (const subject of subjects) {
    const available = await tagSet();
    for (const suffix of COSIGN_SUFFIXES) {
      const t = digestTag(subject, suffix);
      if (!available.has(t)) continue;
      const f = await state.src.fetchManifest(t);
      const p = parseManifest(f.bytes, f.mediaType, `${t} in ${state.src.location}`);
      await copyManifestTree(state, f, p, t, 0);
      state.result.attachments.push({ kind: 'tag', name: t, digest: f.digest });
    }
    for (const ref of await state.src.referrers(subject)) {
      if (state.manifestsDone.has(ref.digest)) continue;
      const f = await state.src.fetchManifest(ref.digest);
      const p = parseManifest(f.bytes, f.mediaType, `referrer ${ref.digest} in ${state.src.location}`);
      await copyManifestTree(state, f, p, undefined, 0);
      state.result.attachments.push({
        kind: 'referrer',
        name: ref.artifactType ?? ref.mediaType,
        digest: f.digest,
      });
    }
    // The referrers tag-schema fallback index, so registries without the API see them at the target too.
    const fallback = digestTag(subject);
    if (available.has(fallback)) {
      const f = await state.src.fetchManifest(fallback);
      const p = parseManifest(f.bytes, f.mediaType, `${fallback} in ${state.src.location}`);
      if (p.kind === 'index') {
        await state.dst.putManifest(f.bytes, f.mediaType, fallback);
        state.result.attachments.push({ kind: 'tag', name: fallback, digest: f.digest });
      }
    }
  }
}
