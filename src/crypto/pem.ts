import { VouchError } from '../errors.js';

/** One PEM block (RFC 7468): its label and the DER bytes it carries. */
export interface PemBlock {
  label: string;
  der: Buffer;
}

// RFC 7468 section 3: labels are printable ASCII without hyphens at the ends; we accept what Go's
// encoding/pem accepts for the labels cosign writes (letters, digits, spaces).
const BLOCK_RE = /-----BEGIN ([A-Z0-9 ]{1,64})-----\r?\n([\s\S]*?)-----END ([A-Z0-9 ]{1,64})-----/g;
const BASE64_BODY_RE = /^[A-Za-z0-9+/=\s]*$/;

/** Upper bound on PEM text we parse at all: a certificate chain of a few dozen certs fits easily. */
export const PEM_MAX_BYTES = 1024 * 1024;

/**
 * Decodes every PEM block in `text`, in order. Headers (`Proc-Type:` lines) are refused: cosign never
 * writes them and OpenSSL-encrypted keys are not a format vouch reads.
 * @throws INPUT_MALFORMED, INPUT_TOO_LARGE
 */
export function decodePemBlocks(text: string | Buffer, what: string): PemBlock[] {
  const s = typeof text === 'string' ? text : text.toString('utf8');
  if (s.length > PEM_MAX_BYTES) {
    throw new VouchError('INPUT_TOO_LARGE', `${what}: more than ${PEM_MAX_BYTES} bytes of PEM`);
  }
  const out: PemBlock[] = [];
  for (const m of s.matchAll(BLOCK_RE)) {
    const label = m[1] as string;
    const body = m[2] as string;
    if (m[3] !== label) {
      throw new VouchError('INPUT_MALFORMED', `${what}: PEM block "${label}" ends with "${m[3]}"`);
    }
    if (body.includes(':')) {
      throw new VouchError(
        'INPUT_MALFORMED',
        `${what}: PEM block "${label}" has headers, which vouch does not read`,
      );
    }
    if (!BASE64_BODY_RE.test(body)) {
      throw new VouchError('INPUT_MALFORMED', `${what}: PEM block "${label}" is not base64`);
    }
    const compact = body.replace(/\s+/g, '');
    if (compact.length === 0 || compact.length % 4 !== 0 || /=[^=]/.test(compact)) {
      throw new VouchError('INPUT_MALFORMED', `${what}: PEM block "${label}" has truncated base64`);
    }
    out.push({ label, der: Buffer.from(compact, 'base64') });
  }
  if (out.length === 0) {
    throw new VouchError('INPUT_MALFORMED', `${what}: no PEM block found`, {
      hint: 'expected text starting with -----BEGIN ...-----',
    });
  }
  return out;
}

/**
 * Decodes exactly one PEM block with one of the accepted labels.
 * @throws INPUT_MALFORMED
 */
export function decodeSinglePem(text: string | Buffer, labels: readonly string[], what: string): PemBlock {
  const blocks = decodePemBlocks(text, what);
  const first = blocks[0] as PemBlock;
  if (blocks.length !== 1) {
    throw new VouchError('INPUT_MALFORMED', `${what}: expected one PEM block, found ${blocks.length}`);
  }
  if (!labels.includes(first.label)) {
    throw new VouchError(
      'INPUT_MALFORMED',
      `${what}: PEM type "${first.label}" is not one of ${labels.join(', ')}`,
    );
  }
  return first;
}

/** Encodes DER as PEM with 64-character lines, as Go's encoding/pem writes it. */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
