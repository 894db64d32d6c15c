import { createHash } from 'node:crypto';
import {
  assertBundle,
  BUNDLE_V03_MEDIA_TYPE,
  type Bundle,
  bundleFromJSON,
  bundleToJSON,
  toDSSEBundle,
  toMessageSignatureBundle,
  ValidationError,
} from '@sigstore/bundle';
import {
  decodeBase64Strict,
  type DsseEnvelope,
  IN_TOTO_PAYLOAD_TYPE,
  parseStatement,
  type PublicKeyMaterial,
  type Statement,
  STATEMENT_V1,
  statementCoversDigest,
  statementDigests,
  verifyBytes,
  verifyEnvelope,
} from '../crypto/index.js';
import { describeCause, VouchError } from '../errors.js';
import { type Digest, digestAlgorithm, digestHex, sha256Digest } from '../digest.js';
import { type Descriptor, MediaType } from '../oci/index.js';
import type { CosignLayer } from './cosign-manifest.js';

export type { Bundle } from '@sigstore/bundle';

/** Predicate type of the statement cosign 3 signs images with in bundle format. */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';

/** Referrer manifest annotations (cosign specs/BUNDLE_SPEC.md "Annotations"). */
export const BundleAnnotation = {
  content: 'dev.sigstore.bundle.content',
  predicateType: 'dev.sigstore.bundle.predicateType',
  created: 'org.opencontainers.image.created',
  title: 'org.opencontainers.image.title',
} as const;

/** A bundle is a few KiB; certificate chains and inclusion proofs keep it far under this. */
export const BUNDLE_MAX_BYTES = 4 * 1024 * 1024;

/** The OCI empty descriptor's blob (image-spec manifest.md "Guidance for an Empty Descriptor"). */
const EMPTY_JSON = Buffer.from('{}');

/** Verification material for a bundle: a key hint (key-signed) or a DER leaf certificate. */
export type BundleSigner = { kind: 'key'; keyHint: string } | { kind: 'certificate'; certificateDer: Buffer };

function material(signer: BundleSigner): { keyHint?: string; certificate?: Buffer } {
  switch (signer.kind) {
    case 'key':
      return { keyHint: signer.keyHint };
    case 'certificate':
      return { certificate: signer.certificateDer };
  }
}

/**
 * A v0.3 bundle for a signature over an artifact (sign-blob): messageDigest = sha256 of the artifact.
 */
export function messageSignatureBundle(
  artifact: Uint8Array,
  signature: Buffer,
  signer: BundleSigner,
): Bundle {
  const digest = createHash('sha256').update(artifact).digest();
  return toMessageSignatureBundle({ digest, signature, ...material(signer) });
}

/** A v0.3 bundle carrying a DSSE envelope (attestations, and cosign 3 image signatures). */
export function dsseBundle(envelope: DsseEnvelope, signer: BundleSigner): Bundle {
  const first = envelope.signatures[0];
  if (!first || envelope.signatures.length !== 1) {
    throw new VouchError('INPUT_MALFORMED', 'a bundle carries an envelope with exactly one signature');
  }
  return toDSSEBundle({
    artifact: decodeBase64Strict(envelope.payload, 'envelope payload'),
    artifactType: envelope.payloadType,
    signature: decodeBase64Strict(first.sig, 'envelope signature'),
    ...material(signer),
  });
}

/** The bundle's JSON bytes, as stored in files and referrer layers. */
export function serializeBundle(bundle: Bundle): Buffer {
  return Buffer.from(JSON.stringify(bundleToJSON(bundle)));
}

/**
 * Parses and validates bundle JSON (any version sigstore-js reads: v0.1-v0.3), listing bad fields.
 * @throws INPUT_MALFORMED, INPUT_TOO_LARGE
 */
