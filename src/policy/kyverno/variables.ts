import jmespath from 'jmespath';
import { imageParts, kyvernoImageString } from '../image-under-review.js';
import type { ResourceContext } from '../resource-context.js';
import { workloadImages as extractImages } from '../workload-images.js';
import { type ConditionOutcome, evaluateConditions, substitute } from './conditions.js';
import type { ContextConfigMap, ContextVariable, KyvernoRule } from './model.js';

/**
 * The data of a ConfigMap, by namespace and name, or undefined when there is none. Supplied by the caller
 * (a `--config-maps` file, or the API server read ahead of the decision), so evaluation stays pure.
 */
export type ConfigMapLookup = (
  namespace: string,
  name: string,
) => Readonly<Record<string, string>> | undefined;

/** Longest `{{ … }}` expression accepted; Kyverno expressions are a line, not a program. */
export const EXPRESSION_MAX_CHARS = 1024;
/** Deepest bracket nesting accepted in one expression (the JMESPath parser recurses per level). */
export const EXPRESSION_NESTING_MAX = 32;
/** Deepest nesting accepted in a condition's or variable's JSON value (substitution recurses). */
export const VALUE_NESTING_MAX = 32;

/** The `request` fields vouch knows at admission and in `policy test --resource`. */
export const KNOWN_REQUEST_FIELDS = ['object', 'operation', 'namespace', 'name'] as const;

/** JMESPath functions jmespath.js implements; Kyverno's extensions (split, regex_match, …) are not. */
const BUILTIN_FUNCTIONS = new Set([
  'abs',
  'avg',
  'ceil',
  'contains',
  'ends_with',
  'floor',
  'join',
  'keys',
  'length',
  'map',
  'max',
  'max_by',
  'merge',
  'min',
  'min_by',
  'not_null',
  'reverse',
  'sort',
  'sort_by',
  'starts_with',
  'sum',
  'to_array',
  'to_number',
  'to_string',
  'type',
  'values',
]);

interface JmesNode {
  readonly type: string;
  readonly name?: string;
  readonly value?: unknown;
  readonly children?: readonly JmesNode[];
}

// jmespath's typings declare only search(); compile() is exported by the same module.
const compile = (jmespath as unknown as { compile(expr: string): JmesNode }).compile;

const PART = /\{\{\s*(.+?)\s*\}\}/gs;

/** Every `{{ expr }}` in the strings of a JSON value (depth-capped by the caller). */
export function templateExpressions(v: unknown): string[] {
  const out: string[] = [];
  const visit = (x: unknown): void => {
    if (typeof x === 'string') for (const m of x.matchAll(PART)) out.push(m[1] ?? '');
    else if (Array.isArray(x)) x.forEach(visit);
    else if (typeof x === 'object' && x !== null) Object.values(x).forEach(visit);
  };
  visit(v);
  return out;
}

/** How deep a JSON value nests (a scalar is 0). Stops counting past `limit`. */
export function jsonDepth(v: unknown, limit = VALUE_NESTING_MAX + 1): number {
  if (typeof v !== 'object' || v === null || limit <= 0) return 0;
  let d = 0;
  for (const x of Array.isArray(v) ? v : Object.values(v)) {
    d = Math.max(d, jsonDepth(x, limit - 1));
    if (d >= limit) break;
  }
  return d + 1;
}

/**
 * What an expression reads from its root: for each root-level field, its name and (when the expression
 * goes on with a plain field) the next name, e.g. `request.object.metadata` → ["request", "object"].
 * `@` marks a read of the whole root.
 */
export type ExpressionAnalysis =
  | {
      readonly ok: true;
      readonly roots: readonly (readonly string[])[];
      readonly functions: readonly string[];
    }
  | { readonly ok: false; readonly message: string };

