import { compileGoRegexp, type LinearRegexp } from '../go-regexp.js';
import type { CueCompiled, CueEngine, CueResult } from './evaluator.js';

/**
 * A small, faithful CUE evaluator for the shapes attestation policies use: nested struct field
 * constraints (`a: b: c: 0`, `a: { b: 1 }`), repeated fields (unified), basic types (`int`, `string`,
 * `_`), bounds (`<`, `<=`, `>`, `>=`, `!=`, `=~`, `!~`), conjunctions (`&`), lists including open lists
 * (`[_, ...]`), references to top-level fields, and `import "time"` with `time.Parse(time.RFC3339, …)`,
 * duration constants and arithmetic. Anything else compiles to `unsupported`, and an unsupported
 * policy never passes: fail closed.
 *
 * `time.Now()` is NOT part of CUE (the language is hermetic; `cue vet` says "cannot call non-function
 * time.Now"). This evaluator binds it to the evaluation's injected `now` so "scanned < 24 h ago" can be
 * written, and lint flags it as vouch-only.
 */
export const cueSubset: CueEngine = {
  name: 'vouch-cue-subset',
  compile: compileCue,
};

const SOURCE_MAX_CHARS = 64 * 1024;
const DEPTH_MAX = 64;

type Tok =
  | { t: 'ident'; v: string; line: number }
  | { t: 'string'; v: string; line: number }
  | { t: 'number'; v: number; line: number }
  | { t: 'punct'; v: string; line: number }
  | { t: 'nl'; line: number }
  | { t: 'eof'; line: number };

class CueFail extends Error {
  constructor(
    readonly kind: 'syntax' | 'unsupported',
    message: string,
  ) {
    super(message);
  }
}

const PUNCT = [
  '...',
  '<=',
  '>=',
  '!=',
  '==',
  '=~',
  '!~',
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  ':',
  ',',
  '.',
  '&',
  '|',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '=',
  '?',
  '!',
];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let line = 1;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '\n') {
      out.push({ t: 'nl', line });
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '#') {
      if (/[A-Za-z_]/.test(src[i + 1] ?? ''))
        throw new CueFail('unsupported', `line ${line}: definitions (#Name) are not supported`);
      throw new CueFail(
        'syntax',
        `line ${line}: "#" does not start a comment in CUE; comments start with //`,
      );
    } else if (c === '"') {
      if (src.startsWith('"""', i))
        throw new CueFail('unsupported', `line ${line}: multi-line strings are not supported`);
      let j = i + 1;
      let raw = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\n') throw new CueFail('syntax', `line ${line}: string not terminated`);
        if (src[j] === '\\') {
          if (src[j + 1] === '(')
            throw new CueFail('unsupported', `line ${line}: string interpolation is not supported`);
          raw += src.slice(j, j + 2);
          j += 2;
        } else raw += src[j++];
      }
      if (j >= src.length) throw new CueFail('syntax', `line ${line}: string not terminated`);
      let v: string;
      try {
        v = JSON.parse(`"${raw}"`) as string;
      } catch {
        throw new CueFail('syntax', `line ${line}: bad escape in string`);
      }
      out.push({ t: 'string', v, line });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      out.push({ t: 'number', v: Number(text), line });
      i += text.length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      out.push({ t: 'ident', v: text, line });
      i += text.length;
    } else {
      const p = PUNCT.find((x) => src.startsWith(x, i));
      if (!p) throw new CueFail('syntax', `line ${line}: unexpected character "${c}"`);
      out.push({ t: 'punct', v: p, line });
      i += p.length;
    }
  }
  out.push({ t: 'eof', line });
  return out;
}

// The value lattice of the subset.
type Scalar = number | string | boolean | null;
type Val =
  | { k: 'top' }
  | { k: 'type'; type: 'int' | 'number' | 'float' | 'string' | 'bool' | 'null' }
  | { k: 'concrete'; v: Scalar }
  | { k: 'bound'; op: '<' | '<=' | '>' | '>=' | '!=' | '=~' | '!~'; v: Scalar; re?: LinearRegexp }
  | { k: 'and'; parts: Val[] }
  | { k: 'struct'; fields: Map<string, Val[]> }
  | { k: 'list'; elems: Val[]; tail?: Val };

