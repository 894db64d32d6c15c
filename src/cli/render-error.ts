import { VouchError } from '../errors.js';

/** Any non-VouchError reaching the top is a bug: report it as INTERNAL, stack only with VOUCH_DEBUG=1. */
export function toVouchError(e: unknown): VouchError {
  if (e instanceof VouchError) return e;
  return new VouchError(
    'INTERNAL',
    `internal error, please report: ${e instanceof Error ? e.message : String(e)}`,
    {
      cause: e,
    },
  );
}

export function renderError(e: VouchError, json: boolean, debug: boolean): string {
  if (json) return `${JSON.stringify({ error: e.toJSON() })}\n`;
  let out = `vouch: ${e.message}\n`;
  if (e.hint) out += `hint: ${e.hint}\n`;
  if (debug) {
    out += `${e.stack ?? ''}\n`;
    let cause: unknown = e.cause;
    while (cause) {
      out += `caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`;
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  }
  return out;
}
