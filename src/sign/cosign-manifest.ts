import { VouchError } from '../errors.js';
import { type Digest, sha256Digest } from '../digest.js';
import { type Descriptor, type ImageManifest, MediaType } from '../oci/index.js';

/** Layer annotation keys cosign reads and writes (cosign pkg/oci/static/signature.go). */
export const CosignAnnotation = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
  rfc3161Timestamp: 'dev.sigstore.cosign/rfc3161timestamp',
  /** On `.att` layers: the statement's predicate type (cosign attest). */
  predicateType: 'predicateType',
} as const;

/** Upper bound on layers in one `.sig` / `.att` manifest: each is one verification to try. */
export const COSIGN_LAYERS_MAX = 256;

/** One layer of a cosign `.sig` or `.att` manifest, with its blob. */
export interface CosignLayer {
  descriptor: Descriptor;
  blob: Buffer;
}

/** Material that may accompany a signature, as cosign stores it in layer annotations. */
export interface SignatureExtras {
  /** Leaf certificate PEM (certificate / keyless signing). */
  certificatePem?: string;
  /** Intermediate + root certificates PEM. */
  chainPem?: string;
  /** Rekor bundle JSON `{"SignedEntryTimestamp":…,"Payload":{…}}`, kept byte-exact. */
  rekorBundle?: string;
  /** RFC 3161 timestamp JSON `{"SignedRFC3161Timestamp":…}`. */
  rfc3161Timestamp?: string;
}

function extrasAnnotations(x: SignatureExtras): Record<string, string> {
  return {
    ...(x.certificatePem !== undefined ? { [CosignAnnotation.certificate]: x.certificatePem } : {}),
    ...(x.chainPem !== undefined ? { [CosignAnnotation.chain]: x.chainPem } : {}),
    ...(x.rekorBundle !== undefined ? { [CosignAnnotation.bundle]: x.rekorBundle } : {}),
    ...(x.rfc3161Timestamp !== undefined ? { [CosignAnnotation.rfc3161Timestamp]: x.rfc3161Timestamp } : {}),
  };
}

/**
 * The `.sig` layer for one signature: the simple-signing payload as the blob, the base64 signature
 * and any certificate / bundle material as annotations.
 */
export function signatureLayer(
  payload: Buffer,
  signatureBase64: string,
  extras: SignatureExtras = {},
): CosignLayer {
  return {
    blob: payload,
    descriptor: {
      mediaType: MediaType.cosignSimpleSigning,
      size: payload.byteLength,
      digest: sha256Digest(payload),
      annotations: { ...extrasAnnotations(extras), [CosignAnnotation.signature]: signatureBase64 },
    },
  };
}

/**
 * The `.att` layer for one DSSE envelope: the envelope JSON as the blob, `predicateType` annotation,
 * and an empty signature annotation (the signature lives inside the envelope; cosign writes "").
 */
export function attestationLayer(
  envelopeJson: Buffer,
  predicateType: string,
  extras: SignatureExtras = {},
): CosignLayer {
  return {
    blob: envelopeJson,
    descriptor: {
      mediaType: MediaType.dsseEnvelope,
      size: envelopeJson.byteLength,
      digest: sha256Digest(envelopeJson),
      annotations: {
        ...extrasAnnotations(extras),
        [CosignAnnotation.predicateType]: predicateType,
        [CosignAnnotation.signature]: '',
      },
    },
  };
}

/** A built cosign manifest: the bytes to push and the config blob it names. */
export interface BuiltCosignManifest {
  manifest: Buffer;
  mediaType: string;
  digest: Digest;
  config: CosignLayer;
  layers: Descriptor[];
}

const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * Builds the image manifest cosign pushes under `sha256-<hex>.sig` / `.att`: an OCI manifest whose
 * config is the go-containerregistry ConfigFile of an empty image with the layers appended (diff_ids
 * equal the layer digests, since the layers are uncompressed), which is what cosign writes.
 * `created` is the config's creation time (cosign stamps the signing time; omitted -> Go's zero time).
 */