type Expr =
  | { e: 'val'; v: Val }
  | { e: 'ref'; name: string; line: number }
  | { e: 'num'; n: Expr; op: '+' | '-' | '*' | '/'; m: Expr }
  | { e: 'neg'; x: Expr }
  | { e: 'call'; fn: string; args: Expr[]; line: number }
  | { e: 'method'; recv: Expr; name: string; args: Expr[]; line: number }
  | { e: 'sel'; pkg: string; name: string; line: number }
  | { e: 'bound'; op: Extract<Val, { k: 'bound' }>['op']; x: Expr; line: number }
  | { e: 'and'; parts: Expr[] }
  | { e: 'struct'; decls: [string, Expr][] }
  | { e: 'list'; elems: Expr[]; tail?: Expr };

class Parser {
  private i = 0;
  imports = new Set<string>();
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i] as Tok;
  }
  private next(): Tok {
    return this.toks[this.i++] as Tok;
  }
  private isPunct(v: string): boolean {
    const t = this.peek();
    return t.t === 'punct' && t.v === v;
  }
  private expectPunct(v: string): void {
    const t = this.next();
    if (t.t !== 'punct' || t.v !== v)
      throw new CueFail('syntax', `line ${t.line}: expected "${v}", found ${show(t)}`);
  }
  private skipNl(): void {
    while (this.peek().t === 'nl' || this.isPunct(',')) this.i++;
  }

  file(): [string, Expr][] {
    this.skipNl();
    while (this.peek().t === 'ident' && (this.peek() as { v: string }).v === 'import') {
      this.next();
      if (this.isPunct('(')) {
        this.next();
        this.skipNl();
        while (!this.isPunct(')')) {
          this.importSpec();
          this.skipNl();
        }
        this.next();
      } else this.importSpec();
      this.skipNl();
    }
    if (this.peek().t === 'ident' && (this.peek() as { v: string }).v === 'package') {
      this.next();
      const n = this.next();
      if (n.t !== 'ident') throw new CueFail('syntax', `line ${n.line}: expected package name`);
      this.skipNl();
    }
    const decls = this.decls('eof', 0);
    return decls;
  }

  private importSpec(): void {
    const t = this.next();
    if (t.t !== 'string') throw new CueFail('syntax', `line ${t.line}: expected import path string`);
    if (t.v !== 'time')
      throw new CueFail('unsupported', `line ${t.line}: import "${t.v}" is not supported (only "time")`);
    this.imports.add(t.v);
  }

  private decls(end: '}' | 'eof', depth: number): [string, Expr][] {
    const out: [string, Expr][] = [];
    this.skipNl();
    while (!(end === 'eof' ? this.peek().t === 'eof' : this.isPunct('}'))) {
      if (this.peek().t === 'eof') throw new CueFail('syntax', `line ${this.peek().line}: missing "}"`);
      out.push(this.field(depth));
      const t = this.peek();
      if (
        !(t.t === 'nl' || (t.t === 'punct' && (t.v === ',' || (end === '}' && t.v === '}'))) || t.t === 'eof')
      ) {
        throw new CueFail(
          'syntax',
          `line ${t.line}: expected a new line or "," after a field, found ${show(t)}`,
        );
      }
      this.skipNl();
    }
    return out;
  }

  private label(): string {
    const t = this.next();
    if (t.t === 'ident' || t.t === 'string') {
      if (t.t === 'ident' && t.v.startsWith('_'))
        throw new CueFail('unsupported', `line ${t.line}: hidden fields are not supported`);
      return t.v;
    }
    if (t.t === 'punct' && (t.v === '[' || t.v === '(')) {
      throw new CueFail('unsupported', `line ${t.line}: pattern or dynamic labels are not supported`);
    }
    throw new CueFail('syntax', `line ${t.line}: expected label or ':', found ${show(t)}`);
  }

  private field(depth: number): [string, Expr] {
    if (depth > DEPTH_MAX) throw new CueFail('unsupported', 'policy nests too deeply');
    const name = this.label();
    if (this.isPunct('?') || this.isPunct('!')) {
      throw new CueFail(
        'unsupported',
        `line ${this.peek().line}: optional/required field markers are not supported`,
      );
    }
    const colon = this.next();
    if (colon.t !== 'punct' || colon.v !== ':') {
      throw new CueFail('syntax', `line ${colon.line}: expected label or ':', found ${show(colon)}`);
    }
    // `a: b: c: x` is shorthand for `a: { b: { c: x } }`.
    const save = this.i;
    const t1 = this.next();
    const t2 = this.peek();
    if ((t1.t === 'ident' || t1.t === 'string') && t2.t === 'punct' && t2.v === ':') {
      this.i = save;
      const inner = this.field(depth + 1);
      return [name, { e: 'struct', decls: [inner] }];
    }
    this.i = save;
    return [name, this.expr(depth + 1)];
  }

  private expr(depth: number): Expr {
    const parts = [this.unary(depth)];
    while (this.isPunct('&')) {
      this.next();
      parts.push(this.unary(depth));
    }
    if (this.isPunct('|'))
      throw new CueFail('unsupported', `line ${this.peek().line}: disjunctions (|) are not supported`);
    return parts.length === 1 ? (parts[0] as Expr) : { e: 'and', parts };
  }

  private unary(depth: number): Expr {
    const t = this.peek();
    if (t.t === 'punct' && ['<', '<=', '>', '>=', '!=', '=~', '!~'].includes(t.v)) {
      this.next();
      return { e: 'bound', op: t.v as Extract<Val, { k: 'bound' }>['op'], x: this.sum(depth), line: t.line };
    }
    if (t.t === 'punct' && t.v === '*')
      throw new CueFail('unsupported', `line ${t.line}: default values (*) are not supported`);
    return this.sum(depth);
  }

  private sum(depth: number): Expr {
    let left = this.product(depth);
    while (this.isPunct('+') || this.isPunct('-')) {
      const op = (this.next() as { v: '+' | '-' }).v;
      left = { e: 'num', n: left, op, m: this.product(depth) };
    }
    return left;
  }

  private product(depth: number): Expr {
    let left = this.primary(depth);
    while (this.isPunct('*') || this.isPunct('/')) {
      const op = (this.next() as { v: '*' | '/' }).v;
      left = { e: 'num', n: left, op, m: this.primary(depth) };
    }
    return left;
  }

  private args(depth: number): Expr[] {
    this.expectPunct('(');
    const args: Expr[] = [];
    while (!this.isPunct(')')) {
      args.push(this.expr(depth));
      if (this.isPunct(',')) this.next();
      else if (!this.isPunct(')'))
        throw new CueFail('syntax', `line ${this.peek().line}: expected "," or ")"`);
    }
    this.next();
    return args;
  }

  private primary(depth: number): Expr {
    if (depth > DEPTH_MAX) throw new CueFail('unsupported', 'policy nests too deeply');
    const t = this.next();
    if (t.t === 'punct' && t.v === '-') return { e: 'neg', x: this.primary(depth + 1) };
    if (t.t === 'punct' && t.v === '(') {
      const x = this.expr(depth + 1);
      this.expectPunct(')');
      return x;
    }
    if (t.t === 'string') return { e: 'val', v: { k: 'concrete', v: t.v } };
    if (t.t === 'number') return { e: 'val', v: { k: 'concrete', v: t.v } };
    if (t.t === 'punct' && t.v === '{') {
      const decls = this.decls('}', depth + 1);
      this.expectPunct('}');
      return { e: 'struct', decls };
    }
    if (t.t === 'punct' && t.v === '[') {
      const elems: Expr[] = [];
      let tail: Expr | undefined;
      while (this.peek().t === 'nl') this.next();
      while (!this.isPunct(']')) {
        if (this.isPunct('...')) {
          this.next();
          tail =
            this.isPunct(']') || this.peek().t === 'nl'
              ? { e: 'val', v: { k: 'top' } }
              : this.expr(depth + 1);
          while (this.peek().t === 'nl' || this.isPunct(',')) this.next();
          if (!this.isPunct(']'))
            throw new CueFail('syntax', `line ${this.peek().line}: "..." must end a list`);
          break;
        }
        elems.push(this.expr(depth + 1));
        while (this.peek().t === 'nl') this.next();
        if (this.isPunct(',')) this.next();
        else if (!this.isPunct(']'))
          throw new CueFail('syntax', `line ${this.peek().line}: expected "," or "]" in list`);
        while (this.peek().t === 'nl') this.next();
      }
      this.next();
      return tail ? { e: 'list', elems, tail } : { e: 'list', elems };
    }
    if (t.t === 'ident') {
      switch (t.v) {
        case '_':
          return { e: 'val', v: { k: 'top' } };
        case 'true':
        case 'false':
          return { e: 'val', v: { k: 'concrete', v: t.v === 'true' } };
        case 'null':
          return { e: 'val', v: { k: 'concrete', v: null } };
        case 'int':
        case 'number':
        case 'float':
        case 'string':
        case 'bool':
          return { e: 'val', v: { k: 'type', type: t.v } };
        case 'for':
        case 'if':
        case 'let':
          throw new CueFail(
            'unsupported',
            `line ${t.line}: "${t.v}" comprehensions/clauses are not supported`,
          );
      }
      let x: Expr = { e: 'ref', name: t.v, line: t.line };
      while (this.isPunct('.') || this.isPunct('(')) {
        if (this.isPunct('.')) {
          this.next();
          const n = this.next();
          if (n.t !== 'ident') throw new CueFail('syntax', `line ${n.line}: expected a name after "."`);
          if (this.isPunct('(')) {
            const args = this.args(depth + 1);
            x =
              x.e === 'ref'
                ? { e: 'call', fn: `${x.name}.${n.v}`, args, line: n.line }
                : { e: 'method', recv: x, name: n.v, args, line: n.line };
          } else if (x.e === 'ref') x = { e: 'sel', pkg: x.name, name: n.v, line: n.line };
          else throw new CueFail('unsupported', `line ${n.line}: field selection on values is not supported`);
        } else {
          throw new CueFail('unsupported', `line ${t.line}: calling "${t.v}" is not supported`);
        }
      }
      return x;
    }
    throw new CueFail('syntax', `line ${t.line}: unexpected ${show(t)}`);
  }
}

