import { bundleToJSON } from '@sigstore/bundle';
import type { InternalError } from '@sigstore/sign';
import { describeCause, VouchError } from '../../errors.js';

/** Where to get a certificate and log the signature (cosign's --fulcio-url / --rekor-url). */
export interface KeylessSigningOptions {
  /** The OIDC identity token (the edge resolves --identity-token, SIGSTORE_ID_TOKEN or the CI provider). */
  identityToken: string;
  fulcioUrl: string;
  rekorUrl: string;
  /** Per-request timeout in milliseconds (sigstore-js default when absent). */
  timeoutMs?: number;
  /** Retries on transient HTTP failures; 0 in tests so a refused request fails at once. */
  retries?: number;
}

/** What to sign: raw bytes (a message-signature bundle) or a DSSE payload of the given type. */
export type KeylessArtifact =
  | { kind: 'message'; data: Uint8Array }
  | { kind: 'dsse'; data: Uint8Array; payloadType: string };

/**
 * Signs keylessly through sigstore-js: an ephemeral P-256 key, a Fulcio certificate for the token's
 * identity (proof of possession: the token subject signed with that key), a Rekor v1 entry
 * (hashedrekord for messages, dsse for envelopes), returned as Sigstore bundle v0.3 JSON bytes.
 * The ephemeral private key never leaves the sigstore-js signer.
 * @throws AUTH_FAILED (Fulcio/Rekor refused: 401/403), IO_ERROR (unreachable or other HTTP error), INPUT_MALFORMED (token without subject)
 */
export async function signKeyless(artifact: KeylessArtifact, opts: KeylessSigningOptions): Promise<Buffer> {
  // Loaded on use: @sigstore/sign brings an HTTP stack and cache that cost every other command ~0.3 s
  // of startup.
  const { DSSEBundleBuilder, FulcioSigner, InternalError, MessageSignatureBundleBuilder, RekorWitness } =
    await import('@sigstore/sign');
  const fetchOptions = {
    ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {}),
    ...(opts.retries !== undefined ? { retry: { retries: opts.retries } } : {}),
  };
  const signer = new FulcioSigner({
    identityProvider: { getToken: () => Promise.resolve(opts.identityToken) },
    fulcioBaseURL: opts.fulcioUrl,
    ...fetchOptions,
  });
  const witnesses = [new RekorWitness({ rekorBaseURL: opts.rekorUrl, entryType: 'dsse', ...fetchOptions })];
  try {
    const bundle =
      artifact.kind === 'message'
        ? await new MessageSignatureBundleBuilder({ signer, witnesses }).create({
            data: Buffer.from(artifact.data),
          })
        : await new DSSEBundleBuilder({ signer, witnesses }).create({
            data: Buffer.from(artifact.data),
            type: artifact.payloadType,
          });
    return Buffer.from(JSON.stringify(bundleToJSON(bundle)));
  } catch (e) {
    throw signingError(e instanceof InternalError ? e : undefined, e, opts);
  }
}

/** sigstore-js InternalError codes name the step; the cause carries the HTTP status when there was one. */
function signingError(
  internal: InternalError | undefined,
  raw: unknown,
  opts: KeylessSigningOptions,
): VouchError {
  if (!internal) {
    return new VouchError('IO_ERROR', `keyless signing failed: ${describeCause(raw)}`, { cause: raw });
  }
  const e = internal;
  const step = e.code.startsWith('CA_')
    ? `Fulcio at ${opts.fulcioUrl}`
    : e.code.startsWith('TLOG_')
      ? `Rekor at ${opts.rekorUrl}`
      : e.code === 'IDENTITY_TOKEN_PARSE_ERROR'
        ? 'the identity token'
        : e.code;
  const status = (e.cause as { statusCode?: unknown } | undefined)?.statusCode;
  // sigstore-js puts the whole token into some messages; a bearer credential must never reach logs.
  const detail = `${describeCause(e)}${e.cause ? `: ${describeCause(e.cause)}` : ''}`
    .split(opts.identityToken)
    .join('<identity token>');
  if (e.code === 'IDENTITY_TOKEN_PARSE_ERROR') {
    return new VouchError('INPUT_MALFORMED', `keyless signing: ${step} has no usable subject: ${detail}`, {
      cause: e,
    });
  }
  if (status === 401 || status === 403) {
    return new VouchError(
      'AUTH_FAILED',
      `keyless signing: ${step} refused the request (HTTP ${status}): ${detail}`,
      {
        cause: e,
      },
    );
  }
  return new VouchError('IO_ERROR', `keyless signing: ${step} failed: ${detail}`, { cause: e });
}