export function buildCosignManifest(
  layers: readonly Descriptor[],
  opts: { created?: Date } = {},
): BuiltCosignManifest {
  if (layers.length > COSIGN_LAYERS_MAX) {
    throw new VouchError(
      'INPUT_TOO_LARGE',
      `cosign manifest: ${layers.length} layers, at most ${COSIGN_LAYERS_MAX}`,
    );
  }
  const created = opts.created ? opts.created.toISOString() : GO_ZERO_TIME;
  const configJson = Buffer.from(
    JSON.stringify({
      architecture: '',
      created,
      history: layers.map(() => ({ created: GO_ZERO_TIME })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
  const config: CosignLayer = {
    blob: configJson,
    descriptor: {
      mediaType: MediaType.ociConfig,
      size: configJson.byteLength,
      digest: sha256Digest(configJson),
    },
  };
  // Field order follows go-containerregistry's v1.Manifest / v1.Descriptor marshalling.
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: descriptorJson(config.descriptor),
      layers: layers.map(descriptorJson),
    }),
  );
  return {
    manifest,
    mediaType: MediaType.ociManifest,
    digest: sha256Digest(manifest),
    config,
    layers: [...layers],
  };
}

function descriptorJson(d: Descriptor): Record<string, unknown> {
  return {
    mediaType: d.mediaType,
    size: d.size,
    digest: d.digest,
    ...(d.annotations ? { annotations: d.annotations } : {}),
  };
}

/** Result of appending a layer to an existing `.sig`/`.att` manifest. */
export interface AppendResult extends BuiltCosignManifest {
  /** False when an identical layer (same payload, same annotations) was already there. */
  added: boolean;
}

/**
 * Appends one signature/attestation layer to what the tag held before (undefined: nothing yet), as
 * signing twice does in cosign. A layer identical to an existing one (same blob digest and the same
 * annotations, so the same signature, certificate and bundle) is not duplicated.
 * @throws INPUT_TOO_LARGE, MEDIA_TYPE_UNSUPPORTED
 */
export function appendCosignLayer(
  existing: ImageManifest | undefined,
  layer: CosignLayer,
  opts: { created?: Date } = {},
): AppendResult {
  const before = existing?.layers ?? [];
  for (const l of before) checkLayerMediaType(l);
  const duplicate = before.some(
    (l) =>
      l.digest === layer.descriptor.digest && sameAnnotations(l.annotations, layer.descriptor.annotations),
  );
  const layers = duplicate ? before : [...before, layer.descriptor];
  return { ...buildCosignManifest(layers, opts), added: !duplicate };
}

function checkLayerMediaType(l: Descriptor): void {
  if (l.mediaType !== MediaType.cosignSimpleSigning && l.mediaType !== MediaType.dsseEnvelope) {
    throw new VouchError(
      'MEDIA_TYPE_UNSUPPORTED',
      `cosign manifest layer ${l.digest} has media type ${l.mediaType}`,
      {
        hint: 'the tag holds something other than cosign signatures or attestations',
      },
    );
  }
}

function sameAnnotations(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a?.[k] === b?.[k]);
}

/** One signature or attestation found in a cosign manifest, before any verification. */
export interface CosignEntry extends SignatureExtras {
  /** Position in the manifest, for messages. */
  index: number;
  layer: Descriptor;
  /** Base64 signature annotation ("" on attestation layers). */
  signature: string;
  /** `.att` layers: the predicateType annotation (unverified; the statement inside decides). */
  predicateType?: string;
}

/**
 * Lists the signature entries of a parsed `.sig` (simple-signing layers) or `.att` (DSSE layers)
 * manifest. Layers of another media type are skipped and counted: cosign itself ignores them, and
 * they can never count as a signature.
 * @throws INPUT_TOO_LARGE
 */
export function parseCosignManifest(
  manifest: ImageManifest,
  kind: 'signatures' | 'attestations',
  what: string,
): { entries: CosignEntry[]; skipped: number } {
  if (manifest.layers.length > COSIGN_LAYERS_MAX) {
    throw new VouchError(
      'INPUT_TOO_LARGE',
      `${what}: ${manifest.layers.length} layers, at most ${COSIGN_LAYERS_MAX}`,
    );
  }
  const want = kind === 'signatures' ? MediaType.cosignSimpleSigning : MediaType.dsseEnvelope;
  const entries: CosignEntry[] = [];
  let skipped = 0;
  manifest.layers.forEach((layer, index) => {
    if (layer.mediaType !== want) {
      skipped++;
      return;
    }
    const a = layer.annotations ?? {};
    const signature = a[CosignAnnotation.signature];
    // A .sig layer without a signature annotation is kept as an entry with signature "": it then fails
    // verification on its own, instead of one planted layer hiding every good signature beside it.
    entries.push({
      index,
      layer,
      signature: signature ?? '',
      ...(a[CosignAnnotation.certificate] !== undefined
        ? { certificatePem: a[CosignAnnotation.certificate] }
        : {}),
      ...(a[CosignAnnotation.chain] !== undefined ? { chainPem: a[CosignAnnotation.chain] } : {}),
      ...(a[CosignAnnotation.bundle] !== undefined ? { rekorBundle: a[CosignAnnotation.bundle] } : {}),
      ...(a[CosignAnnotation.rfc3161Timestamp] !== undefined
        ? { rfc3161Timestamp: a[CosignAnnotation.rfc3161Timestamp] }
        : {}),
      ...(a[CosignAnnotation.predicateType] !== undefined
        ? { predicateType: a[CosignAnnotation.predicateType] }
        : {}),
    });
  });
  return { entries, skipped };
}
