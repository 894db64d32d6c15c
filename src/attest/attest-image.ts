import type { Digest } from '../oci/digest.js';
import { attestationLayer, type CosignLayer, type SignatureExtras } from '../sign/cosign-manifest.js';
import type { PrivateKeyMaterial } from '../sign/keys/key-material.js';
import { type DsseEnvelope, IN_TOTO_PAYLOAD_TYPE, signEnvelope } from './dsse.js';
import { buildStatement, type StatementType } from './statement.js';

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
