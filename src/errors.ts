/**
 * One error type for the whole of vouch. Callers branch on `code`, never on the message; codes are
 * public API (docs/errors.md) and are never renamed or reused.
 */
export type VouchErrorCode =
  // exit 1: the artifact or document was read fine, and it is not trustworthy
  | 'DIGEST_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'SIGNATURE_INVALID'
  | 'NO_SIGNATURES'
  | 'UNTRUSTED_SIGNER'
  | 'CERTIFICATE_INVALID'
  | 'TLOG_INVALID'
  | 'ATTESTATION_INVALID'
  | 'VERIFICATION_FAILED'
  | 'POLICY_DENIED'
  // exit 2: the user gave vouch something it cannot use
  | 'USAGE'
  | 'INPUT_MALFORMED'
  | 'INPUT_TOO_LARGE'
  | 'UNSAFE_PATH'
  | 'REFERENCE_INVALID'
  | 'DIGEST_INVALID'
  | 'MEDIA_TYPE_UNSUPPORTED'
  | 'UNSUPPORTED'
  | 'NOT_FOUND'
  | 'WRONG_PASSWORD'
  | 'POLICY_INVALID'
  // exit 3: the environment is not as vouch needs it
  | 'FILE_NOT_FOUND'
  | 'IO_ERROR'
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_ERROR'
  | 'AUTH_FAILED'
  | 'KUBE_API_ERROR'
  | 'TIMEOUT'
  | 'TOOL_MISSING'
  | 'DB_MISSING'
  | 'DB_CORRUPT'
  | 'INTERNAL'
  // exit 2: `admission serve --check-config` found a flag, file, certificate or policy it cannot use
  | 'CONFIG_INVALID';

export type ExitCode = 1 | 2 | 3;

// A Record, so adding a code without deciding its exit code fails to compile.
const EXIT: Record<VouchErrorCode, ExitCode> = {
  DIGEST_MISMATCH: 1,
  SIZE_MISMATCH: 1,
  SIGNATURE_INVALID: 1,
  NO_SIGNATURES: 1,
  UNTRUSTED_SIGNER: 1,
  CERTIFICATE_INVALID: 1,
  TLOG_INVALID: 1,
  ATTESTATION_INVALID: 1,
  VERIFICATION_FAILED: 1,
  POLICY_DENIED: 1,
  USAGE: 2,
  INPUT_MALFORMED: 2,
  INPUT_TOO_LARGE: 2,
  UNSAFE_PATH: 2,
  REFERENCE_INVALID: 2,
  DIGEST_INVALID: 2,
  MEDIA_TYPE_UNSUPPORTED: 2,
  UNSUPPORTED: 2,
  NOT_FOUND: 2,
  WRONG_PASSWORD: 2,
  POLICY_INVALID: 2,
  FILE_NOT_FOUND: 3,
  IO_ERROR: 3,
  REGISTRY_UNREACHABLE: 3,
  REGISTRY_ERROR: 3,
  AUTH_FAILED: 3,
  KUBE_API_ERROR: 3,
  TIMEOUT: 3,
  TOOL_MISSING: 3,
  DB_MISSING: 3,
  DB_CORRUPT: 3,
  INTERNAL: 3,
  CONFIG_INVALID: 2,
};

export const ERROR_CODES = Object.keys(EXIT) as readonly VouchErrorCode[];

export interface VouchErrorOptions {
  cause?: unknown;
  /** The next step, for a person. */
  hint?: string;
  /** Field paths that were wrong, for parsers that validate a whole document at once. */
  fields?: readonly string[];
}

export class VouchError extends Error {
  override readonly name = 'VouchError';
  readonly hint: string | undefined;
  readonly fields: readonly string[];

  constructor(
    readonly code: VouchErrorCode,
    message: string,
    opts: VouchErrorOptions = {},
  ) {
    super(message, { cause: opts.cause });
    this.hint = opts.hint;
    this.fields = opts.fields ?? [];
  }

  get exitCode(): ExitCode {
    return EXIT[this.code];
  }

  toJSON(): { code: VouchErrorCode; message: string; hint?: string; fields?: readonly string[] } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.fields.length > 0 ? { fields: this.fields } : {}),
    };
  }
}

export function exitCodeOf(code: VouchErrorCode): ExitCode {
  return EXIT[code];
}

export function isVouchError(e: unknown): e is VouchError {
  return e instanceof VouchError;
}

/** Exhaustiveness guard for tagged-union switches. */
export function assertNever(x: never, what = 'value'): never {
  throw new VouchError('INTERNAL', `unhandled ${what}: ${JSON.stringify(x)}`);
}

/** Best-effort text of an unknown thrown value, for wrapping causes into messages. */
export function describeCause(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