function show(t: Tok): string {
  switch (t.t) {
    case 'nl':
      return 'new line';
    case 'eof':
      return 'end of policy';
    case 'string':
      return `string "${t.v}"`;
    default:
      return `"${String(t.v)}"`;
  }
}

const DURATIONS: Record<string, number> = {
  Nanosecond: 1,
  Microsecond: 1e3,
  Millisecond: 1e6,
  Second: 1e9,
  Minute: 60e9,
  Hour: 3600e9,
};

// A time.Time in CUE is its RFC 3339 text (time.Parse returns t.UTC().Format(RFC3339Nano)).
type Dyn = Val | { k: 'time'; ms: number };

function rfc3339(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.000Z$/, 'Z')
    .replace(/(\.\d*?)0+Z$/, '$1Z');
}

/** Builds the evaluator for one compiled file; `now` is late-bound so one compile serves many checks. */
function lower(decls: [string, Expr][], imports: Set<string>): (now: Date) => Val {
  return (now: Date) => {
    const top = new Map<string, Expr[]>();
    for (const [k, x] of decls) top.set(k, [...(top.get(k) ?? []), x]);
    const resolving = new Set<string>();
    const ev = (x: Expr): Dyn => {
      switch (x.e) {
        case 'val':
          return x.v;
        case 'ref': {
          const defs = top.get(x.name);
          if (!defs) throw new CueFail('syntax', `line ${x.line}: reference "${x.name}" not found`);
          if (resolving.has(x.name))
            throw new CueFail('unsupported', `line ${x.line}: cyclic reference "${x.name}"`);
          resolving.add(x.name);
          const vals = defs.map(ev);
          resolving.delete(x.name);
          if (vals.length === 1) return vals[0] as Dyn;
          return { k: 'and', parts: vals.map(asVal) };
        }
        case 'sel':
          if (x.pkg !== 'time') throw new CueFail('syntax', `line ${x.line}: reference "${x.pkg}" not found`);
          if (!imports.has('time'))
            throw new CueFail('syntax', `line ${x.line}: reference "time" not found (import "time")`);
          if (x.name in DURATIONS) return { k: 'concrete', v: DURATIONS[x.name] as number };
          if (x.name === 'RFC3339' || x.name === 'RFC3339Nano')
            return { k: 'concrete', v: '2006-01-02T15:04:05Z07:00' };
          throw new CueFail('unsupported', `line ${x.line}: time.${x.name} is not supported`);
        case 'call': {
          if (!x.fn.startsWith('time.'))
            throw new CueFail('syntax', `line ${x.line}: reference "${x.fn.split('.')[0]}" not found`);
          if (!imports.has('time'))
            throw new CueFail('syntax', `line ${x.line}: reference "time" not found (import "time")`);
          if (x.fn === 'time.Now' && x.args.length === 0) return { k: 'time', ms: now.getTime() };
          if (x.fn === 'time.Parse' && x.args.length === 2) {
            const layout = scalarOf(ev(x.args[0] as Expr), x.line);
            const value = scalarOf(ev(x.args[1] as Expr), x.line);
            if (layout !== '2006-01-02T15:04:05Z07:00')
              throw new CueFail('unsupported', `line ${x.line}: only time.RFC3339 layouts are supported`);
            if (
              typeof value !== 'string' ||
              !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) ||
              Number.isNaN(Date.parse(value))
            ) {
              throw new CueFail(
                'syntax',
                `line ${x.line}: time.Parse: cannot parse ${JSON.stringify(value)} as RFC 3339`,
              );
            }
            return { k: 'concrete', v: rfc3339(Date.parse(value)) };
          }
          throw new CueFail('unsupported', `line ${x.line}: ${x.fn}() is not supported`);
        }
        case 'method': {
          const recv = ev(x.recv);
          if (recv.k === 'time' && x.name === 'Add' && x.args.length === 1) {
            const d = scalarOf(ev(x.args[0] as Expr), x.line);
            if (typeof d !== 'number') throw new CueFail('syntax', `line ${x.line}: Add needs a duration`);
            return { k: 'time', ms: recv.ms + d / 1e6 };
          }
          throw new CueFail('unsupported', `line ${x.line}: method ${x.name}() is not supported`);
        }
        case 'num': {
          const a = scalarOf(ev(x.n), 0);
          const b = scalarOf(ev(x.m), 0);
          if (typeof a !== 'number' || typeof b !== 'number')
            throw new CueFail('unsupported', 'arithmetic on non-numbers is not supported');
          return {
            k: 'concrete',
            v: x.op === '+' ? a + b : x.op === '-' ? a - b : x.op === '*' ? a * b : a / b,
          };
        }
        case 'neg': {
          const a = scalarOf(ev(x.x), 0);
          if (typeof a !== 'number') throw new CueFail('syntax', 'unary minus needs a number');
          return { k: 'concrete', v: -a };
        }
        case 'bound': {
          const v = scalarOf(ev(x.x), x.line);
          if (x.op === '=~' || x.op === '!~') {
            if (typeof v !== 'string')
              throw new CueFail('syntax', `line ${x.line}: ${x.op} needs a string pattern`);
            const c = compileGoRegexp(v);
            if (!c.ok) throw new CueFail('syntax', `line ${x.line}: invalid regexp: ${c.error}`);
            return { k: 'bound', op: x.op, v, re: c.re };
          }
          return { k: 'bound', op: x.op, v };
        }
        case 'and':
          return { k: 'and', parts: x.parts.map((p) => asVal(ev(p))) };
        case 'struct': {
          const fields = new Map<string, Val[]>();
          for (const [k, d] of x.decls) fields.set(k, [...(fields.get(k) ?? []), asVal(ev(d))]);
          return { k: 'struct', fields };
        }
        case 'list':
          return x.tail
            ? { k: 'list', elems: x.elems.map((p) => asVal(ev(p))), tail: asVal(ev(x.tail)) }
            : { k: 'list', elems: x.elems.map((p) => asVal(ev(p))) };
      }
    };
    const fields = new Map<string, Val[]>();
    for (const [k, defs] of top)
      fields.set(
        k,
        defs.map((d) => asVal(ev(d))),
      );
    return { k: 'struct', fields };
  };
}

