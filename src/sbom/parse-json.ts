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
