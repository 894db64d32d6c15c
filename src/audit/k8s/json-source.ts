/**
 * A fast path for JSON manifests (`kubectl get -A -o json` of a whole cluster): one pass that builds the
 * value and remembers where each key and value starts and ends, so findings keep their line and column
 * without the YAML composer's cost (several times slower on large exports). Anything this strict JSON
 * reader does not accept (YAML flow style, comments, duplicate keys) returns undefined and the caller
 * parses the text as YAML, which reports errors with their positions.
 */
import type { Located, Position, SourceDocument } from '../yaml-source.js';
import type { FieldPath } from './pss/pod-view.js';

interface Span {
  readonly start: number;
  readonly end: number;
}
interface PosNode extends Span {
  /** Object members: key span and value node; array items: value nodes. */
  readonly members?: ReadonlyMap<string, { key: Span; value: PosNode }>;
  readonly items?: readonly PosNode[];
}

class Reader {
  i = 0;
  constructor(readonly s: string) {}

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.i = i;
  }

  fail(): never {
    throw new SyntaxError(`not strict JSON at offset ${this.i}`);
  }

  value(depth: number): { v: unknown; n: PosNode } {
    if (depth > 512) this.fail();
    this.ws();
    const start = this.i;
    const c = this.s[this.i];
    if (c === '{') return this.object(start, depth);
    if (c === '[') return this.array(start, depth);
    if (c === '"') {
      const v = this.string();
      return { v, n: { start, end: this.i } };
    }
    const m = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null/y;
    m.lastIndex = this.i;
    const hit = m.exec(this.s);
    if (!hit) this.fail();
    this.i += hit[0].length;
    const t = hit[0];
    const v = t === 'true' ? true : t === 'false' ? false : t === 'null' ? null : Number(t);
    return { v, n: { start, end: this.i } };
  }

  string(): string {
    const s = this.s;
    let i = this.i + 1;
    let escaped = false;
    for (;;) {
      const c = s.charCodeAt(i);
      if (Number.isNaN(c) || c < 0x20) this.fail();
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i += 2;
      } else i++;
    }
    const raw = s.slice(this.i, i + 1);
    this.i = i + 1;
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  object(start: number, depth: number): { v: unknown; n: PosNode } {
    this.i++;
    const v: Record<string, unknown> = {};
    const members = new Map<string, { key: Span; value: PosNode }>();
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return { v, n: { start, end: this.i, members } };
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail();
      const keyStart = this.i;
      const k = this.string();
      const key = { start: keyStart, end: this.i };
      this.ws();
      if (this.s[this.i] !== ':') this.fail();
      this.i++;
      const item = this.value(depth + 1);
      // Duplicate keys: let the YAML reader refuse them with their position.
      if (members.has(k)) this.fail();
      Object.defineProperty(v, k, { value: item.v, enumerable: true, writable: true, configurable: true });
      members.set(k, { key, value: item.n });
      this.ws();
      const c = this.s[this.i];
      this.i++;
      if (c === '}') break;
      if (c !== ',') this.fail();
    }
    return { v, n: { start, end: this.i, members } };
  }

  array(start: number, depth: number): { v: unknown; n: PosNode } {
    this.i++;
    const v: unknown[] = [];
    const items: PosNode[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return { v, n: { start, end: this.i, items } };
    }
    for (;;) {
      const item = this.value(depth + 1);
      v.push(item.v);
      items.push(item.n);
      this.ws();
      const c = this.s[this.i];
      this.i++;
      if (c === ']') break;
      if (c !== ',') this.fail();
    }
    return { v, n: { start, end: this.i, items } };
  }
}

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

/**
 * Parses a JSON manifest with positions; undefined when the text is not strict JSON (then parse it as
 * YAML). Sizes are checked by the caller, as for YAML.
 */
export function parseJsonSource(text: string): SourceDocument[] | undefined {
  const r = new Reader(text);
  let root: { v: unknown; n: PosNode };
  try {
    root = r.value(0);
    r.ws();
    if (r.i !== text.length) return undefined;
  } catch {
    // Not strict JSON: the YAML reader decides, and reports any error with its position.
    return undefined;
  }
  const starts = lineStarts(text);
  const at = (offset: number): Position => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1, offset };
  };
  const located = (s: Span): Located => ({ start: at(s.start), end: at(s.end) });
  const locate = (path: FieldPath, opts?: { key?: boolean }): Located => {
    let node = root.n;
    let keySpan: Span | undefined;
    let resolved = 0;
    for (const step of path) {
      const member = typeof step === 'string' ? node.members?.get(step) : undefined;
      const item = typeof step === 'number' ? node.items?.[step] : undefined;
      if (member) {
        keySpan = member.key;
        node = member.value;
      } else if (item) {
        keySpan = undefined;
        node = item;
      } else break;
      resolved += 1;
    }
    if ((opts?.key === true || resolved < path.length) && keySpan) return located(keySpan);
    return located(node);
  };
  if (root.v === null) return [];
  return [{ index: 0, value: root.v, locate }];
}