function asVal(d: Dyn): Val {
  return d.k === 'time' ? { k: 'concrete', v: rfc3339(d.ms) } : d;
}

function scalarOf(d: Dyn, line: number): Scalar {
  const v = asVal(d);
  if (v.k !== 'concrete') throw new CueFail('unsupported', `line ${line}: a concrete value is needed here`);
  return v.v;
}

const MISSING = Symbol('missing');

/**
 * Where a check is in the input, as a linked list: the dotted path string is built only for a
 * violation, never on the passing path an admission takes for every container.
 */
type PathNode = { readonly parent: PathNode | undefined; readonly key: string | number } | undefined;

function pathText(p: PathNode): string {
  if (p === undefined) return '(root)';
  const keys: (string | number)[] = [];
  for (let n: PathNode = p; n !== undefined; n = n.parent) keys.push(n.key);
  return keys.reverse().join('.');
}

function showValue(x: unknown): string {
  return JSON.stringify(x)?.slice(0, 60) ?? String(x);
}

// A field written several times is the conjunction of its definitions; built once per definition list.
const conjunctions = new WeakMap<readonly Val[], Val>();

function conjunction(defs: readonly Val[]): Val {
  if (defs.length === 1) return defs[0] as Val;
  let v = conjunctions.get(defs);
  if (v === undefined) {
    v = { k: 'and', parts: defs as Val[] };
    conjunctions.set(defs, v);
  }
  return v;
}

