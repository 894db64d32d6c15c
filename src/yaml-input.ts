import type { Document } from 'yaml';
import { describeCause, VouchError } from './errors.js';

/**
 * The two checks every YAML reader of vouch makes, whatever it reads (policies, workflows, manifests,
 * lockfiles): the size before parsing, then UTF-8; and, per document, an alias budget so a "billion
 * laughs" document fails instead of exhausting memory. `purpose` completes the hints ("policy files").
 */
export function yamlText(
  input: string | Uint8Array,
  what: string,
  maxBytes: number,
  purpose: string,
): string {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > maxBytes) {
    throw new VouchError('INPUT_TOO_LARGE', `${what}: ${size} bytes is more than the ${maxBytes} allowed`, {
      hint: `${purpose} are small; split the file or check that it is the file you meant`,
    });
  }
  if (typeof input === 'string') return input;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: not valid UTF-8`, { cause: e });
  }
}

/**
 * The plain value of one parsed document, with at most `maxAliasCount` alias expansions.
 * @throws INPUT_TOO_LARGE for an alias bomb, INPUT_MALFORMED for any other conversion failure
 */
export function yamlValue(
  document: Document.Parsed,
  index: number,
  what: string,
  maxAliasCount: number,
  purpose: string,
): unknown {
  try {
    return document.toJS({ maxAliasCount });
  } catch (e) {
    const msg = describeCause(e);
    if (/alias/i.test(msg)) {
      throw new VouchError(
        'INPUT_TOO_LARGE',
        `${what}: document ${index + 1} expands more than ${maxAliasCount} aliases (a YAML bomb?)`,
        { cause: e, hint: `${purpose} do not need YAML aliases; write the values out` },
      );
    }
    throw new VouchError('INPUT_MALFORMED', `${what}: document ${index + 1}: ${firstLine(msg)}`, {
      cause: e,
    });
  }
}

/** The first line of a parser message (the rest is a source excerpt). */
export function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}
