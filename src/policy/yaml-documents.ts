import { type Document, parseAllDocuments } from 'yaml';
import { VouchError } from '../errors.js';
import { firstLine, yamlText, yamlValue } from '../yaml-input.js';
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
  const text = yamlText(input, what, l.yamlMaxBytes, 'policy files');
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
    const value = yamlValue(document, index, what, l.yamlMaxAliasCount, 'policies');
    if (value === null || value === undefined) continue;
    out.push({ index, value, document });
  }
  return out;
}
