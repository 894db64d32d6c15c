import jmespath from 'jmespath';
import type { Condition, ConditionBlock } from './model.js';
import { wildcardMatch } from './wildcard.js';

/**
 * Outcome of evaluating conditions. `error` marks a condition that could not be evaluated at all (a
 * JMESPath error, values an operator cannot compare) as opposed to one that evaluated to false.
 */
export type ConditionOutcome = { ok: true } | { ok: false; message: string; error?: true };

export interface ConditionOptions {
  /**
   * What a variable that resolves to nothing becomes: `fail` (attestation conditions: the condition
   * fails, and says so) or `empty` (preconditions: Kyverno substitutes an empty string).
   */
  readonly missing?: 'fail' | 'empty';
  /** Names the JMESPath root in messages, e.g. "the predicate". */
  readonly where?: string;
}

/**
 * Kyverno conditions (attestation conditions, rule preconditions): every block must hold; in a block
 * every `all` condition and at least one `any` condition (when any are given). Keys and values are
 * substituted first (see `substitute`) against `data`: for attestation conditions the predicate, as
 * Kyverno adds it to the context, for preconditions the admission context. A failed lookup fails the
 * condition (fail closed), as Kyverno reports "variable substitution failed", unless `missing: 'empty'`.
 */
export function evaluateConditions(
  blocks: readonly ConditionBlock[],
  data: unknown,
  opts: ConditionOptions = {},
): ConditionOutcome {
  for (const b of blocks) {
    for (const c of b.all) {
      const r = evaluateCondition(c, data, opts);
      if (!r.ok) return r;
    }
    if (b.any.length > 0) {
      const results = b.any.map((c) => evaluateCondition(c, data, opts));
      if (!results.some((r) => r.ok)) {
        return {
          ok: false,
          message: `none of the "any" conditions held: ${results.map((r) => (r.ok ? '' : r.message)).join('; ')}`,
          ...(results.some((r) => !r.ok && r.error) ? { error: true as const } : {}),
        };
      }
    }
  }
  return { ok: true };
}

export function evaluateCondition(
  c: Condition,
  data: unknown,
  opts: ConditionOptions = {},
): ConditionOutcome {
  let key: unknown;
  let value: unknown;
  try {
    key = substitute(c.key, data, opts);
    value = substitute(c.value, data, opts);
  } catch (e) {
    return {
      ok: false,
      message: `${c.path}: variable substitution failed: ${errorText(e)}`,
      // A variable that is simply absent is a false condition; anything else could not be evaluated.
      ...(e instanceof MissingVariable ? {} : { error: true as const }),
    };
  }
  let held: boolean;
  try {
    held = apply(c.operator, key, value);
  } catch (e) {
    return { ok: false, message: `${c.path}: ${errorText(e)}`, error: true };
  }
  if (held) return { ok: true };
  const show = (x: unknown) => JSON.stringify(x)?.slice(0, 80);
  return { ok: false, message: c.message ?? `${c.path}: expected ${show(key)} ${c.operator} ${show(value)}` };
}

function errorText(e: unknown): string {
  // Comparing or searching attacker-shaped values recurses; a stack overflow is their nesting.
  if (e instanceof RangeError) return 'value nested too deeply to evaluate';
  return e instanceof Error ? e.message : String(e);
}

/** A `{{ … }}` that resolved to nothing (JMESPath null). */
export class MissingVariable extends Error {
  override readonly name = 'MissingVariable';
}

const WHOLE = /^\{\{\s*(.+?)\s*\}\}$/s;
const PART = /\{\{\s*(.+?)\s*\}\}/gs;

/**
 * Kyverno variable substitution: a string that is exactly `{{ expr }}` becomes the JMESPath result (any
 * JSON type), other strings interpolate; lists and objects are substituted member by member.
 * @throws MissingVariable for a variable that resolves to nothing (with `missing: 'fail'`), Error for a
 *   JMESPath error
 */
export function substitute(v: unknown, data: unknown, opts: ConditionOptions = {}): unknown {
  if (typeof v === 'string') {
    const whole = WHOLE.exec(v);
    if (whole && !(whole[1] ?? '').includes('}}')) return lookup(whole[1] ?? '', data, opts);
    return v.replace(PART, (_m, expr: string) => {
      const r = lookup(expr, data, opts);
      return typeof r === 'string' ? r : JSON.stringify(r);
    });
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, data, opts));
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, data, opts)]));
  }
  return v;
}

