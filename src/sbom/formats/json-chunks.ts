import { documentUuidOfHash } from './document-id.js';
import { createHash } from 'node:crypto';

/**
 * `JSON.stringify(value, null, 2)` as a sequence of chunks, byte for byte the same text, without ever
 * holding it as one string: an SBOM of a million components is a few hundred megabytes of text, and V8
 * strings stop at about 512 MiB. Containers less than `maxDepth` levels deep are emitted member by
 * member (2: an SBOM's components, packages, dependencies; 4: a SARIF log's runs[].results); everything
 * deeper is small and goes through JSON.stringify. Chunks are batched to about CHUNK_CHARS so writers
 * see few, large writes.
 */
const CHUNK_CHARS = 64 * 1024;

export function* jsonChunks(value: unknown, maxDepth = 2): Generator<string> {
  // Containers nested less than maxDepth deep are emitted member by member; deeper ones, and values
  // with toJSON, through JSON.stringify re-indented (it nests by indentation only, and no string
  // value holds a raw newline, so the text is the same).
  let buf = '';
  const skipped = (x: unknown) => x === undefined || typeof x === 'function' || typeof x === 'symbol';
  function* emit(v: unknown, pad: string, depth: number): Generator<string> {
    const plain =
      v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
    if (!plain || depth >= maxDepth) {
      buf += (JSON.stringify(v, null, 2) ?? 'null').replaceAll('\n', `\n${pad}`);
      return;
    }
    const inner = `${pad}  `;
    if (Array.isArray(v)) {
      if (v.length === 0) {
        buf += '[]';
        return;
      }
      buf += '[';
      for (const [j, el] of v.entries()) {
        buf += `${j === 0 ? '' : ','}\n${inner}`;
        yield* emit(skipped(el) ? null : el, inner, depth + 1);
        if (buf.length >= CHUNK_CHARS) {
          yield buf;
          buf = '';
        }
      }
      buf += `\n${pad}]`;
      return;
    }
    const entries = Object.entries(v).filter(([, x]) => !skipped(x));
    if (entries.length === 0) {
      buf += '{}';
      return;
    }
    buf += '{';
    for (const [i, [key, x]] of entries.entries()) {
      buf += `${i === 0 ? '' : ','}\n${inner}${JSON.stringify(key)}: `;
      yield* emit(x, inner, depth + 1);
      if (buf.length >= CHUNK_CHARS) {
        yield buf;
        buf = '';
      }
    }
    buf += `\n${pad}}`;
  }
  yield* emit(value, '', 0);
  if (buf !== '') yield buf;
}

/** documentUuid of the concatenated chunks, hashed as they come. */
export function uuidOfChunks(chunks: Iterable<string>): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return documentUuidOfHash(h.digest());
}
