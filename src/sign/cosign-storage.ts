import { DSSE_ENVELOPE_MAX_BYTES } from '../crypto/index.js';
import type { AttestationCandidate } from './verify-attestations.js';
import { describeCause, VouchError } from '../errors.js';
import { type Digest, digestTag } from '../digest.js';
import {
  type Descriptor,
  type ImageManifest,
  type ImageReader,
  type ImageWriter,
  MediaType,
  parseManifest,
  RegistryRepository,
} from '../oci/index.js';
import {
  appendCosignLayer,
  type CosignEntry,
  type CosignLayer,
  parseCosignManifest,
} from './cosign-manifest.js';
import { SIMPLE_SIGNING_MAX_BYTES } from './simple-signing.js';
import {
  BUNDLE_MAX_BYTES,
  BundleAnnotation,
  bundleReferrerManifest,
  COSIGN_SIGN_PREDICATE_TYPE,
} from './sigstore-bundle.js';
import type { AttachedCandidates, BundleCandidate } from './verify-attached.js';
import type { SignatureCandidate } from './verify.js';

/** The two places cosign stores a signature: the `.sig` tag manifest, or a Sigstore bundle referrer. */
export type SignatureFormat = 'legacy' | 'bundle';

/** What a write did, for the CLI to report. */
export interface WriteResult {
  /** The tag written (legacy) or the referrer manifest digest (bundle). */
  where: string;
  manifestDigest: Digest;
  /** False when an identical signature was already attached (legacy only). */
  added: boolean;
}

// Failures of one attached blob that make that one candidate fail, not the whole read: the blob is
// attacker-controlled (a swapped or missing layer must not hide the good signatures beside it).
const CANDIDATE_ERRORS = new Set(['DIGEST_MISMATCH', 'SIZE_MISMATCH', 'NOT_FOUND', 'INPUT_TOO_LARGE']);

// Errors that say the store itself cannot be read: these abort the read instead of becoming problems.
const ENVIRONMENT_ERRORS = new Set([
  'REGISTRY_UNREACHABLE',
  'AUTH_FAILED',
  'TIMEOUT',
  'IO_ERROR',
  'INTERNAL',
]);

function isCandidateError(e: unknown): e is VouchError {
  return e instanceof VouchError && CANDIDATE_ERRORS.has(e.code);
}

/**
 * The manifest under a cosign tag, or undefined when the tag does not exist.
 * @throws MEDIA_TYPE_UNSUPPORTED (an index under the tag), and as ImageReader.fetchManifest
 */
export async function fetchCosignManifest(
  reader: ImageReader,
  tag: string,
): Promise<ImageManifest | undefined> {
  let fetched: Awaited<ReturnType<ImageReader['fetchManifest']>>;
  try {
    fetched = await reader.fetchManifest(tag);
  } catch (e) {
    if (e instanceof VouchError && e.code === 'NOT_FOUND') return undefined;
    throw e;
  }
  const m = parseManifest(fetched.bytes, fetched.mediaType, `${reader.location}:${tag}`);
  if (m.kind !== 'manifest') {
    throw new VouchError(
      'MEDIA_TYPE_UNSUPPORTED',
      `${reader.location}:${tag} is an index, not a cosign manifest`,
      {
        hint: 'something other than cosign signatures was pushed under this tag',
      },
    );
  }
  return m;
}

/**
 * Appends one layer to the cosign tag `sha256-<hex>.<suffix>` of `imageDigest`, as signing twice does
 * in cosign: the existing manifest is read (verified), the layer appended unless an identical one is
 * there, and blobs + manifest pushed. The caller commits the writer.
 * @throws MEDIA_TYPE_UNSUPPORTED, INPUT_TOO_LARGE, and as ImageReader / ImageWriter
 */
export async function appendToCosignTag(
  store: { reader: ImageReader; writer: ImageWriter },
  imageDigest: Digest,
  suffix: 'sig' | 'att',
  layer: CosignLayer,
  now: Date,
): Promise<WriteResult> {
  const tag = digestTag(imageDigest, suffix);
  const existing = await fetchCosignManifest(store.reader, tag);
  const r = appendCosignLayer(existing, layer, { created: now });
  if (!r.added) return { where: tag, manifestDigest: r.digest, added: false };
  await store.writer.putBlob(layer.descriptor, layer.blob);
  await store.writer.putBlob(r.config.descriptor, r.config.blob);
  const manifestDigest = await store.writer.putManifest(r.manifest, r.mediaType, tag);
  return { where: tag, manifestDigest, added: true };
}

