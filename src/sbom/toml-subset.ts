/**
 * A bounded parser for the TOML subset lockfiles use (poetry.lock, uv.lock, Cargo.lock): tables,
 * arrays of tables, dotted and quoted keys, basic/literal/multi-line strings, integers, floats,
 * booleans, dates (kept as text), arrays and inline tables (toml.io/en/v1.0.0). No TOML package is
 * installed and these files need nothing more. Errors name the file and line.
 */
import { VouchError } from '../errors.js';

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

const MAX_DEPTH = 64;

class Parser {
  pos = 0;
  line = 1;
  constructor(
    readonly src: string,
    readonly path: string,
  ) {}

  fail(why: string): never {
    throw new VouchError('INPUT_MALFORMED', `${this.path}:${this.line}: ${why}`, {
      hint: 'the TOML is not valid; regenerate the lockfile with its tool',
    });
  }

  peek(): string {
    return this.src[this.pos] ?? '';
  }

  /** Skips spaces, tabs and comments; with `newlines` also line breaks. */
  skip(newlines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r') this.pos++;
      else if (c === '\n' && newlines) {
        this.pos++;
        this.line++;
      } else if (c === '#') {
        while (this.pos < this.src.length && this.peek() !== '\n') this.pos++;
      } else return;
    }
  }

  endOfLine(): void {
    this.skip(false);
    const c = this.peek();
    if (c === '') return;
    if (c !== '\n') this.fail(`unexpected "${c}" after a value`);
    this.pos++;
    this.line++;
  }

  key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skip(false);
      const c = this.peek();
      if (c === '"') parts.push(this.basicString());
      else if (c === "'") parts.push(this.literalString());
      else {
        const m = /^[A-Za-z0-9_-]+/.exec(this.src.slice(this.pos, this.pos + 256));
        if (!m) this.fail('expected a key');
        parts.push(m[0]);
        this.pos += m[0].length;
      }
      this.skip(false);
      if (this.peek() !== '.') return parts;
      this.pos++;
    }
  }

  basicString(): string {
    if (this.src.startsWith('"""', this.pos)) return this.multiline('"""', true);
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.peek();
      if (c === '' || c === '\n') this.fail('unterminated string');
      this.pos++;
      if (c === '"') return out;
      if (c === '\\') out += this.escape();
      else out += c;
    }
  }

  escape(): string {
    const c = this.peek();
    this.pos++;
    const simple: Record<string, string> = {
      b: '\b',
      t: '\t',
      n: '\n',
      f: '\f',
      r: '\r',
      '"': '"',
      '\\': '\\',
    };
    const s = simple[c];
    if (s !== undefined) return s;
    if (c === 'u' || c === 'U') {
      const n = c === 'u' ? 4 : 8;
      const hex = this.src.slice(this.pos, this.pos + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) this.fail('bad unicode escape');
      this.pos += n;
      const cp = Number.parseInt(hex, 16);
      if (cp > 0x10ffff) this.fail('unicode escape out of range');
      return String.fromCodePoint(cp);
    }
    return this.fail(`bad escape "\\${c}"`);
  }

  literalString(): string {
    if (this.src.startsWith("'''", this.pos)) return this.multiline("'''", false);
    const end = this.src.indexOf("'", this.pos + 1);
    const nl = this.src.indexOf('\n', this.pos + 1);
    if (end < 0 || (nl >= 0 && nl < end)) this.fail('unterminated string');
    const s = this.src.slice(this.pos + 1, end);
    this.pos = end + 1;
    return s;
  }

  multiline(delim: string, escapes: boolean): string {
    this.pos += 3;
    if (this.peek() === '\n') {
      this.pos++;
      this.line++;
    }
    let out = '';
    for (;;) {
      if (this.pos >= this.src.length) this.fail('unterminated multi-line string');
      if (this.src.startsWith(delim, this.pos)) {
        this.pos += 3;
        return out;
      }
      const c = this.peek();
      this.pos++;
      if (c === '\n') this.line++;
      if (escapes && c === '\\') {
        if (/^[ \t]*\r?\n/.test(this.src.slice(this.pos, this.pos + 64))) {
          // line-ending backslash: trim the newline and following whitespace
          while (/[\s]/.test(this.peek())) {
            if (this.peek() === '\n') this.line++;
            this.pos++;
          }
        } else out += this.escape();
      } else out += c;
    }
  }

  value(depth: number): TomlValue {
    if (depth > MAX_DEPTH) this.fail(`values nested deeper than ${MAX_DEPTH}`);
    this.skip(false);
    const c = this.peek();
    if (c === '"') return this.basicString();
    if (c === "'") return this.literalString();
    if (c === '[') return this.array(depth);
    if (c === '{') return this.inlineTable(depth);
    const m = /^[^\s,\]}#]+/.exec(this.src.slice(this.pos, this.pos + 128));
    if (!m) return this.fail('expected a value');
    const tok = m[0];
    this.pos += tok.length;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (/^[+-]?\d[\d_]*$/.test(tok)) return Number(tok.replace(/_/g, ''));
    if (/^[+-]?\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d+)?$/.test(tok)) return Number(tok.replace(/_/g, ''));
    if (/^\d{4}-\d{2}-\d{2}/.test(tok)) {
      // A date-time may hold one space between date and time.
      const rest = /^ \d{2}:\d{2}[^\s,\]}#]*/.exec(this.src.slice(this.pos, this.pos + 64));
      if (rest) {
        this.pos += rest[0].length;
        return tok + rest[0];
      }
      return tok;
    }
    // The rest of TOML 1.0's scalars: hex/octal/binary integers, inf/nan, local times (kept as text).
    if (/^0x[0-9A-Fa-f_]+$/.test(tok)) return Number.parseInt(tok.slice(2).replace(/_/g, ''), 16);
    if (/^0o[0-7_]+$/.test(tok)) return Number.parseInt(tok.slice(2).replace(/_/g, ''), 8);
    if (/^0b[01_]+$/.test(tok)) return Number.parseInt(tok.slice(2).replace(/_/g, ''), 2);
    if (/^[+-]?(?:inf|nan)$/.test(tok))
      return tok.endsWith('nan') ? Number.NaN : tok.startsWith('-') ? -Infinity : Infinity;
    if (/^\d{2}:\d{2}:\d{2}(?:\.\d+)?$/.test(tok)) return tok;
    return this.fail(`unsupported value "${tok.slice(0, 40)}"`);
  }

  array(depth: number): TomlValue[] {
    this.pos++;
    const out: TomlValue[] = [];
    for (;;) {
      this.skip(true);
      if (this.peek() === ']') {
        this.pos++;
        return out;
      }
      out.push(this.value(depth + 1));
      this.skip(true);
      const c = this.peek();
      if (c === ',') this.pos++;
      else if (c !== ']') this.fail('expected "," or "]" in an array');
    }
  }

  inlineTable(depth: number): TomlTable {
    this.pos++;
    const t: TomlTable = {};
    this.skip(false);
    if (this.peek() === '}') {
      this.pos++;
      return t;
    }
    for (;;) {
      const k = this.key();
      if (this.peek() !== '=') this.fail('expected "=" after a key');
      this.pos++;
      this.assign(t, k, this.value(depth + 1));
      this.skip(false);
      const c = this.peek();
      this.pos++;
      if (c === '}') return t;
      if (c !== ',') this.fail('expected "," or "}" in an inline table');
    }
  }

  assign(table: TomlTable, key: string[], v: TomlValue): void {
    let t = table;
    for (let i = 0; i < key.length - 1; i++) t = this.descend(t, key[i] ?? '', false);
    const last = key[key.length - 1] ?? '';
    if (Object.hasOwn(t, last)) this.fail(`duplicate key "${key.join('.')}"`);
    t[last] = v;
  }

  descend(t: TomlTable, k: string, intoLastArrayItem: boolean): TomlTable {
    if (k === '__proto__') this.fail('key "__proto__" is not allowed');
    const cur = t[k];
    if (cur === undefined) {
      const n: TomlTable = {};
      t[k] = n;
      return n;
    }
    if (Array.isArray(cur) && intoLastArrayItem) {
      const last = cur[cur.length - 1];
      if (typeof last === 'object' && last !== null && !Array.isArray(last)) return last;
    }
    if (typeof cur === 'object' && !Array.isArray(cur)) return cur;
    return this.fail(`key "${k}" is not a table`);
  }

  document(): TomlTable {
    const root: TomlTable = Object.create(null) as TomlTable;
    let current = root;
    for (;;) {
      this.skip(true);
      if (this.pos >= this.src.length) return root;
      if (this.src.startsWith('[[', this.pos)) {
        this.pos += 2;
        const k = this.key();
        if (!this.src.startsWith(']]', this.pos)) this.fail('expected "]]"');
        this.pos += 2;
        let t = root;
        for (let i = 0; i < k.length - 1; i++) t = this.descend(t, k[i] ?? '', true);
        const last = k[k.length - 1] ?? '';
        if (last === '__proto__') this.fail('key "__proto__" is not allowed');
        const arr = t[last] ?? [];
        if (!Array.isArray(arr)) this.fail(`key "${k.join('.')}" is not an array of tables`);
        const item: TomlTable = {};
        arr.push(item);
        t[last] = arr;
        current = item;
      } else if (this.peek() === '[') {
        this.pos++;
        const k = this.key();
        if (this.peek() !== ']') this.fail('expected "]"');
        this.pos++;
        let t = root;
        for (const part of k) t = this.descend(t, part, true);
        current = t;
      } else {
        const k = this.key();
        if (this.peek() !== '=') this.fail('expected "=" after a key');
        this.pos++;
        this.assign(current, k, this.value(0));
      }
      this.endOfLine();
    }
  }
}

/** Parses TOML text from `path`. @throws INPUT_MALFORMED naming the line */
export function parseToml(source: string, path: string): TomlTable {
  return new Parser(source, path).document();
}

/** A TOML table (not an array, not a scalar). */
export function isTomlTable(v: TomlValue | undefined): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `[[key]]` items that are tables. */
export function tablesAt(t: TomlTable, key: string): TomlTable[] {
  const v = t[key];
  return Array.isArray(v) ? v.filter(isTomlTable) : [];
}

/** The value when it is a string. */
export function tomlString(v: TomlValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