/** Compiles one JMESPath expression (without its braces) and lists what it reads and calls. */
export function analyseExpression(expr: string): ExpressionAnalysis {
  if (expr.length > EXPRESSION_MAX_CHARS)
    return { ok: false, message: `expression longer than ${EXPRESSION_MAX_CHARS} characters` };
  let depth = 0;
  for (const ch of expr) {
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    if (depth > EXPRESSION_NESTING_MAX)
      return { ok: false, message: `expression nests more than ${EXPRESSION_NESTING_MAX} levels` };
  }
  let ast: JmesNode;
  try {
    ast = compile(expr);
  } catch (e) {
    return { ok: false, message: `invalid JMESPath "${expr.slice(0, 80)}": ${errorText(e)}` };
  }
  const roots: string[][] = [];
  const functions: string[] = [];
  walk(ast, true, roots, functions);
  return { ok: true, roots, functions };
}

/**
 * Records the fields read from the root scope. The right side of a subexpression, projection or pipe
 * is evaluated against the left side's result, not the root, so only left sides stay in root scope.
 */
function walk(n: JmesNode, root: boolean, roots: string[][], fns: string[]): void {
  const c = n.children ?? [];
  const go = (x: JmesNode | undefined, r: boolean) => {
    if (x) walk(x, r, roots, fns);
  };
  switch (n.type) {
    case 'Field':
      if (root) roots.push([n.name ?? '']);
      return;
    case 'Subexpression': {
      const [l, r] = c;
      if (root && l?.type === 'Field' && r?.type === 'Field') {
        roots.push([l.name ?? '', r.name ?? '']);
        return;
      }
      go(l, root);
      go(r, false);
      return;
    }
    case 'IndexExpression':
    case 'Projection':
    case 'ValueProjection':
    case 'Pipe':
      go(c[0], root);
      go(c[1], false);
      return;
    case 'FilterProjection':
      go(c[0], root);
      go(c[1], false);
      go(c[2], false);
      return;
    case 'Function':
      fns.push(n.name ?? '');
      for (const x of c) go(x, root);
      return;
    case 'Flatten':
    case 'Comparator':
    case 'OrExpression':
    case 'AndExpression':
    case 'NotExpression':
    case 'MultiSelectList':
      for (const x of c) go(x, root);
      return;
    case 'MultiSelectHash':
      for (const kv of c) go(kv.value as JmesNode | undefined, root);
      return;
    case 'ExpressionReference':
      go(c[0], false);
      return;
    case 'Current':
    case 'Identity':
      if (root) roots.push(['@']);
      return;
    case 'Literal':
    case 'Index':
    case 'Slice':
      return;
    default:
      // A node type this walker does not know: treat it as reading everything, which callers refuse.
      roots.push(['@']);
  }
}

/**
 * Why a template (a precondition key/value or a variable) cannot be evaluated offline, or undefined.
 * `names` are the context variables it may read besides `request.{object,operation,namespace,name}`
 * and `images`.
 */
export function unknowableRead(template: unknown, names: ReadonlySet<string>): string | undefined {
  for (const expr of templateExpressions(template)) {
    const a = analyseExpression(expr);
    if (!a.ok) return a.message;
    const fn = unknownFunction(expr, a.functions);
    if (fn) return fn;
    for (const [first, second] of a.roots) {
      if (first === 'request') {
        if (second !== undefined && (KNOWN_REQUEST_FIELDS as readonly string[]).includes(second)) continue;
        return `"{{ ${expr.slice(0, 80)} }}" reads request${second ? `.${second}` : ''}: not supported by vouch, which cannot know it offline (only request.${KNOWN_REQUEST_FIELDS.join(', request.')})`;
      }
      if (first === 'images' || (first !== undefined && names.has(first))) continue;
      return `"{{ ${expr.slice(0, 80)} }}" reads ${first === '@' ? 'the whole context' : `"${first}"`}: not supported by vouch, which knows only request.${KNOWN_REQUEST_FIELDS.join('/')}, images and this rule's context variables (not serviceAccountName, userInfo or API data)`;
    }
  }
  return undefined;
}

/** Why a bare JMESPath expression (applied to a given value) cannot be evaluated, or undefined. */
export function expressionProblem(expr: string): string | undefined {
  const a = analyseExpression(expr);
  return a.ok ? unknownFunction(expr, a.functions) : a.message;
}

