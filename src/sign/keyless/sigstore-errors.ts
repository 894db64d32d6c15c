import { ValidationError } from '@sigstore/bundle';
import { PolicyError, VerificationError } from '@sigstore/verify';
import { describeCause, VouchError, type VouchErrorCode } from '../../errors.js';

/** sigstore-js verification codes -> vouch codes, and what the check was, for the message. */
const VERIFICATION_CODES: Record<string, { code: VouchErrorCode; check: string }> = {
  CERTIFICATE_ERROR: { code: 'CERTIFICATE_INVALID', check: 'certificate chain to a trusted Fulcio CA' },
  PUBLIC_KEY_ERROR: { code: 'UNTRUSTED_SIGNER', check: 'public key lookup' },
  SIGNATURE_ERROR: { code: 'SIGNATURE_INVALID', check: 'signature over the artifact' },
  TLOG_ERROR: { code: 'TLOG_INVALID', check: 'transparency log entries' },
  TLOG_INCLUSION_PROOF_ERROR: { code: 'TLOG_INVALID', check: 'tlog inclusion proof / checkpoint' },
  TLOG_INCLUSION_PROMISE_ERROR: { code: 'TLOG_INVALID', check: 'tlog signed entry timestamp (SET)' },
  TLOG_MISSING_INCLUSION_ERROR: { code: 'TLOG_INVALID', check: 'tlog inclusion (neither SET nor proof)' },
  TLOG_BODY_ERROR: { code: 'TLOG_INVALID', check: 'tlog entry body against the bundle' },
  TIMESTAMP_ERROR: { code: 'TLOG_INVALID', check: 'signing time (tlog integrated time / RFC 3161)' },
  NOT_IMPLEMENTED_ERROR: { code: 'UNSUPPORTED', check: 'unsupported bundle feature' },
};

/** Walks `cause` links so the innermost reason (e.g. "certificate is not valid or expired") is shown. */
function causeChain(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; depth < 4 && cur instanceof Error; depth++) {
    if (!parts.includes(cur.message)) parts.push(cur.message);
    cur = cur.cause;
  }
  return parts.join(': ');
}

/**
 * Turns an error thrown by @sigstore/bundle or @sigstore/verify into a VouchError with a vouch code.
 * Errors that are already VouchErrors pass through; anything else is a malformed input (sigstore-js
 * throws TypeErrors and RangeErrors on structurally broken DER or protobuf-JSON).
 */
export function fromSigstoreError(e: unknown, what: string): VouchError {
  if (e instanceof VouchError) return e;
  if (e instanceof PolicyError) {
    return new VouchError('UNTRUSTED_SIGNER', `${what}: ${e.message}`, { cause: e });
  }
  if (e instanceof VerificationError) {
    const m = VERIFICATION_CODES[e.code] ?? { code: 'VERIFICATION_FAILED' as const, check: e.code };
    return new VouchError(m.code, `${what}: ${m.check} failed: ${causeChain(e)}`, { cause: e });
  }
  if (e instanceof ValidationError) {
    const fields = e.fields ?? [];
    return new VouchError(
      'INPUT_MALFORMED',
      `${what}: invalid Sigstore bundle: ${e.message} ${fields.join(', ')}`.trim(),
      {
        cause: e,
        fields,
      },
    );
  }
  return new VouchError('INPUT_MALFORMED', `${what}: ${describeCause(e)}`, { cause: e });
}