/**
 * Pushes a Sigstore bundle as an OCI 1.1 referrer of `subject` (cosign v3's storage). On a registry
 * without the referrers API the `sha256-<hex>` tag-schema index is updated as well (RegistryRepository
 * .putReferrer); an OCI layout lists the untagged referrer in index.json, where referrers() finds it.
 * @throws as ImageWriter
 */
export async function pushBundleReferrer(
  writer: ImageWriter,
  input: {
    bundle: Buffer;
    subject: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>;
    content: 'message-signature' | 'dsse-envelope';
    predicateType?: string;
    created: Date;
  },
): Promise<WriteResult> {
  const r = bundleReferrerManifest(input);
  await writer.putBlob(r.config.descriptor, r.config.blob);
  await writer.putBlob(r.layer.descriptor, r.layer.blob);
  const manifestDigest =
    writer instanceof RegistryRepository
      ? await writer.putReferrer(r.manifest, r.mediaType)
      : await writer.putManifest(r.manifest, r.mediaType);
  return { where: manifestDigest, manifestDigest, added: true };
}

/**
 * The manifests to sign for `digest`: the manifest itself, and with `recursive` every manifest an
 * index lists (cosign sign --recursive), each as the descriptor a referrer's subject needs.
 * @throws as ImageReader.fetchManifest
 */
export async function signingSubjects(
  reader: ImageReader,
  digest: Digest,
  recursive: boolean,
): Promise<Pick<Descriptor, 'mediaType' | 'digest' | 'size'>[]> {
  const top = await reader.fetchManifest(digest);
  const out = [{ mediaType: top.mediaType, digest: top.digest, size: top.bytes.byteLength }];
  if (!recursive) return out;
  const m = parseManifest(top.bytes, top.mediaType, `${reader.location}@${digest}`);
  if (m.kind === 'index') {
    for (const d of m.manifests) out.push({ mediaType: d.mediaType, digest: d.digest, size: d.size });
  }
  return out;
}

async function legacyEntries(
  reader: ImageReader,
  imageDigest: Digest,
  kind: 'signatures' | 'attestations',
  problems: string[],
): Promise<{ entry: CosignEntry; bytes: Buffer }[]> {
  const tag = digestTag(imageDigest, kind === 'signatures' ? 'sig' : 'att');
  let listed: ReturnType<typeof parseCosignManifest>;
  try {
    const manifest = await fetchCosignManifest(reader, tag);
    if (!manifest) return [];
    listed = parseCosignManifest(manifest, kind, `${reader.location}:${tag}`);
  } catch (e) {
    // A hostile or foreign manifest under the tag (an index, 10 000 layers, bad JSON) is reported and
    // yields no candidates; only an unreachable or refusing store is an error for the caller.
    if (!(e instanceof VouchError) || ENVIRONMENT_ERRORS.has(e.code)) throw e;
    problems.push(`${reader.location}:${tag}: ${describeCause(e)}`);
    return [];
  }
  const { entries, skipped } = listed;
  if (skipped > 0)
    problems.push(`${reader.location}:${tag}: ${skipped} layer(s) of another media type ignored`);
  const max = kind === 'signatures' ? SIMPLE_SIGNING_MAX_BYTES : DSSE_ENVELOPE_MAX_BYTES;
  const out: { entry: CosignEntry; bytes: Buffer }[] = [];
  for (const entry of entries) {
    try {
      out.push({ entry, bytes: await reader.fetchBlobBytes(entry.layer, max) });
    } catch (e) {
      if (!isCandidateError(e)) throw e;
      // Kept as a candidate with no bytes: the pure verifier re-hashes and reports the mismatch.
      problems.push(`${reader.location}:${tag} layer ${entry.index}: ${describeCause(e)}`);
      out.push({ entry, bytes: Buffer.alloc(0) });
    }
  }
  return out;
}

