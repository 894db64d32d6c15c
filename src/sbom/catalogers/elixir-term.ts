/**
 * A bounded reader for the Elixir literal terms mix.lock is written in (`%{"name": {:hex, :name,
 * "1.0.0", ...}}`): maps, tuples, lists, keyword pairs, strings, atoms and numbers. Nothing is evaluated;
 * anything else (function calls, sigils) is INPUT_MALFORMED. Nesting is capped so hostile input cannot
 * exhaust the stack.
 */
import { VouchError } from '../../errors.js';
import { lineAt } from '../parse-json.js';

export type Term =
  | { t: 'str'; v: string }
  | { t: 'atom'; v: string }
  | { t: 'num'; v: string }
  | { t: 'tuple'; items: Term[] }
  | { t: 'list'; items: Term[] }
  | { t: 'kw'; key: string; value: Term }
  | { t: 'map'; pairs: Array<[Term, Term]> };

const DEPTH_MAX = 64;

/** Parses one term (the whole text). @throws INPUT_MALFORMED naming the line */
export function parseElixirTerm(src: string, path: string): Term {
  let pos = 0;
  const fail = (why: string): never => {
    throw new VouchError('INPUT_MALFORMED', `${path}:${lineAt(src, pos)}: ${why}`, {
      hint: 'regenerate mix.lock with `mix deps.get`',
    });
  };
  const ws = (): void => {
    for (;;) {
      const c = src[pos];
      if (c === ' ' || c === '\n' || c === '\r' || c === '\t') pos++;
      else if (c === '#') while (pos < src.length && src[pos] !== '\n') pos++;
      else return;
    }
  };
  const string = (): string => {
    pos++; // opening quote
    let out = '';
    while (pos < src.length && src[pos] !== '"') {
      if (src[pos] === '\\') {
        out += src[pos + 1] ?? '';
        pos += 2;
      } else out += src[pos++];
    }
    if (src[pos] !== '"') fail('unterminated string');
    pos++;
    return out;
  };
  const ident = (): string => {
    const m = /^[A-Za-z_][A-Za-z0-9_@]*[?!]?/.exec(src.slice(pos, pos + 256));
    if (!m) return fail(`unexpected "${src.slice(pos, pos + 10)}"`);
    pos += m[0].length;
    return m[0];
  };
  /** `key:` keyword keys, in lists and maps: an identifier or a string right before `: `. */
  const keyword = (): string | undefined => {
    const save = pos;
    let key: string | undefined;
    if (src[pos] === '"') key = string();
    else if (/[A-Za-z_]/.test(src[pos] ?? '')) key = ident();
    if (key !== undefined && src[pos] === ':' && /\s/.test(src[pos + 1] ?? '')) {
      pos++;
      return key;
    }
    pos = save;
    return undefined;
  };
  const seq = (close: string, depth: number, allowKw: boolean): Term[] => {
    const items: Term[] = [];
    ws();
    while (src[pos] !== close) {
      if (pos >= src.length) fail(`missing "${close}"`);
      const k = allowKw ? keyword() : undefined;
      if (k !== undefined) {
        ws();
        items.push({ t: 'kw', key: k, value: term(depth + 1) });
      } else items.push(term(depth + 1));
      ws();
      if (src[pos] === ',') {
        pos++;
        ws();
      } else if (src[pos] !== close) fail(`expected "," or "${close}"`);
    }
    pos++;
    return items;
  };
  const term = (depth: number): Term => {
    if (depth > DEPTH_MAX) fail(`terms nested deeper than ${DEPTH_MAX}`);
    ws();
    const c = src[pos];
    if (c === '"') return { t: 'str', v: string() };
    if (c === ':') {
      pos++;
      return { t: 'atom', v: src[pos] === '"' ? string() : ident() };
    }
    if (c === '{') {
      pos++;
      return { t: 'tuple', items: seq('}', depth, false) };
    }
    if (c === '[') {
      pos++;
      return { t: 'list', items: seq(']', depth, true) };
    }
    if (c === '%' && src[pos + 1] === '{') {
      pos += 2;
      const pairs: Array<[Term, Term]> = [];
      for (const item of seq('}', depth, true)) {
        if (item.t === 'kw') pairs.push([{ t: 'str', v: item.key }, item.value]);
        else fail('map entries must be "key": value');
      }
      return { t: 'map', pairs };
    }
    if (c !== undefined && /[-0-9]/.test(c)) {
      const m = /^-?[0-9][0-9_.eE+-]*/.exec(src.slice(pos, pos + 64));
      pos += m?.[0].length ?? 1;
      return { t: 'num', v: m?.[0] ?? c };
    }
    const id = ident();
    if (id === 'true' || id === 'false' || id === 'nil') return { t: 'atom', v: id };
    return fail(`unexpected "${id}"`);
  };
  const out = term(0);
  ws();
  if (pos < src.length) fail('text after the lockfile map');
  return out;
}

/** A string or atom's text. */
export function termText(t: Term | undefined): string | undefined {
  return t && (t.t === 'str' || t.t === 'atom') ? t.v : undefined;
}

/** A keyword list's value for `key`. */
export function keywordValue(t: Term | undefined, key: string): Term | undefined {
  if (t?.t !== 'list') return undefined;
  for (const i of t.items) if (i.t === 'kw' && i.key === key) return i.value;
  return undefined;
}
