import { stringify } from 'yaml';

/**
 * A small renderer for the subset of Go text/template + Helm functions vouch's chart uses, so tests can
 * render deploy/charts/vouch without helm (Debian does not package it). Supported: text with `{{- -}}`
 * trimming, comments, `.Path.To.Field`, `$`, string/number/bool literals, pipelines with `|`, parenthesised
 * sub-expressions, `if`/`else if`/`else`/`end`, `define`/`include`, and the functions below. Anything
 * else is an error, so a template that drifts out of the subset fails the test instead of rendering wrong.
 */

type Value = unknown;
type Fn = (...args: Value[]) => Value;

interface Text {
  kind: 'text';
  text: string;
}
interface Action {
  kind: 'action';
  expr: string;
}
interface If {
  kind: 'if';
  branches: Array<{ cond: string | undefined; body: Node[] }>;
}
type Node = Text | Action | If;

interface Token {
  kind: 'text' | 'action';
  text: string;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ kind: 'text', text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    const close = src.indexOf('}}', open);
    if (close < 0) throw new Error(`unclosed action at ${open}`);
    let inner = src.slice(open + 2, close);
    if (inner.startsWith('-') && /\s/.test(inner[1] ?? '')) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    let trimRight = false;
    if (inner.endsWith('-') && /\s/.test(inner[inner.length - 2] ?? '')) {
      trimRight = true;
      inner = inner.slice(0, -1);
    }
    out.push({ kind: 'text', text });
    out.push({ kind: 'action', text: inner.trim() });
    i = close + 2;
    if (trimRight) while (i < src.length && /\s/.test(src[i] ?? '')) i += 1;
  }
  return out.filter((t) => t.kind === 'action' || t.text.length > 0);
}

function parse(tokens: Token[], defines: Map<string, Node[]>): Node[] {
  let pos = 0;
  const block = (stop: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++] as Token;
      if (t.kind === 'text') {
        nodes.push({ kind: 'text', text: t.text });
        continue;
      }
      const a = t.text;
      if (a.startsWith('/*')) continue;
      const word = a.split(/\s+/)[0] ?? '';
      if (stop.includes(word)) return { nodes, end: a };
      if (word === 'if') {
        const branches: If['branches'] = [];
        let cond: string | undefined = a.slice(2).trim();
        for (;;) {
          const b = block(['else', 'end']);
          branches.push({ cond, body: b.nodes });
          if (b.end === 'end') break;
          const rest = b.end.slice(4).trim();
          cond = rest.startsWith('if ') ? rest.slice(3).trim() : undefined;
          if (cond === undefined) {
            const last = block(['end']);
            branches.push({ cond: undefined, body: last.nodes });
            break;
          }
        }
        nodes.push({ kind: 'if', branches });
      } else if (word === 'define') {
        const name = JSON.parse(a.slice(6).trim()) as string;
        defines.set(name, block(['end']).nodes);
      } else if (['range', 'with', 'template', 'block'].includes(word)) {
        throw new Error(`unsupported action "${word}" (extend test/support/go-template.ts)`);
      } else {
        nodes.push({ kind: 'action', expr: a });
      }
    }
    if (stop.length > 0) throw new Error(`missing {{ end }} (expected one of ${stop.join(', ')})`);
    return { nodes, end: '' };
  };
  return block([]).nodes;
}

function truthy(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function str(v: Value): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function indent(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return s
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

export class GoTemplate {
  readonly #defines = new Map<string, Node[]>();
  readonly #fns: Record<string, Fn>;

  constructor() {
    this.#fns = {
      include: (name, ctx) => this.#renderNodes(this.#define(str(name)), ctx, ctx),
      toYaml: (v) => stringify(v, { lineWidth: 0 }).replace(/\n$/, ''),
      nindent: (n, s) => `\n${indent(Number(n), str(s))}`,
      indent: (n, s) => indent(Number(n), str(s)),
      quote: (s) => JSON.stringify(str(s)),
      default: (d, v) => (truthy(v) ? v : d),
      not: (v) => !truthy(v),
      eq: (a, b) => a === b,
      ne: (a, b) => a !== b,
      and: (...xs) => xs.every(truthy),
      or: (...xs) => xs.find(truthy) ?? xs.at(-1),
      trunc: (n, s) => str(s).slice(0, Number(n)),
      contains: (sub, s) => str(s).includes(str(sub)),
      trimSuffix: (suffix, s) =>
        str(s).endsWith(str(suffix)) ? str(s).slice(0, -str(suffix).length) : str(s),
      printf: (fmt, ...args) => {
        let i = 0;
        return str(fmt).replace(/%[sdv]/g, () => str(args[i++]));
      },
      b64enc: (s) => Buffer.from(str(s)).toString('base64'),
      required: (msg, v) => {
        if (!truthy(v)) throw new Error(str(msg));
        return v;
      },
    };
  }

  /** Adds a template file (e.g. _helpers.tpl): its defines become available to include. */
  load(src: string): Node[] {
    return parse(tokenize(src), this.#defines);
  }

  render(src: string, root: Value): string {
    return this.#renderNodes(this.load(src), root, root);
  }

  #define(name: string): Node[] {
    const d = this.#defines.get(name);
    if (d === undefined) throw new Error(`no template named "${name}"`);
    return d;
  }

  #renderNodes(nodes: Node[], dot: Value, root: Value): string {
    let out = '';
    for (const n of nodes) {
      if (n.kind === 'text') out += n.text;
      else if (n.kind === 'action') out += str(this.#eval(n.expr, dot, root));
      else {
        for (const b of n.branches) {
          if (b.cond === undefined || truthy(this.#eval(b.cond, dot, root))) {
            out += this.#renderNodes(b.body, dot, root);
            break;
          }
        }
      }
    }
    return out;
  }

  #eval(expr: string, dot: Value, root: Value): Value {
    const cmds = splitTop(expr, '|');
    let acc: Value;
    let first = true;
    for (const cmd of cmds) {
      const args = splitArgs(cmd.trim());
      const head = args[0];
      if (head === undefined) throw new Error(`empty command in "${expr}"`);
      const fn = this.#fns[head];
      if (fn !== undefined) {
        const vals = args.slice(1).map((a) => this.#term(a, dot, root));
        if (!first) vals.push(acc);
        acc = fn(...vals);
      } else {
        if (args.length > 1 || !first) throw new Error(`"${head}" is not a function in "${expr}"`);
        acc = this.#term(head, dot, root);
      }
      first = false;
    }
    return acc;
  }

  #term(t: string, dot: Value, root: Value): Value {
    if (t.startsWith('(') && t.endsWith(')')) return this.#eval(t.slice(1, -1), dot, root);
    if (t.startsWith('"')) return JSON.parse(t) as string;
    if (/^-?\d+$/.test(t)) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === '.') return dot;
    if (t === '$') return root;
    if (t.startsWith('.') || t.startsWith('$.')) {
      let v: Value = t.startsWith('$') ? root : dot;
      for (const key of t.replace(/^\$/, '').split('.').slice(1)) {
        v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
      }
      return v;
    }
    throw new Error(`unsupported term "${t}"`);
  }
}

function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inStr = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (inStr) {
      cur += c;
      if (c === '\\') cur += s[++i] ?? '';
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    if (c === '(') depth += 1;
    if (c === ')') depth -= 1;
    if (c === sep && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function splitArgs(s: string): string[] {
  return splitTop(s.replace(/[\t\n]/g, ' '), ' ').filter((a) => a.length > 0);
}
