import { VouchError } from '../errors.js';
import { isDigest } from '../digest.js';
import { cipMatchNames } from './glob.js';
import { normaliseRepo } from './signer-match.js';

/** An image as a policy sees it: the text from the workload plus the digest the edge resolved it to. */
export interface ImageUnderReview {
  /** The reference exactly as written (`ghcr.io/org/app:1.2`, `nginx`). */
  readonly ref: string;
  /** The digest the tag resolved to (or the digest written in `ref`); undefined when it could not be resolved. */
  readonly digest?: string;
  readonly container?: string;
  readonly pointer?: string;
}

/** Parsed parts of a reference in Kyverno's ImageInfo terms. */
export interface ImageParts {
  /** `docker.io` for Docker Hub, as Kyverno's default registry. */
  readonly registry: string;
  /** Path as written (Kyverno does not add `library/`). */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * Splits a reference the way Kyverno's GetImageInfo does (default registry docker.io, no `library/`).
 * @throws REFERENCE_INVALID
 */
export function imageParts(ref: string): ImageParts {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest))
      throw new VouchError('REFERENCE_INVALID', `invalid image reference "${ref.slice(0, 80)}": bad digest`);
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  let registry = 'docker.io';
  let path = rest;
  const first = rest.indexOf('/');
  if (first >= 0) {
    const host = rest.slice(0, first);
    if (host.includes('.') || host.includes(':') || host === 'localhost') {
      registry = host;
      path = rest.slice(first + 1);
    }
  }
  if (
    path === '' ||
    !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(path)
  ) {
    throw new VouchError(
      'REFERENCE_INVALID',
      `invalid image reference "${ref.slice(0, 80)}": bad repository`,
    );
  }
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag)) {
    throw new VouchError('REFERENCE_INVALID', `invalid image reference "${ref.slice(0, 80)}": bad tag`);
  }
  return {
    registry,
    path,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** Kyverno's ImageInfo.String(): `registry/path@digest`, else `registry/path:tag` (tag defaults to latest). */
export function kyvernoImageString(p: ImageParts): string {
  const base = `${p.registry}/${p.path}`;
  return p.digest !== undefined ? `${base}@${p.digest}` : `${base}:${p.tag ?? 'latest'}`;
}

/** The repository signatures are looked up in by default. */
export function imageRepository(p: ImageParts): string {
  return normaliseRepo(`${p.registry}/${p.path}`);
}

/** Every normalised form of one reference the engines need, computed once per image per decision. */
export interface ImageView {
  readonly ref: string;
  readonly parts: ImageParts;
  /** Names a CIP glob is tried against (go-containerregistry form, then as written). */
  readonly cipNames: readonly string[];
  /** Kyverno's ImageInfo.String(). */
  readonly kyvernoString: string;
  /** Repository signatures live in by default, normalised. */
  readonly repository: string;
}

// Workloads name the same few references over and over; a view is immutable, so it is parsed once
// per reference (bounded: references come from requests) and its identity keys EvidenceMemo answers.
const views = new Map<string, ImageView>();
const VIEWS_MAX = 4096;

/**
 * Parses a reference once into every form the policies match on.
 * @throws REFERENCE_INVALID
 */
export function imageView(ref: string): ImageView {
  const hit = views.get(ref);
  if (hit !== undefined) return hit;
  const v = computeView(ref);
  if (views.size >= VIEWS_MAX) views.clear();
  views.set(ref, v);
  return v;
}

function computeView(ref: string): ImageView {
  const parts = imageParts(ref);
  return {
    ref,
    parts,
    cipNames: cipMatchNames(ref),
    kyvernoString: kyvernoImageString(parts),
    repository: imageRepository(parts),
  };
}
