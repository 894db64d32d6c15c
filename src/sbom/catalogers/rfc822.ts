/**
 * The "Key: value" paragraph format shared by Debian control files (deb-control(5)), Python core
 * metadata (packaging.python.org core-metadata, RFC 822 style) and, with one-letter keys, apk's
 * installed database. Continuation lines start with whitespace; a blank line ends a paragraph.
 */

export interface Paragraph {
  fields: Map<string, string>;
  /** 1-based line the paragraph starts on, for error messages. */
  line: number;
}

/** Splits text into paragraphs. With `stopAtBody`, the first blank line ends parsing (METADATA bodies). */
export function parseParagraphs(
  source: string,
  opts: { stopAtBody?: boolean; separator?: ':' } = {},
): Paragraph[] {
  const out: Paragraph[] = [];
  let cur: Paragraph | undefined;
  let lastKey: string | undefined;
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.trim() === '') {
      if (cur) out.push(cur);
      cur = undefined;
      lastKey = undefined;
      if (opts.stopAtBody && out.length > 0) break;
      continue;
    }
    if (/^[ \t]/.test(line)) {
      if (cur && lastKey !== undefined)
        cur.fields.set(lastKey, `${cur.fields.get(lastKey) ?? ''}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    if (!cur) cur = { fields: new Map(), line: i + 1 };
    lastKey = line.slice(0, colon);
    // Repeated keys (Classifier, Requires-Dist) are joined by newlines.
    const v = line.slice(colon + 1).trim();
    const prev = cur.fields.get(lastKey);
    cur.fields.set(lastKey, prev === undefined ? v : `${prev}\n${v}`);
  }
  if (cur) out.push(cur);
  return out;
}