export function parseBundle(bytes: Uint8Array, what: string): Bundle {
  if (bytes.byteLength > BUNDLE_MAX_BYTES) {
    throw new VouchError('INPUT_TOO_LARGE', `${what}: bundle is more than ${BUNDLE_MAX_BYTES} bytes`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: bundle is not JSON (truncated?)`, { cause: e });
  }
  try {
    const bundle = bundleFromJSON(doc);
    assertBundle(bundle);
    return bundle;
  } catch (e) {
    const fields = e instanceof ValidationError ? (e.fields ?? []) : [];
    throw new VouchError(
      'INPUT_MALFORMED',
      `${what}: invalid Sigstore bundle: ${describeCause(e)} ${fields.join(', ')}`.trim(),
      {
        cause: e,
        fields,
      },
    );
  }
}

/** A built referrer manifest with the two blobs it names. */
export interface BundleReferrer {
  manifest: Buffer;
  mediaType: string;
  digest: Digest;
  config: CosignLayer;
  layer: CosignLayer;
}

/**
 * The OCI 1.1 referrer manifest cosign 3 pushes for a bundle: artifactType = bundle media type,
 * empty config, one layer (the bundle, titled `sha256-<hex>.sigstore.json`), subject = the image,
 * and content / predicateType / created annotations so a referrers listing says what each one is.
 */
export function bundleReferrerManifest(input: {
  bundle: Buffer;
  subject: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>;
  content: 'message-signature' | 'dsse-envelope';
  predicateType?: string;
  created: Date;
}): BundleReferrer {
  const layerDigest = sha256Digest(input.bundle);
  const layer: CosignLayer = {
    blob: input.bundle,
    descriptor: {
      mediaType: MediaType.sigstoreBundleV03,
      size: input.bundle.byteLength,
      digest: layerDigest,
      annotations: { [BundleAnnotation.title]: `sha256-${digestHex(layerDigest)}.sigstore.json` },
    },
  };
  const config: CosignLayer = {
    blob: EMPTY_JSON,
    descriptor: {
      mediaType: MediaType.ociEmpty,
      size: EMPTY_JSON.byteLength,
      digest: sha256Digest(EMPTY_JSON),
    },
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: BUNDLE_V03_MEDIA_TYPE,
      config: config.descriptor,
      layers: [layer.descriptor],
      subject: { mediaType: input.subject.mediaType, size: input.subject.size, digest: input.subject.digest },
      annotations: {
        [BundleAnnotation.content]: input.content,
        ...(input.predicateType ? { [BundleAnnotation.predicateType]: input.predicateType } : {}),
        [BundleAnnotation.created]: input.created.toISOString(),
      },
    }),
  );
  return { manifest, mediaType: MediaType.ociManifest, digest: sha256Digest(manifest), config, layer };
}

/** What a key-signed bundle proved. */
export type BundleVerification =
  | { content: 'message-signature'; keyIds: string[] }
  | { content: 'dsse-envelope'; keyIds: string[]; payloadType: string; payload: Buffer };

/**
 * Verifies the signature in a key-signed bundle with trusted keys (no transparency log: key-signed
 * bundles from `--tlog-upload=false` carry none; tlog checks belong to the keyless path).
 * Message signatures need the artifact: its sha256 must equal messageDigest, and the signature must
 * verify over the artifact.
 * @throws SIGNATURE_INVALID, DIGEST_MISMATCH, INPUT_MALFORMED, USAGE
 */
export function verifyBundleWithKeys(
  bundle: Bundle,
  keys: readonly PublicKeyMaterial[],
  opts: { artifact?: Uint8Array; what?: string } = {},
): BundleVerification {
  const what = opts.what ?? 'bundle';
  const content = bundle.content;
  switch (content.$case) {
    case 'messageSignature': {
      if (!opts.artifact)
        throw new VouchError('USAGE', `${what}: verifying a message signature needs the artifact`);
      const want = content.messageSignature.messageDigest.digest;
      const got = createHash('sha256').update(opts.artifact).digest();
      if (!got.equals(Buffer.from(want))) {
        throw new VouchError(
          'DIGEST_MISMATCH',
          `${what}: signs sha256:${Buffer.from(want).toString('hex')} but the artifact is sha256:${got.toString('hex')}`,
        );
      }
      const sig = Buffer.from(content.messageSignature.signature);
      const keyIds = keys.filter((k) => verifyBytes(k, opts.artifact as Uint8Array, sig)).map((k) => k.keyId);
      if (keyIds.length === 0) {
        throw new VouchError(
          'SIGNATURE_INVALID',
          `${what}: signature does not verify with key ${keyList(keys)}`,
        );
      }
      return { content: 'message-signature', keyIds };
    }
    case 'dsseEnvelope': {
      const e = content.dsseEnvelope;
      const env: DsseEnvelope = {
        payloadType: e.payloadType,
        payload: Buffer.from(e.payload).toString('base64'),
        signatures: e.signatures.map((s) => ({ keyid: s.keyid, sig: Buffer.from(s.sig).toString('base64') })),
      };
      if (env.signatures.length === 0)
        throw new VouchError('INPUT_MALFORMED', `${what}: envelope has no signatures`);
      const v = verifyEnvelope(env, keys, { what });
      return {
        content: 'dsse-envelope',
        keyIds: v.verifiedKeyIds,
        payloadType: v.payloadType,
        payload: v.payload,
      };
    }
  }
}

function keyList(keys: readonly PublicKeyMaterial[]): string {
  return keys.map((k) => k.keyId.slice(0, 16)).join(', ') || '(none given)';
}

/**
 * The statement cosign 3 signs an image with in bundle format: in-toto v1, one subject named only by
 * digest (protojson drops the empty name), predicate type COSIGN_SIGN_PREDICATE_TYPE, empty predicate;
 * `-a key=value` annotations ride on the subject.
 */
export function cosignSignStatement(digest: Digest, annotations?: Record<string, string>): Statement {
  const subject = {
    digest: { [digestAlgorithm(digest)]: digestHex(digest) },
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  // The type says name is a string; the wire form omits it, so the object is built as cosign writes it.
  return {
    _type: STATEMENT_V1,
    subject: [subject as Statement['subject'][number]],
    predicateType: COSIGN_SIGN_PREDICATE_TYPE,
    predicate: {},
  };
}

/**
 * Verifies a key-signed DSSE bundle attached to an image (a cosign 3 signature or an attestation):
 * signature with the trusted keys, in-toto payload, a subject naming `imageDigest`, and the predicate
 * type when given (COSIGN_SIGN_PREDICATE_TYPE for signatures).
 * @throws SIGNATURE_INVALID, DIGEST_MISMATCH, ATTESTATION_INVALID, INPUT_MALFORMED, USAGE
 */
export function verifyImageBundleWithKeys(
  bundle: Bundle,
  imageDigest: Digest,
  keys: readonly PublicKeyMaterial[],
  opts: { predicateType?: string; what?: string } = {},
): { keyIds: string[]; statement: Statement } {
  const what = opts.what ?? 'bundle';
  const v = verifyBundleWithKeys(bundle, keys, { what });
  if (v.content !== 'dsse-envelope') {
    throw new VouchError(
      'ATTESTATION_INVALID',
      `${what}: image bundles carry a DSSE envelope, this one a message signature`,
    );
  }
  if (v.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new VouchError(
      'ATTESTATION_INVALID',
      `${what}: payload type ${v.payloadType} != expected ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }
  const statement = parseStatement(v.payload, what);
  if (!statementCoversDigest(statement, imageDigest)) {
    throw new VouchError(
      'DIGEST_MISMATCH',
      `${what}: statement subject names ${statementDigests(statement).join(', ')} but the image is ${imageDigest}`,
    );
  }
  if (opts.predicateType !== undefined && statement.predicateType !== opts.predicateType) {
    throw new VouchError(
      'ATTESTATION_INVALID',
      `${what}: predicate type ${statement.predicateType} != expected ${opts.predicateType}`,
    );
  }
  return { keyIds: v.keyIds, statement };
}
