import { isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments, type Document } from 'yaml';
import { VouchError } from '../errors.js';
import { firstLine, yamlText, yamlValue } from '../yaml-input.js';
import { type Limits, withLimits } from '../limits.js';

/** A position in a file: 1-based line and column, and the 0-based offset. */
export interface Position {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

export interface Located {
  readonly start: Position;
  readonly end: Position;
}

/** One document of a YAML file with a way to find where any value in it was written. */
export interface SourceDocument {
  /** Index in the file, counting from 0. */
  readonly index: number;
  readonly value: unknown;
  /**
   * Where the node at `path` (keys and sequence indexes from the document root) was written. With
   * `key: true` the position of the map key instead of its value (a finding about `permissions:` points
   * at the word `permissions`). Falls back to the nearest ancestor that exists, and then to the document.
   */
  locate(path: ReadonlyArray<string | number>, opts?: { key?: boolean }): Located;
}

/** A YAML file whose syntax is broken, with where. */
export interface YamlSyntaxError {
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

export type ParsedYamlFile =
  | { readonly ok: true; readonly documents: readonly SourceDocument[] }
  | { readonly ok: false; readonly error: YamlSyntaxError };

/**
 * Parses an audited YAML file (a workflow, a manifest, a lockfile) with positions, under the same caps
 * as policies: a size limit before parsing and an alias budget against "billion laughs" documents.
 * Broken syntax is a value with its position (the audit reports it and goes on with other files);
 * oversize and alias bombs are errors.
 * @throws INPUT_TOO_LARGE over limits.yamlMaxBytes or the alias budget; INPUT_MALFORMED for invalid UTF-8
 */
export function parseYamlSource(
  input: string | Uint8Array,
  what: string,
  limits?: Partial<Limits>,
): ParsedYamlFile {
  const l = withLimits(limits);
  const text = yamlText(input, what, l.yamlMaxBytes, 'audited YAML files');
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col, offset };
  };
  const out: SourceDocument[] = [];
  for (const [index, document] of docs.entries()) {
    const err = document.errors[0];
    if (err) {
      const pos = at(err.pos[0]);
      return { ok: false, error: { message: firstLine(err.message), line: pos.line, column: pos.column } };
    }
    let value: unknown;
    try {
      value = yamlValue(document, index, what, l.yamlMaxAliasCount, 'audited YAML files');
    } catch (e) {
      // An alias bomb stays an error; any other conversion failure is this file's problem, reported.
      if (e instanceof VouchError && e.code === 'INPUT_MALFORMED')
        return { ok: false, error: { message: e.message, line: 1, column: 1 } };
      throw e;
    }
    if (value === null || value === undefined) continue;
    out.push({ index, value, locate: (path, opts) => locateIn(document, path, opts?.key === true, at) });
  }
  return { ok: true, documents: out };
}

function locateIn(
  document: Document.Parsed,
  path: ReadonlyArray<string | number>,
  wantKey: boolean,
  at: (offset: number) => Position,
): Located {
  let node: unknown = document.contents;
  let keyNode: unknown;
  let best: Located = span(node, at) ?? { start: at(0), end: at(0) };
  let resolved = 0;
  for (const step of path) {
    let next: unknown;
    let nextKey: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) break;
      nextKey = pair.key;
      next = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      next = node.items[step];
    } else break;
    const found = span(next, at) ?? span(nextKey, at);
    if (!found) break;
    best = found;
    node = next;
    keyNode = nextKey;
    resolved += 1;
  }
  // A missing child (a job without `permissions:`) is reported at its parent's key, where a person looks.
  if ((wantKey || resolved < path.length) && keyNode) return span(keyNode, at) ?? best;
  return best;
}

function span(node: unknown, at: (offset: number) => Position): Located | undefined {
  const range = (node as Node | null | undefined)?.range;
  if (!range) return undefined;
  return { start: at(range[0]), end: at(range[1]) };
}