function unknownFunction(expr: string, functions: readonly string[]): string | undefined {
  const f = functions.find((x) => !BUILTIN_FUNCTIONS.has(x));
  return f === undefined
    ? undefined
    : `"${expr.slice(0, 80)}" calls ${f}(), a Kyverno JMESPath extension function: not supported by vouch`;
}

/**
 * The admission context Kyverno variables resolve against, as far as vouch knows it. Without a resource
 * (a bare image under `policy test`) every request field is null.
 */
export function admissionContext(r: ResourceContext | undefined): Record<string, unknown> {
  return {
    request: {
      object: r?.object ?? null,
      operation: r?.operation ?? null,
      namespace: r?.namespace ?? null,
      name: r?.name ?? null,
    },
    images: imagesOf(r?.object),
  };
}

/**
 * Kyverno's `images` variable: per container list, container name → ImageInfo. Containers whose image
 * does not parse are left out (the image rule itself denies them).
 */
function imagesOf(object: unknown): Record<string, Record<string, unknown>> {
  let found: ReturnType<typeof extractImages>;
  try {
    found = extractImages(object);
  } catch {
    // Not a workload kind, or no pod spec: Kyverno has no images for it either.
    return {};
  }
  const lists = new Map<string, [string, Record<string, unknown>][]>();
  for (const w of found) {
    let info: Record<string, unknown>;
    try {
      const p = imageParts(w.image);
      info = {
        registry: p.registry,
        path: p.path,
        name: p.path.split('/').pop() ?? p.path,
        tag: p.tag ?? (p.digest === undefined ? 'latest' : ''),
        digest: p.digest ?? '',
        reference: kyvernoImageString(p),
      };
    } catch {
      continue;
    }
    const list = lists.get(w.containerType) ?? [];
    list.push([w.container, info]);
    lists.set(w.containerType, list);
  }
  // fromEntries defines own properties: a container named "__proto__" stays a plain key.
  return Object.fromEntries([...lists].map(([type, list]) => [type, Object.fromEntries(list)]));
}

/** Result of preparing a rule's variables for one request. */
export type RuleVariables =
  | { readonly ok: true; readonly data: Record<string, unknown> }
  | { readonly ok: false; readonly message: string };

/**
 * Loads a rule's `context` variables in order on top of the admission context, as Kyverno's variable
 * loader does: `value` (substituted) is the variable, or `jmesPath` applied to `value` (or to the whole
 * context when there is no value); a null result takes `default`, and with no default is an error.
 */
export function loadRuleVariables(
  rule: KyvernoRule,
  r: ResourceContext | undefined,
  configMaps?: ConfigMapLookup,
): RuleVariables {
  const data = admissionContext(r);
  for (const v of rule.context) {
    const got = v.kind === 'variable' ? loadVariable(v, data) : loadConfigMap(v, data, configMaps);
    if (!got.ok) return got;
    data[v.name] = got.value;
  }
  return { ok: true, data };
}

/**
 * The ConfigMaps a rule's `configMap` context entries name for this request (namespace, name), as far as
 * the names can be known before any is read: the edge fetches these ahead of a pure evaluation. A name
 * that reads an earlier ConfigMap's data is not known here; evaluation then reports it missing.
 */
export function configMapsToRead(
  rule: KyvernoRule,
  r: ResourceContext | undefined,
): { readonly namespace: string; readonly name: string }[] {
  const out: { namespace: string; name: string }[] = [];
  if (!rule.context.some((c) => c.kind === 'configMap')) return out;
  const data = admissionContext(r);
  for (const v of rule.context) {
    if (v.kind === 'variable') {
      const got = loadVariable(v, data);
      data[v.name] = got.ok ? got.value : null;
      continue;
    }
    const id = configMapId(v, data);
    if (!id.ok) continue;
    out.push({ namespace: id.namespace, name: id.name });
    data[v.name] = { data: {}, metadata: { name: id.name, namespace: id.namespace } };
  }
  return out;
}

