import { VouchError } from '../errors.js';
import { type Digest, isDigest } from '../digest.js';

/** The `critical.type` every cosign image signature payload carries. */
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

/** Upper bound on a simple-signing payload: cosign's are a few hundred bytes plus annotations. */
export const SIMPLE_SIGNING_MAX_BYTES = 1024 * 1024;

/** A parsed cosign simple-signing payload (containers/image "atomic container signature" shape). */
export interface SimpleSigningPayload {
  dockerReference: string;
  digest: Digest;
  /** `optional` as written; null when the signer added no annotations (cosign writes `null`). */
  optional: Record<string, unknown> | null;
}

/**
 * Builds the payload cosign signs for an image: the key order and `"optional":null` match what
 * sigstore/sigstore's payload.Cosign marshals, so the bytes equal cosign's for the same inputs.
 * Annotation keys are sorted, as Go's encoding/json sorts map keys.
 */
export function buildSimpleSigningPayload(input: {
  dockerReference: string;
  digest: Digest;
  annotations?: Record<string, string>;
}): Buffer {
  const ann = input.annotations;
  const optional =
    ann && Object.keys(ann).length > 0
      ? Object.fromEntries(
          Object.keys(ann)
            .sort()
            .map((k) => [k, ann[k]]),
        )
      : null;
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': input.dockerReference },
        image: { 'docker-manifest-digest': input.digest },
        type: COSIGN_SIGNATURE_TYPE,
      },
      optional,
    }),
  );
}

/**
 * Parses a simple-signing payload strictly. The containers/image signature format says consumers must
 * reject unknown fields in `critical` (they may change the meaning of the claim), so those are errors;
 * `optional` is free-form. Every wrong field is listed by path.
 * @throws INPUT_MALFORMED, INPUT_TOO_LARGE
 */
export function parseSimpleSigningPayload(bytes: Uint8Array, what: string): SimpleSigningPayload {
  if (bytes.byteLength > SIMPLE_SIGNING_MAX_BYTES) {
    throw new VouchError(
      'INPUT_TOO_LARGE',
      `${what}: payload is more than ${SIMPLE_SIGNING_MAX_BYTES} bytes`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: payload is not JSON`, { cause: e });
  }
  const bad: string[] = [];
  if (!isRecord(doc)) throw new VouchError('INPUT_MALFORMED', `${what}: payload is not a JSON object`);
  const critical = doc['critical'];
  let dockerReference = '';
  let digest = '';
  if (!isRecord(critical)) {
    bad.push('critical (must be an object)');
  } else {
    onlyKeys(critical, ['identity', 'image', 'type'], 'critical', bad);
    const identity = critical['identity'];
    if (!isRecord(identity)) bad.push('critical.identity (must be an object)');
    else {
      onlyKeys(identity, ['docker-reference'], 'critical.identity', bad);
      const ref = identity['docker-reference'];
      if (typeof ref !== 'string') bad.push('critical.identity.docker-reference (must be a string)');
      else dockerReference = ref;
    }
    const image = critical['image'];
    if (!isRecord(image)) bad.push('critical.image (must be an object)');
    else {
      onlyKeys(image, ['docker-manifest-digest'], 'critical.image', bad);
      const d = image['docker-manifest-digest'];
      if (typeof d !== 'string' || !isDigest(d)) {
        bad.push('critical.image.docker-manifest-digest (must be a sha256/sha512 digest)');
      } else digest = d;
    }
    if (critical['type'] !== COSIGN_SIGNATURE_TYPE)
      bad.push(`critical.type (must be "${COSIGN_SIGNATURE_TYPE}")`);
  }
  const optional = doc['optional'];
  if (optional !== undefined && optional !== null && !isRecord(optional)) {
    bad.push('optional (must be an object or null)');
  }
  onlyKeys(doc, ['critical', 'optional'], '', bad);
  if (bad.length > 0) {
    throw new VouchError('INPUT_MALFORMED', `${what}: invalid simple-signing payload: ${bad.join('; ')}`, {
      fields: bad,
    });
  }
  return {
    dockerReference,
    digest: digest as Digest,
    optional: isRecord(optional) ? optional : null,
  };
}

function onlyKeys(v: Record<string, unknown>, allowed: readonly string[], path: string, bad: string[]): void {
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) bad.push(`${path ? `${path}.` : ''}${k} (unknown field)`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