function check(v: Val, data: unknown, path: PathNode, errs: string[]): void {
  switch (v.k) {
    case 'top':
      if (data === MISSING)
        errs.push(`${pathText(path)}: incomplete value _ (field missing from the attestation)`);
      return;
    case 'type':
      if (data === MISSING)
        errs.push(`${pathText(path)}: incomplete value ${v.type} (field missing from the attestation)`);
      else if (!typeOk(v.type, data))
        errs.push(`${pathText(path)}: conflicting values ${v.type} and ${showValue(data)}`);
      return;
    case 'concrete':
      if (data !== MISSING && data !== v.v)
        errs.push(`${pathText(path)}: conflicting values ${showValue(v.v)} and ${showValue(data)}`);
      return;
    case 'bound': {
      if (data === MISSING) {
        errs.push(
          `${pathText(path)}: incomplete value ${v.op}${showValue(v.v)} (field missing from the attestation)`,
        );
        return;
      }
      if (!boundOk(v, data))
        errs.push(
          `${pathText(path)}: invalid value ${showValue(data)} (out of bound ${v.op}${showValue(v.v)})`,
        );
      return;
    }
    case 'and': {
      if (data === MISSING) {
        let first: Val | undefined;
        for (const p of v.parts) {
          if (p.k !== 'concrete') continue;
          if (first === undefined) first = p;
          else if (first.k === 'concrete' && p.v !== first.v) {
            errs.push(`${pathText(path)}: conflicting values in the policy itself`);
            return;
          }
        }
        if (first !== undefined && first.k === 'concrete') {
          // A concrete value fills the field; remaining constraints are checked against it.
          for (const p of v.parts) check(p, first.v, path, errs);
          return;
        }
      }
      for (const p of v.parts) check(p, data, path, errs);
      return;
    }
    case 'struct': {
      if (data !== MISSING && (typeof data !== 'object' || data === null || Array.isArray(data))) {
        errs.push(`${pathText(path)}: conflicting values struct and ${showValue(data)}`);
        return;
      }
      for (const [k, defs] of v.fields) {
        const sub =
          data === MISSING
            ? MISSING
            : Object.hasOwn(data as object, k)
              ? (data as Record<string, unknown>)[k]
              : MISSING;
        check(conjunction(defs), sub, { parent: path, key: k }, errs);
      }
      return;
    }
    case 'list': {
      if (data === MISSING) {
        if (v.tail)
          errs.push(`${pathText(path)}: incomplete value (open list; field missing from the attestation)`);
        else
          for (let i = 0; i < v.elems.length; i++)
            check(v.elems[i] as Val, MISSING, { parent: path, key: i }, errs);
        return;
      }
      if (!Array.isArray(data)) {
        errs.push(`${pathText(path)}: conflicting values list and ${showValue(data)}`);
        return;
      }
      if (v.tail ? data.length < v.elems.length : data.length !== v.elems.length) {
        errs.push(
          `${pathText(path)}: incompatible list lengths (${data.length} and ${v.elems.length}${v.tail ? ' or more' : ''})`,
        );
        return;
      }
      for (let i = 0; i < data.length; i++) {
        const e = v.elems[i] ?? v.tail;
        if (e) check(e, data[i], { parent: path, key: i }, errs);
      }
      return;
    }
  }
}