function configMapId(
  v: ContextConfigMap,
  data: Record<string, unknown>,
): { ok: true; namespace: string; name: string } | { ok: false; message: string } {
  try {
    const where = { where: 'the admission context' };
    const name = substitute(v.configMap.name, data, where);
    const namespace = substitute(v.configMap.namespace, data, where);
    if (typeof name !== 'string' || typeof namespace !== 'string' || name === '' || namespace === '')
      return { ok: false, message: `${v.path}: ConfigMap name and namespace must be non-empty strings` };
    return { ok: true, namespace, name };
  } catch (e) {
    return { ok: false, message: `${v.path}: ConfigMap name: ${errorText(e)}` };
  }
}

/**
 * A `configMap` entry, as Kyverno's loader builds it: `{data, metadata}` of the ConfigMap. A ConfigMap
 * that is not there is an error (Kyverno fails the rule), never an empty variable: an empty key would
 * otherwise make `publicKeys` say nothing.
 */
function loadConfigMap(
  v: ContextConfigMap,
  data: Record<string, unknown>,
  configMaps: ConfigMapLookup | undefined,
): { ok: true; value: unknown } | { ok: false; message: string } {
  const id = configMapId(v, data);
  if (!id.ok) return id;
  const found = configMaps?.(id.namespace, id.name);
  if (found === undefined) {
    return {
      ok: false,
      message: `${v.path}: context "${v.name}": ConfigMap ${id.namespace}/${id.name} not found${
        configMaps === undefined ? ' (no ConfigMaps given: pass --config-maps FILE, or run in a cluster)' : ''
      }`,
    };
  }
  // fromEntries copies own string keys only: a key named "__proto__" stays data, never a prototype.
  return {
    ok: true,
    value: {
      data: Object.fromEntries(Object.entries(found)),
      metadata: { name: id.name, namespace: id.namespace },
    },
  };
}

function loadVariable(
  v: ContextVariable,
  data: Record<string, unknown>,
): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    let out: unknown = null;
    if (v.value !== undefined) {
      out = substitute(v.value, data);
      if (v.jmesPath !== undefined) out = search(out, v.jmesPath);
    } else if (v.jmesPath !== undefined) {
      out = search(data, v.jmesPath);
    }
    if (out === null || out === undefined) {
      if (v.default === undefined)
        return { ok: false, message: `${v.path}: context variable "${v.name}" evaluated to null` };
      out = substitute(v.default, data);
    }
    return { ok: true, value: out };
  } catch (e) {
    return { ok: false, message: `${v.path}: context variable "${v.name}": ${errorText(e)}` };
  }
}

function search(data: unknown, expr: string): unknown {
  // jmespath's typings want JSON values; data is JSON (parsed YAML or the admitted object).
  return jmespath.search(data as Parameters<typeof jmespath.search>[0], expr);
}

/** Whether a rule applies after its preconditions, or why that could not be decided. */
export type PreconditionOutcome =
  /** `data`: the rule's variables over the admission context, for its attestation conditions. */
  | { readonly applies: true; readonly data: Readonly<Record<string, unknown>> }
  | { readonly applies: false; readonly message: string }
  | { readonly error: string };

/**
 * Kyverno preconditions: the rule applies only when they hold; a variable that resolves to nothing is
 * an empty string, as in Kyverno. Anything that cannot be evaluated (a context variable error, a
 * JMESPath runtime error, values an operator cannot compare) is an error, never "does not apply":
 * skipping the rule would admit the image unverified.
 */
export function evaluatePreconditions(
  rule: KyvernoRule,
  r: ResourceContext | undefined,
  configMaps?: ConfigMapLookup,
): PreconditionOutcome {
  const vars = loadRuleVariables(rule, r, configMaps);
  if (!vars.ok) return { error: vars.message };
  // Without a resource the rule is judged as if it applied, as match/exclude are (bare images).
  if (rule.preconditions === undefined || r === undefined) return { applies: true, data: vars.data };
  const c: ConditionOutcome = evaluateConditions([rule.preconditions], vars.data, {
    missing: 'empty',
    where: 'the admission context',
  });
  if (c.ok) return { applies: true, data: vars.data };
  if (c.error) return { error: c.message };
  return { applies: false, message: c.message };
}

function errorText(e: unknown): string {
  if (e instanceof RangeError) return 'expression too deeply nested';
  return e instanceof Error ? e.message : String(e);
}
