/**
 * GitHub Actions expressions (`${{ … }}`), parsed rather than matched with regular expressions, so a
 * rule sees which contexts an expression reads and whether their value flows into the result
 * (`github.event.issue.title` in `format('{0}', …)` does; in `contains(…)` or `== 'x'` it does not).
 *
 * Grammar as GitHub documents it ("Expressions", docs.github.com/actions/learn-github-actions/expressions):
 * literals (null, true, false, numbers, '-quoted strings with '' as the escape), property dereference
 * (`a.b`, `a['b']`, `a.*`, `a[*]`), function calls, `!`, `< <= > >= == !=`, `&&`, `||`, parentheses.
 * Every node carries its span (0-based offsets into the expression text) so findings point at the token.
 */

export interface Span {
  readonly start: number;
  readonly end: number;
}

export type Expr =
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null; readonly span: Span }
  | { readonly kind: 'ident'; readonly name: string; readonly span: Span }
  | { readonly kind: 'star'; readonly span: Span }
  | { readonly kind: 'member'; readonly object: Expr; readonly property: string; readonly span: Span }
  | { readonly kind: 'index'; readonly object: Expr; readonly index: Expr; readonly span: Span }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expr[]; readonly span: Span }
  | { readonly kind: 'not'; readonly operand: Expr; readonly span: Span }
  | {
      readonly kind: 'binary';
      readonly op: '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=';
      readonly left: Expr;
      readonly right: Expr;
      readonly span: Span;
    };

/** Deeper nesting than this is refused: GitHub itself caps expression depth, and recursion must end. */
export const MAX_EXPRESSION_DEPTH = 100;
/** Longer expressions are refused before lexing (GitHub limits an expression to 21,000 characters). */
export const MAX_EXPRESSION_LENGTH = 21_000;

export class ExpressionSyntaxError extends Error {
  override readonly name = 'ExpressionSyntaxError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

type TokenKind = 'num' | 'str' | 'ident' | 'punct' | 'eof';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly value?: string | number;
  readonly start: number;
  readonly end: number;
}