const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function lookup(expr: string, data: unknown, opts: ConditionOptions): unknown {
  // Fast path: a plain dotted field path means the same in JMESPath (a missing field or a non-object is
  // null), and skips parsing the expression on every admission.
  let r: unknown;
  if (DOTTED.test(expr)) {
    r = data;
    for (const k of expr.split('.')) {
      r = typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as Record<string, unknown>)[k] : null;
    }
  } else {
    // jmespath's typings want JSON values; the predicate came from JSON.parse.
    r = jmespath.search(data as Parameters<typeof jmespath.search>[0], expr);
  }
  if (r === null || r === undefined) {
    if (opts.missing === 'empty') return '';
    throw new MissingVariable(`"${expr}" not found in ${opts.where ?? 'the predicate'}`);
  }
  return r;
}

function apply(op: Condition['operator'], key: unknown, value: unknown): boolean {
  switch (op) {
    case 'Equals':
      return equals(key, value);
    case 'NotEquals':
      return !equals(key, value);
    case 'In':
    case 'AllIn':
      return asList(key).every((k) => asList(value).some((v) => equals(k, v)));
    case 'AnyIn':
      return asList(key).some((k) => asList(value).some((v) => equals(k, v)));
    case 'NotIn':
    case 'AllNotIn':
      return asList(key).every((k) => !asList(value).some((v) => equals(k, v)));
    case 'AnyNotIn':
      return asList(key).some((k) => !asList(value).some((v) => equals(k, v)));
    case 'GreaterThan':
      return compare(key, value) > 0;
    case 'GreaterThanOrEquals':
      return compare(key, value) >= 0;
    case 'LessThan':
      return compare(key, value) < 0;
    case 'LessThanOrEquals':
      return compare(key, value) <= 0;
    case 'DurationGreaterThan':
      return duration(key) > duration(value);
    case 'DurationGreaterThanOrEquals':
      return duration(key) >= duration(value);
    case 'DurationLessThan':
      return duration(key) < duration(value);
    case 'DurationLessThanOrEquals':
      return duration(key) <= duration(value);
  }
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

/** Kyverno equality: a string value may hold wildcards; numbers compare numerically; others deeply. */
function equals(key: unknown, value: unknown): boolean {
  if (typeof key === 'string' && typeof value === 'string') return wildcardMatch(value, key);
  if (
    typeof key === 'number' &&
    typeof value === 'string' &&
    value.trim() !== '' &&
    !Number.isNaN(Number(value))
  )
    return key === Number(value);
  if (typeof value === 'number' && typeof key === 'string' && key.trim() !== '' && !Number.isNaN(Number(key)))
    return Number(key) === value;
  return JSON.stringify(key) === JSON.stringify(value);
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

function compare(a: unknown, b: unknown): number {
  const x = num(a);
  const y = num(b);
  if (x !== undefined && y !== undefined) return x - y;
  if (typeof a === 'string' && typeof b === 'string') {
    const da = parseGoDuration(a);
    const db = parseGoDuration(b);
    if (da !== undefined && db !== undefined) return da - db;
  }
  throw new Error(
    `cannot compare ${JSON.stringify(a)?.slice(0, 40)} with ${JSON.stringify(b)?.slice(0, 40)}`,
  );
}

function duration(v: unknown): number {
  if (typeof v === 'number') return v * 1e9;
  if (typeof v === 'string') {
    const d = parseGoDuration(v);
    if (d !== undefined) return d;
  }
  throw new Error(`${JSON.stringify(v)?.slice(0, 40)} is not a duration like "1h30m"`);
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go time.ParseDuration: "300ms", "-1.5h", "2h45m". Returns nanoseconds. */
export function parseGoDuration(s: string): number | undefined {
  const m = /^([+-]?)((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+|0)$/.exec(s);
  if (!m) return undefined;
  if (m[2] === '0') return 0;
  let total = 0;
  for (const part of (m[2] ?? '').matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (UNIT_NS[part[2] ?? 's'] ?? 0);
  }
  return m[1] === '-' ? -total : total;
}
