import { VouchError } from '../errors.js';

/**
 * The two JSON encodings the in-toto reference implementation uses, so metadata signed by either tool
 * verifies in the other and files look the same:
 * - canonical JSON (securesystemslib `encode_canonical`): the bytes that are signed for classic
 *   link/layout metadata. Keys sorted by code point, no whitespace, only `"` and `\` escaped, strings
 *   otherwise raw UTF-8, integers only (a float is refused, as securesystemslib refuses it);
 * - Python's `json.dumps(…, sort_keys=True)` with `ensure_ascii`: how the reference writes files.
 */

function compareCodePoints(a: string, b: string): number {
  // Python sorts str by code point; JS compares UTF-16 units. They differ only where a surrogate (an
  // astral character) meets a unit of U+E000 or above: the surrogate's code point is the larger.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys && (xs ? y >= 0xe000 : x >= 0xe000)) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

const SURROGATE = /[\uD800-\uDFFF]/;

function sortedKeys(o: Record<string, unknown>): string[] {
  const keys = Object.keys(o);
  // Without surrogates, UTF-16 order is code-point order, and the built-in sort is much faster than a
  // comparator (links hold tens of thousands of artifact paths).
  return keys.some((k) => SURROGATE.test(k)) ? keys.sort(compareCodePoints) : keys.sort();
}

function canonicalString(s: string): string {
  if (!s.includes('\\') && !s.includes('"')) return `"${s}"`;
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function writeCanonical(value: unknown, out: string[]): void {
  if (value === null) out.push('null');
  else if (value === true) out.push('true');
  else if (value === false) out.push('false');
  else if (typeof value === 'string') out.push(canonicalString(value));
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new VouchError('INPUT_MALFORMED', `canonical JSON: ${value} is not an integer`, {
        hint: 'in-toto metadata holds integers only (securesystemslib refuses floats)',
      });
    }
    out.push(String(value));
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((v, i) => {
      if (i > 0) out.push(',');
      writeCanonical(v, out);
    });
    out.push(']');
  } else if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    out.push('{');
    sortedKeys(o).forEach((k, i) => {
      if (i > 0) out.push(',');
      out.push(canonicalString(k), ':');
      writeCanonical(o[k], out);
    });
    out.push('}');
  } else throw new VouchError('INPUT_MALFORMED', `canonical JSON: a ${typeof value} cannot be encoded`);
}

/** securesystemslib's canonical JSON of a value. @throws INPUT_MALFORMED for floats and non-JSON values */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  writeCanonical(value, out);
  return out.join('');
}

function pyString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || (c >= 0x7f && c <= 0xffff)) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else if (c > 0xffff) {
      // ensure_ascii writes astral characters as a surrogate pair.
      const v = c - 0x10000;
      out += `\\u${(0xd800 + (v >> 10)).toString(16)}\\u${(0xdc00 + (v & 0x3ff)).toString(16)}`;
    } else out += ch;
  }
  return `${out}"`;
}

/**
 * Python's `json.dumps(value, sort_keys=True, indent=…, separators=…)` with its defaults
 * (`ensure_ascii=True`; item separator ", " without indent, "," with it).
 */
export function pythonJsonDumps(value: unknown, opts: { indent?: number; compact?: boolean } = {}): string {
  const itemSep = opts.compact || opts.indent !== undefined ? ',' : ', ';
  const keySep = opts.compact ? ':' : ': ';
  const write = (v: unknown, depth: number): string => {
    if (v === null || v === undefined) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return String(v);
    if (typeof v === 'string') return pyString(v);
    const nl = opts.indent !== undefined ? `\n${' '.repeat(opts.indent * (depth + 1))}` : '';
    const close = opts.indent !== undefined ? `\n${' '.repeat(opts.indent * depth)}` : '';
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[${nl}${v.map((x) => write(x, depth + 1)).join(`${itemSep}${nl}`)}${close}]`;
    }
    const o = v as Record<string, unknown>;
    const keys = sortedKeys(o);
    if (keys.length === 0) return '{}';
    return `{${nl}${keys.map((k) => `${pyString(k)}${keySep}${write(o[k], depth + 1)}`).join(`${itemSep}${nl}`)}${close}}`;
  };
  return write(value, 0);
}
