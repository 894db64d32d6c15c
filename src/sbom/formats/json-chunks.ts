import { documentUuidOfHash } from './document-id.js';
import { createHash } from 'node:crypto';

/**
 * `JSON.stringify(value, null, 2)` as a sequence of chunks, byte for byte the same text, without ever
 * holding it as one string: an SBOM of a million components is a few hundred megabytes of text, and V8
 * strings stop at about 512 MiB. The top-level object's array members (components, packages,
 * dependencies, relationships) are emitted element by element; everything else is small and goes
 * through JSON.stringify. Chunks are batched to about CHUNK_CHARS so writers see few, large writes.
 */
const CHUNK_CHARS = 64 * 1024;

export function* jsonChunks(value: Readonly<Record<string, unknown>>): Generator<string> {
  let buf = '';
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  buf += '{';
  for (const [i, [key, v]] of entries.entries()) {
    buf += `${i === 0 ? '' : ','}\n  ${JSON.stringify(key)}: `;
    if (Array.isArray(v) && v.length > 0) {
      buf += '[';
      for (const [j, el] of v.entries()) {
        // JSON.stringify nests by indentation only, and no string value holds a raw newline (they are
        // escaped), so an element's own text re-indented by one level is what the whole would contain.
        const text =
          JSON.stringify(el === undefined || typeof el === 'function' ? null : el, null, 2) ?? 'null';
        buf += `${j === 0 ? '' : ','}\n    ${text.replaceAll('\n', '\n    ')}`;
        if (buf.length >= CHUNK_CHARS) {
          yield buf;
          buf = '';
        }
      }
      buf += '\n  ]';
    } else {
      buf += (JSON.stringify(v, null, 2) ?? 'null').replaceAll('\n', '\n  ');
    }
    if (buf.length >= CHUNK_CHARS) {
      yield buf;
      buf = '';
    }
  }
  buf += '\n}';
  yield buf;
}

/** documentUuid of the concatenated chunks, hashed as they come. */
export function uuidOfChunks(chunks: Iterable<string>): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return documentUuidOfHash(h.digest());
}