function typeOk(t: Extract<Val, { k: 'type' }>['type'], d: unknown): boolean {
  switch (t) {
    case 'int':
      return typeof d === 'number' && Number.isInteger(d);
    case 'number':
      return typeof d === 'number';
    case 'float':
      // JSON `3` is an int to CUE, `3.5` a float (a parsed `3.0` is indistinguishable from 3).
      return typeof d === 'number' && !Number.isInteger(d);
    case 'string':
      return typeof d === 'string';
    case 'bool':
      return typeof d === 'boolean';
    case 'null':
      return d === null;
  }
}

function boundOk(b: Extract<Val, { k: 'bound' }>, d: unknown): boolean {
  if (b.op === '!=') return d !== b.v;
  if (b.op === '=~' || b.op === '!~')
    return typeof d === 'string' && b.re !== undefined && b.re.test(d) === (b.op === '=~');
  // CUE orders numbers with numbers and strings with strings (bytewise); anything else is a conflict.
  if (typeof d === 'number' && typeof b.v === 'number') return cmp(d, b.v, b.op);
  if (typeof d === 'string' && typeof b.v === 'string') return cmp(d < b.v ? -1 : d > b.v ? 1 : 0, 0, b.op);
  return false;
}

function cmp(a: number, b: number, op: '<' | '<=' | '>' | '>='): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