const PUNCT = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '[', ']', '.', ',', '*'];

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ExpressionSyntaxError('unterminated string', start);
        const d = src[i];
        if (d === "'") {
          if (src[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += d;
        i++;
      }
      out.push({ kind: 'str', text: src.slice(start, i), value, start, end: i });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?(0x[0-9a-fA-F]+|0o[0-7]+|[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      i += text.length;
      out.push({ kind: 'num', text, value: Number(text), start, end: i });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      i += text.length;
      out.push({ kind: 'ident', text, start, end: i });
      continue;
    }
    const p = PUNCT.find((q) => src.startsWith(q, i));
    if (!p) throw new ExpressionSyntaxError(`unexpected character "${c}"`, i);
    i += p.length;
    out.push({ kind: 'punct', text: p, start, end: i });
  }
  out.push({ kind: 'eof', text: '', start: src.length, end: src.length });
  return out;
}

/**
 * Parses the inside of `${{ … }}` (without the fence).
 * @throws ExpressionSyntaxError with the offset of the problem (a finding, never a crash)
 */
export function parseExpression(src: string): Expr {
  if (src.length > MAX_EXPRESSION_LENGTH)
    throw new ExpressionSyntaxError(`expression longer than ${MAX_EXPRESSION_LENGTH} characters`, 0);
  const toks = lex(src);
  let pos = 0;
  let depth = 0;
  const peek = (): Token => toks[pos] ?? { kind: 'eof', text: '', start: src.length, end: src.length };
  const next = (): Token => {
    const t = peek();
    pos++;
    return t;
  };
  const isPunct = (text: string): boolean => {
    const t = peek();
    return t.kind === 'punct' && t.text === text;
  };
  const expect = (text: string): Token => {
    const t = next();
    if (t.kind !== 'punct' || t.text !== text)
      throw new ExpressionSyntaxError(`expected "${text}", found "${t.text || 'end'}"`, t.start);
    return t;
  };
  const enter = (at: number): void => {
    depth++;
    if (depth > MAX_EXPRESSION_DEPTH)
      throw new ExpressionSyntaxError(`expression nested deeper than ${MAX_EXPRESSION_DEPTH}`, at);
  };

  const binaryLevel = (ops: readonly string[], sub: () => Expr): (() => Expr) => {
    return () => {
      let left = sub();
      for (;;) {
        const t = peek();
        if (t.kind !== 'punct' || !ops.includes(t.text)) return left;
        next();
        const right = sub();
        left = {
          kind: 'binary',
          op: t.text as Extract<Expr, { kind: 'binary' }>['op'],
          left,
          right,
          span: { start: left.span.start, end: right.span.end },
        };
      }
    };
  };

  const unary = (): Expr => {
    const t = peek();
    if (t.kind === 'punct' && t.text === '!') {
      next();
      enter(t.start);
      const operand = unary();
      depth--;
      return { kind: 'not', operand, span: { start: t.start, end: operand.span.end } };
    }
    return postfix();
  };

  const postfix = (): Expr => {
    let e = primary();
    for (;;) {
      if (isPunct('.')) {
        next();
        const t = next();
        if (t.kind === 'ident')
          e = { kind: 'member', object: e, property: t.text, span: { start: e.span.start, end: t.end } };
        else if (t.kind === 'punct' && t.text === '*')
          e = { kind: 'member', object: e, property: '*', span: { start: e.span.start, end: t.end } };
        else throw new ExpressionSyntaxError('expected a property name after "."', t.start);
      } else if (isPunct('[')) {
        const open = next();
        enter(open.start);
        let index: Expr;
        if (isPunct('*')) {
          const s = next();
          index = { kind: 'star', span: { start: s.start, end: s.end } };
        } else index = orExpr();
        depth--;
        const close = expect(']');
        e = { kind: 'index', object: e, index, span: { start: e.span.start, end: close.end } };
      } else return e;
    }
  };

  const primary = (): Expr => {
    const t = next();
    switch (t.kind) {
      case 'num':
        return { kind: 'literal', value: Number(t.value), span: { start: t.start, end: t.end } };
      case 'str':
        return { kind: 'literal', value: String(t.value), span: { start: t.start, end: t.end } };
      case 'ident': {
        const lower = t.text.toLowerCase();
        if (lower === 'true' || lower === 'false')
          return { kind: 'literal', value: lower === 'true', span: { start: t.start, end: t.end } };
        if (lower === 'null') return { kind: 'literal', value: null, span: { start: t.start, end: t.end } };
        if (isPunct('(')) {
          next();
          enter(t.start);
          const args: Expr[] = [];
          if (!isPunct(')')) {
            args.push(orExpr());
            while (isPunct(',')) {
              next();
              args.push(orExpr());
            }
          }
          depth--;
          const close = expect(')');
          return { kind: 'call', name: t.text, args, span: { start: t.start, end: close.end } };
        }
        return { kind: 'ident', name: t.text, span: { start: t.start, end: t.end } };
      }
      case 'punct':
        if (t.text === '(') {
          enter(t.start);
          const inner = orExpr();
          depth--;
          expect(')');
          return inner;
        }
        throw new ExpressionSyntaxError(`unexpected "${t.text}"`, t.start);
      case 'eof':
        throw new ExpressionSyntaxError('unexpected end of expression', t.start);
    }
  };

  const compare = binaryLevel(['<', '<=', '>', '>='], unary);
  const equality = binaryLevel(['==', '!='], compare);
  const andExpr = binaryLevel(['&&'], equality);
  const orExpr: () => Expr = binaryLevel(['||'], andExpr);

  const e = orExpr();
  const rest = peek();
  if (rest.kind !== 'eof') throw new ExpressionSyntaxError(`unexpected "${rest.text}"`, rest.start);
  return e;
}

/** A `${{ … }}` found in a string: `start`/`end` cover the fence, `inner` is the text between. */
export interface FencedExpression {
  readonly start: number;
  readonly end: number;
  readonly innerStart: number;
  readonly inner: string;
}

/**
 * Finds every `${{ … }}` in a string. A `}}` inside a quoted string literal does not close the fence;
 * an unclosed fence ends the scan (GitHub rejects such a workflow).
 */
export function extractFencedExpressions(text: string): FencedExpression[] {
  const out: FencedExpression[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('${{', from);
    if (start < 0) return out;
    let i = start + 3;
    let inString = false;
    let end = -1;
    while (i < text.length) {
      const c = text[i];
      if (inString) {
        if (c === "'") inString = false;
      } else if (c === "'") inString = true;
      else if (c === '}' && text[i + 1] === '}') {
        end = i + 2;
        break;
      }
      i++;
    }
    if (end < 0) return out;
    out.push({ start, end, innerStart: start + 3, inner: text.slice(start + 3, end - 2) });
    from = end;
  }
}

/** A context read (`github.event.issue.title`), with its pattern form and where it was written. */
export interface ContextRef {
  /** Dotted form with `*` for any index: `github.event.commits.*.message`; undefined when computed. */
  readonly pattern: string | undefined;
  /** The root identifier, lower-cased (`github`, `secrets`, `inputs`…). */
  readonly root: string;
  readonly span: Span;
  readonly node: Expr;
}

const FLOWS_THROUGH = new Set(['format', 'join', 'tojson', 'fromjson', 'tostring']);

/** The root identifier of a dereference chain, or undefined when it starts at a call or literal. */
function chainRoot(e: Expr): string | undefined {
  switch (e.kind) {
    case 'ident':
      return e.name.toLowerCase();
    case 'member':
    case 'index':
      return chainRoot(e.object);
    default:
      return undefined;
  }
}

/** The dotted pattern of a dereference chain; undefined when an index is computed. */
export function contextPattern(e: Expr): string | undefined {
  switch (e.kind) {
    case 'ident':
      return e.name.toLowerCase();
    case 'member': {
      const head = contextPattern(e.object);
      return head === undefined ? undefined : `${head}.${e.property.toLowerCase()}`;
    }
    case 'index': {
      const head = contextPattern(e.object);
      if (head === undefined) return undefined;
      const ix = e.index;
      if (ix.kind === 'star') return `${head}.*`;
      if (ix.kind === 'literal' && typeof ix.value === 'number') return `${head}.*`;
      if (ix.kind === 'literal' && typeof ix.value === 'string') return `${head}.${ix.value.toLowerCase()}`;
      return undefined;
    }
    default:
      return undefined;
  }
}

function isChain(e: Expr): boolean {
  return e.kind === 'ident' || e.kind === 'member' || e.kind === 'index';
}

/**
 * The contexts whose value can end up in the expression's result, as zizmor's dataflow analysis has
 * it: a bare context, either side of `||`/`&&` (they return an operand), the arguments of `format`,
 * `join`, `toJSON`, `fromJSON`. Comparisons, `!`, `contains`/`startsWith`/… return booleans and stop
 * the flow. A dereference of a call (`fromJSON(x).y`) is reported with an undefined pattern.
 */
export function dataflowContexts(e: Expr): ContextRef[] {
  const out: ContextRef[] = [];
  const walk = (x: Expr): void => {
    if (isChain(x)) {
      const root = chainRoot(x);
      if (root === undefined) {
        out.push({ pattern: undefined, root: '', span: x.span, node: x });
        return;
      }
      if (x.kind === 'ident' && !KNOWN_ROOTS.has(root)) return;
      out.push({ pattern: contextPattern(x), root, span: x.span, node: x });
      return;
    }
    switch (x.kind) {
      case 'binary':
        if (x.op === '||' || x.op === '&&') {
          walk(x.left);
          walk(x.right);
        }
        return;
      case 'call':
        if (FLOWS_THROUGH.has(x.name.toLowerCase())) for (const a of x.args) walk(a);
        return;
      default:
        return;
    }
  };
  walk(e);
  return out;
}

/** Every context read anywhere in the expression (flowing or not), outermost chains only. */
export function allContexts(e: Expr): ContextRef[] {
  const out: ContextRef[] = [];
  const walk = (x: Expr): void => {
    if (isChain(x)) {
      const root = chainRoot(x);
      if (root !== undefined && KNOWN_ROOTS.has(root))
        out.push({ pattern: contextPattern(x), root, span: x.span, node: x });
      if (x.kind === 'index') walk(x.index);
      if (x.kind === 'member' || x.kind === 'index') {
        let o: Expr = x.object;
        while (o.kind === 'member' || o.kind === 'index') {
          if (o.kind === 'index') walk(o.index);
          o = o.object;
        }
        if (o.kind === 'call') walk(o);
      }
      return;
    }
    switch (x.kind) {
      case 'binary':
        walk(x.left);
        walk(x.right);
        return;
      case 'not':
        walk(x.operand);
        return;
      case 'call':
        for (const a of x.args) walk(a);
        return;
      default:
        return;
    }
  };
  walk(e);
  return out;
}

/** The context names GitHub defines; any other bare identifier is not a context read. */
const KNOWN_ROOTS = new Set([
  'github',
  'env',
  'vars',
  'job',
  'jobs',
  'steps',
  'runner',
  'secrets',
  'strategy',
  'matrix',
  'needs',
  'inputs',
]);