async function bundleCandidates(
  reader: ImageReader,
  imageDigest: Digest,
  want: 'signatures' | 'attestations',
  problems: string[],
): Promise<BundleCandidate[]> {
  let descs: Descriptor[];
  try {
    descs = await reader.referrers(imageDigest, MediaType.sigstoreBundleV03);
  } catch (e) {
    // A broken fallback index (something else pushed under `sha256-<hex>`) hides no legacy signature.
    if (!(e instanceof VouchError) || ENVIRONMENT_ERRORS.has(e.code)) throw e;
    problems.push(`referrers of ${reader.location}@${imageDigest}: ${describeCause(e)}`);
    return [];
  }
  const out: BundleCandidate[] = [];
  for (const d of descs) {
    // The annotation is unsigned: it only routes a candidate to signature or attestation checks; the
    // signed statement inside decides whether it counts.
    const isSignature = d.annotations?.[BundleAnnotation.predicateType] === COSIGN_SIGN_PREDICATE_TYPE;
    if (
      (want === 'signatures') !== isSignature &&
      d.annotations?.[BundleAnnotation.predicateType] !== undefined
    )
      continue;
    const what = `bundle referrer ${reader.location}@${d.digest}`;
    try {
      const f = await reader.fetchManifest(d.digest);
      const m = parseManifest(f.bytes, f.mediaType, what);
      if (m.kind !== 'manifest' || m.subject?.digest !== imageDigest) {
        problems.push(`${what}: does not name ${imageDigest} as its subject`);
        continue;
      }
      const layer = m.layers.find((l) => l.mediaType === MediaType.sigstoreBundleV03);
      if (!layer) {
        problems.push(`${what}: has no ${MediaType.sigstoreBundleV03} layer`);
        continue;
      }
      out.push({ referrer: f.digest, bytes: await reader.fetchBlobBytes(layer, BUNDLE_MAX_BYTES) });
    } catch (e) {
      if (!(e instanceof VouchError) || ENVIRONMENT_ERRORS.has(e.code)) throw e;
      problems.push(`${what}: ${describeCause(e)}`);
    }
  }
  return out;
}

/**
 * Reads every signature attached to `imageDigest`: `.sig` tag entries and bundle referrers, through
 * the verified store APIs, as candidates for verifyAttachedSignatures. Nothing attached is an empty
 * result, not an error.
 * @throws REGISTRY_UNREACHABLE, AUTH_FAILED, and other environment errors of the store
 */
export async function readAttachedSignatures(
  reader: ImageReader,
  imageDigest: Digest,
): Promise<AttachedCandidates<SignatureCandidate>> {
  const problems: string[] = [];
  const legacy = (await legacyEntries(reader, imageDigest, 'signatures', problems)).map((x) => ({
    entry: x.entry,
    payload: x.bytes,
  }));
  const bundles = await bundleCandidates(reader, imageDigest, 'signatures', problems);
  return { imageDigest, legacy, bundles, problems };
}

/**
 * Reads every attestation attached to `imageDigest`: `.att` tag entries and bundle referrers.
 * @throws REGISTRY_UNREACHABLE, AUTH_FAILED, and other environment errors of the store
 */
export async function readAttachedAttestations(
  reader: ImageReader,
  imageDigest: Digest,
): Promise<AttachedCandidates<AttestationCandidate>> {
  const problems: string[] = [];
  const legacy = (await legacyEntries(reader, imageDigest, 'attestations', problems)).map((x) => ({
    entry: x.entry,
    envelope: x.bytes,
  }));
  const bundles = await bundleCandidates(reader, imageDigest, 'attestations', problems);
  return { imageDigest, legacy, bundles, problems };
}

/** One SBOM attached with `cosign attach sbom` (unsigned: the `.sbom` tag is not a signature). */
export interface AttachedSbom {
  mediaType: string;
  digest: Digest;
  bytes: Buffer;
}

/**
 * Reads the SBOM layers under the `sha256-<hex>.sbom` tag (cosign attach sbom), verified against their
 * descriptors. Nothing attached is an empty list.
 * @throws INPUT_TOO_LARGE, MEDIA_TYPE_UNSUPPORTED, and as ImageReader
 */
export async function readAttachedSboms(
  reader: ImageReader,
  imageDigest: Digest,
  maxBytes: number,
): Promise<AttachedSbom[]> {
  const manifest = await fetchCosignManifest(reader, digestTag(imageDigest, 'sbom'));
  if (!manifest) return [];
  const out: AttachedSbom[] = [];
  for (const layer of manifest.layers) {
    out.push({
      mediaType: layer.mediaType,
      digest: layer.digest,
      bytes: await reader.fetchBlobBytes(layer, maxBytes),
    });
  }
  return out;
}
