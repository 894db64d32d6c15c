import type { Digest } from '../digest.js';
import { type CosignLayer, type SignatureExtras, signatureLayer } from './cosign-manifest.js';
import { type PrivateKeyMaterial, type SignatureOptions, signBytes } from '../crypto/index.js';
import { buildSimpleSigningPayload } from './simple-signing.js';

/**
 * Signs an image digest the way `cosign sign --key` does and returns the `.sig` layer to append:
 * simple-signing payload for `dockerReference` (the repository, no tag) + `digest`, `-a` annotations
 * in `optional`, signature over the payload bytes. Certificate / Rekor material goes in `extras`.
 */
export function signImageLayer(
  key: PrivateKeyMaterial,
  input: { dockerReference: string; digest: Digest; annotations?: Record<string, string> },
  extras: SignatureExtras = {},
  opts: SignatureOptions = {},
): CosignLayer {
  const payload = buildSimpleSigningPayload(input);
  return signatureLayer(payload, signBytes(key, payload, opts).toString('base64'), extras);
}
