import { attestImage } from './attest-image.js';
import {
  buildStatement,
  IN_TOTO_PAYLOAD_TYPE,
  keyHintOf,
  parseCertificatePem,
  type PrivateKeyMaterial,
  signEnvelope,
  type StatementType,
} from '../crypto/index.js';
import type { Digest } from '../digest.js';
import type { Descriptor, ImageReader, ImageWriter } from '../oci/index.js';
import type { SignatureExtras } from './cosign-manifest.js';
import {
  appendToCosignTag,
  pushBundleReferrer,
  type SignatureFormat,
  type WriteResult,
} from './cosign-storage.js';
import { signImageLayer } from './sign-image.js';
import { type BundleSigner, cosignSignStatement, dsseBundle, serializeBundle } from './sigstore-bundle.js';

/** Where attachments are read from and written to: the image's repository. */
export interface AttachStore {
  reader: ImageReader;
  writer: ImageWriter;
}

type Subject = Pick<Descriptor, 'mediaType' | 'digest' | 'size'>;

/** How a bundle names its signer: the certificate when one is attached, else the key hint. */
function bundleSigner(key: PrivateKeyMaterial, extras: SignatureExtras): BundleSigner {
  return extras.certificatePem !== undefined
    ? { kind: 'certificate', certificateDer: parseCertificatePem(extras.certificatePem, 'certificate').raw }
    : { kind: 'key', keyHint: keyHintOf(key.publicKey) };
}

/**
 * Signs each subject as `cosign sign --key` does and stores the signature: legacy appends a layer to
 * the `sha256-<hex>.sig` tag; bundle pushes a v0.3 bundle (DSSE over cosign's sign statement) as a
 * referrer. Does not commit the writer.
 * @throws INPUT_MALFORMED, and as appendToCosignTag / pushBundleReferrer
 */
export async function attachSignatures(input: {
  store: AttachStore;
  key: PrivateKeyMaterial;
  /** The repository named in simple-signing payloads (no tag). */
  dockerReference: string;
  subjects: readonly Subject[];
  format: SignatureFormat;
  annotations?: Record<string, string>;
  extras?: SignatureExtras;
  now: Date;
}): Promise<Array<WriteResult & { digest: Digest }>> {
  const extras = input.extras ?? {};
  const annotations = input.annotations ?? {};
  const out: Array<WriteResult & { digest: Digest }> = [];
  for (const subject of input.subjects) {
    if (input.format === 'legacy') {
      const layer = signImageLayer(
        input.key,
        { dockerReference: input.dockerReference, digest: subject.digest, annotations },
        extras,
      );
      const r = await appendToCosignTag(input.store, subject.digest, 'sig', layer, input.now);
      out.push({ digest: subject.digest, ...r });
    } else {
      const statement = cosignSignStatement(subject.digest, annotations);
      const envelope = signEnvelope(Buffer.from(JSON.stringify(statement)), IN_TOTO_PAYLOAD_TYPE, input.key);
      const bundle = serializeBundle(dsseBundle(envelope, bundleSigner(input.key, extras)));
      const r = await pushBundleReferrer(input.store.writer, {
        bundle,
        subject,
        content: 'dsse-envelope',
        predicateType: statement.predicateType,
        created: input.now,
      });
      out.push({ digest: subject.digest, ...r });
    }
  }
  return out;
}

/**
 * Attests an image as `cosign attest --key` does and stores the envelope: legacy appends a layer to
 * the `.att` tag; bundle pushes a v0.3 bundle referrer with the predicate type annotation. Does not
 * commit the writer.
 * @throws and as appendToCosignTag / pushBundleReferrer
 */
export async function attachAttestation(input: {
  store: AttachStore;
  key: PrivateKeyMaterial;
  subjectName: string;
  subject: Subject;
  format: SignatureFormat;
  predicateType: string;
  predicate: unknown;
  statementType?: StatementType;
  now: Date;
}): Promise<WriteResult> {
  const { envelope, layer } = attestImage(input.key, {
    subjectName: input.subjectName,
    digest: input.subject.digest,
    predicateType: input.predicateType,
    predicate: input.predicate,
    ...(input.statementType ? { statementType: input.statementType } : {}),
  });
  if (input.format === 'legacy') {
    return appendToCosignTag(input.store, input.subject.digest, 'att', layer, input.now);
  }
  return pushBundleReferrer(input.store.writer, {
    bundle: serializeBundle(dsseBundle(envelope, bundleSigner(input.key, {}))),
    subject: input.subject,
    content: 'dsse-envelope',
    predicateType: input.predicateType,
    created: input.now,
  });
}

/**
 * Signs each subject keylessly in cosign 3's bundle form: cosign's sign statement for the subject is
 * handed to `signBundle` (which gets a Fulcio certificate, logs the entry and returns the v0.3 bundle
 * bytes; see keyless/sign-keyless.ts), and the bundle is pushed as a referrer. Does not commit.
 * @throws and as signBundle / pushBundleReferrer
 */
export async function attachKeylessSignatures(input: {
  store: AttachStore;
  subjects: readonly Subject[];
  annotations?: Record<string, string>;
  signBundle: (payload: Buffer, payloadType: string) => Promise<Buffer>;
  now: Date;
}): Promise<Array<WriteResult & { digest: Digest }>> {
  const out: Array<WriteResult & { digest: Digest }> = [];
  for (const subject of input.subjects) {
    const statement = cosignSignStatement(subject.digest, input.annotations ?? {});
    const bundle = await input.signBundle(Buffer.from(JSON.stringify(statement)), IN_TOTO_PAYLOAD_TYPE);
    const r = await pushBundleReferrer(input.store.writer, {
      bundle,
      subject,
      content: 'dsse-envelope',
      predicateType: statement.predicateType,
      created: input.now,
    });
    out.push({ digest: subject.digest, ...r });
  }
  return out;
}

/**
 * Attests an image keylessly: the in-toto statement goes to `signBundle` (Fulcio certificate, Rekor
 * entry, v0.3 bundle) and the bundle is pushed as a referrer with the predicate type annotation.
 * Does not commit.
 * @throws and as signBundle / pushBundleReferrer
 */
export async function attachKeylessAttestation(input: {
  store: AttachStore;
  subjectName: string;
  subject: Subject;
  predicateType: string;
  predicate: unknown;
  statementType?: StatementType;
  signBundle: (payload: Buffer, payloadType: string) => Promise<Buffer>;
  now: Date;
}): Promise<WriteResult> {
  const statement = buildStatement({
    subjectName: input.subjectName,
    digest: input.subject.digest,
    predicateType: input.predicateType,
    predicate: input.predicate,
    ...(input.statementType ? { type: input.statementType } : {}),
  });
  const bundle = await input.signBundle(Buffer.from(JSON.stringify(statement)), IN_TOTO_PAYLOAD_TYPE);
  return pushBundleReferrer(input.store.writer, {
    bundle,
    subject: input.subject,
    content: 'dsse-envelope',
    predicateType: input.predicateType,
    created: input.now,
  });
}
