import type { Digest } from '../digest.js';
import { attestationLayer, type CosignLayer, type SignatureExtras } from './cosign-manifest.js';
import {
  buildStatement,
  type DsseEnvelope,
  IN_TOTO_PAYLOAD_TYPE,
  type PrivateKeyMaterial,
  signEnvelope,
  type StatementType,
} from '../crypto/index.js';

/**
 * Attests an image the way `cosign attest --key` does: an in-toto statement (subject = repository +
 * digest) wrapped in a DSSE envelope signed with `key`, returned both as the envelope (for a bundle) and
 * as the `.att` layer to append.
 */
export function attestImage(
  key: PrivateKeyMaterial,
  input: {
    subjectName: string;
    digest: Digest;
    predicateType: string;
    predicate: unknown;
    statementType?: StatementType;
  },
  extras: SignatureExtras = {},
): { envelope: DsseEnvelope; layer: CosignLayer } {
  const statement = buildStatement({
    subjectName: input.subjectName,
    digest: input.digest,
    predicateType: input.predicateType,
    predicate: input.predicate,
    ...(input.statementType ? { type: input.statementType } : {}),
  });
  const envelope = signEnvelope(Buffer.from(JSON.stringify(statement)), IN_TOTO_PAYLOAD_TYPE, key);
  return {
    envelope,
    layer: attestationLayer(Buffer.from(JSON.stringify(envelope)), input.predicateType, extras),
  };
}
