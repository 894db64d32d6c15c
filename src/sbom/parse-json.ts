/**
 * JSON parsing for catalogers: a syntax error names the file and the line it is on (JSON.parse only
 * gives an offset), so a user can open the lockfile at the right place.
 */
import { VouchError } from '../errors.js';

/** Parses JSON text from `path`. @throws INPUT_MALFORMED */
export function parseJsonFile(source: string, path: string): unknown {
  try {
    return JSON.parse(source);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /position (\d+)/.exec(msg);
    const line = m ? lineAt(source, Number(m[1])) : undefined;
    throw new VouchError('INPUT_MALFORMED', `${path}${line ? `:${line}` : ''}: invalid JSON (${msg})`, {
      cause: e,
      hint: 'the file is not valid JSON; regenerate it with its tool',
    });
  }
}

/** 1-based line of a character offset. */
export function lineAt(source: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, source.length);
  for (let i = 0; i < end; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

/** A JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value when it is a string. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A JSON object field that must be an object when present. @throws INPUT_MALFORMED */
export function recordField(
  obj: Record<string, unknown>,
  key: string,
  where: string,
): Record<string, unknown> {
  const v = obj[key];
  if (v === undefined || v === null) return {};
  if (!isRecord(v))
    throw new VouchError('INPUT_MALFORMED', `${where}: "${key}" must be an object`, { fields: [key] });
  return v;
}

/**
 * JSON with comments and trailing commas (JSONC, as bun.lock is written) reduced to JSON: `//` and
 * `/* *\/` comments outside strings become spaces (keeping line numbers), and a comma followed only by
 * whitespace before `}` or `]` is dropped. One linear pass, no regex backtracking.
 */
export function jsoncToJson(source: string): string {
  const out: string[] = [];
  let i = 0;
  let start = 0;
  let lastComma = -1; // index in `out` of a pending comma, when only whitespace followed it
  const flush = (end: number): void => {
    if (end > start) out.push(source.slice(start, end));
  };
  while (i < source.length) {
    const c = source.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote, honouring escapes
      lastComma = -1;
      i++;
      while (i < source.length && source.charCodeAt(i) !== 0x22) i += source.charCodeAt(i) === 0x5c ? 2 : 1;
      i++;
      continue;
    }
    if (c === 0x2f && (source.charCodeAt(i + 1) === 0x2f || source.charCodeAt(i + 1) === 0x2a)) {
      flush(i);
      const block = source.charCodeAt(i + 1) === 0x2a;
      const end = block ? source.indexOf('*/', i + 2) : source.indexOf('\n', i + 2);
      const stop = end < 0 ? source.length : block ? end + 2 : end;
      out.push(source.slice(i, stop).replace(/[^\n]/g, ' '));
      i = stop;
      start = i;
      continue;
    }
    if (c === 0x2c) {
      flush(i);
      out.push(',');
      lastComma = out.length - 1;
      i++;
      start = i;
      continue;
    }
    if ((c === 0x7d || c === 0x5d) && lastComma >= 0) out[lastComma] = ' ';
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) lastComma = -1;
    i++;
  }
  flush(i);
  return out.join('');
}
