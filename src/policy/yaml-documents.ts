import { type Document, parseAllDocuments } from 'yaml';
import { describeCause, VouchError } from '../errors.js';
import { type Limits, withLimits } from '../limits.js';

/** One YAML document of a (possibly multi-document) file, kept with its source for comment-preserving edits. */
export interface YamlDocument {
  /** Position in the file, counting from 0, empty documents included. */
  readonly index: number;
  /** The plain JSON-like value. */
  readonly value: unknown;
  readonly document: Document.Parsed;
}

/**
 * Parses every document of a YAML file after capping its size, with an alias budget so a
 * "billion laughs" document fails instead of exhausting memory. Empty documents are dropped.
 * @throws INPUT_TOO_LARGE over limits.yamlMaxBytes or over the alias budget, INPUT_MALFORMED on bad YAML or UTF-8
 */
export function parseYamlDocuments(
  input: string | Uint8Array,
  what: string,
  limits?: Partial<Limits>,
): YamlDocument[] {
  const l = withLimits(limits);
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > l.yamlMaxBytes) {
    throw new VouchError(
      'INPUT_TOO_LARGE',
      `${what}: ${size} bytes is more than the ${l.yamlMaxBytes} allowed`,
      {
        hint: 'policy files are small; split the file or raise yamlMaxBytes',
      },
    );
  }
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch (e) {
      throw new VouchError('INPUT_MALFORMED', `${what}: not valid UTF-8`, { cause: e });
    }
  }
  // prettyErrors gives line/column; uniqueKeys (default) rejects a duplicated key, which Kubernetes
  // strict decoding also refuses: a second `mutateDigest:` must not silently win.
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true, strict: true });
  const out: YamlDocument[] = [];
  // An empty file gives an EmptyStream, which is an empty array.
  for (const [index, document] of docs.entries()) {
    const err = document.errors[0];
    if (err) {
      throw new VouchError('INPUT_MALFORMED', `${what}: document ${index + 1}: ${firstLine(err.message)}`, {
        hint: 'fix the YAML syntax at the position shown',
      });
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: l.yamlMaxAliasCount });
    } catch (e) {
      const msg = describeCause(e);
      if (/alias/i.test(msg)) {
        throw new VouchError(
          'INPUT_TOO_LARGE',
          `${what}: document ${index + 1} expands more than ${l.yamlMaxAliasCount} aliases (a YAML bomb?)`,
          { cause: e, hint: 'policies do not need YAML aliases; write the values out' },
        );
      }
      throw new VouchError('INPUT_MALFORMED', `${what}: document ${index + 1}: ${firstLine(msg)}`, {
        cause: e,
      });
    }
    if (value === null || value === undefined) continue;
    out.push({ index, value, document });
  }
  return out;
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}