const PASSED: CueResult = Object.freeze({ ok: true });

function compileCue(source: string): CueCompiled {
  if (source.length > SOURCE_MAX_CHARS)
    return { ok: false, kind: 'unsupported', message: `policy longer than ${SOURCE_MAX_CHARS} characters` };
  let build: (now: Date) => Val;
  try {
    const p = new Parser(tokenize(source));
    const decls = p.file();
    build = lower(decls, p.imports);
    // Evaluate once at compile time so reference and call errors surface now, not at admission, and
    // so do conflicts within the policy itself (real CUE refuses `a: 1` with `a: 2` when compiling).
    const conflict = selfConflict([build(new Date(0))], undefined);
    if (conflict !== undefined) throw new CueFail('syntax', conflict);
  } catch (e) {
    if (e instanceof CueFail) return { ok: false, kind: e.kind, message: e.message };
    throw e;
  }
  // Only time.Now() depends on `now`: without it the value is built once; with it, once per `now`.
  const timeDependent = usesTimeNow(source);
  let cached: { at: number; value: Val } | undefined;
  return {
    ok: true,
    check(input: unknown, now: Date): CueResult {
      let value: Val;
      try {
        const at = timeDependent ? now.getTime() : 0;
        if (cached === undefined || cached.at !== at) cached = { at, value: build(now) };
        value = cached.value;
      } catch (e) {
        if (e instanceof CueFail) return { ok: false, kind: 'unsupported', message: e.message };
        throw e;
      }
      const errs: string[] = [];
      check(value, input, undefined, errs);
      return errs.length === 0 ? PASSED : { ok: false, kind: 'violation', message: errs.join('; ') };
    },
  };
}

/**
 * The first conflict among the definitions of one field that holds no matter what the attestation
 * says: a concrete value that another definition of the same field rejects. Structs written several
 * times are merged field by field, as CUE unifies them.
 */
function selfConflict(defs: readonly Val[], path: PathNode): string | undefined {
  const flat = defs.flatMap(function flatten(v: Val): Val[] {
    return v.k === 'and' ? v.parts.flatMap(flatten) : [v];
  });
  const concrete = flat.find((v) => v.k === 'concrete');
  if (concrete !== undefined && concrete.k === 'concrete') {
    const errs: string[] = [];
    check({ k: 'and', parts: flat }, concrete.v, path, errs);
    if (errs[0] !== undefined) return errs[0];
  }
  const fields = new Map<string, Val[]>();
  for (const v of flat) {
    if (v.k === 'struct')
      for (const [name, vs] of v.fields) fields.set(name, [...(fields.get(name) ?? []), ...vs]);
    if (v.k === 'list')
      for (const [i, e] of v.elems.entries()) {
        const c = selfConflict([e], { parent: path, key: i });
        if (c !== undefined) return c;
      }
  }
  for (const [name, vs] of fields) {
    const c = selfConflict(vs, { parent: path, key: name });
    if (c !== undefined) return c;
  }
  return undefined;
}

/** True when the CUE text calls time.Now(), which real CUE does not have. */
export function usesTimeNow(source: string): boolean {
  return /\btime\.Now\s*\(/.test(source);
}
