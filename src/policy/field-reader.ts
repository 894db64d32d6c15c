import type { IssueList } from './issues.js';

/**
 * Reads untyped YAML values into typed fields, recording each bad or unknown field by path instead of
 * stopping at the first. Unknown fields are errors because the API server's strict field validation
 * refuses them, and a misspelt `subjectRegexp` silently dropped would widen who may sign.
 */
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** The value as an object with only `known` keys; unknown keys are reported with their path. */
export function readObject(
  issues: IssueList,
  v: unknown,
  path: string,
  known: readonly string[],
): Obj | undefined {
  if (!isObj(v)) {
    issues.error(path, `expected an object, found ${kindOf(v)}`);
    return undefined;
  }
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) {
      issues.error(
        child(path, k),
        `unknown field "${k}"`,
        `remove it, or check its spelling against: ${known.join(', ')}`,
      );
    }
  }
  return v;
}

export function optString(issues: IssueList, o: Obj, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    issues.error(child(path, key), `expected a string, found ${kindOf(v)}`);
    return undefined;
  }
  return v;
}

export function reqString(issues: IssueList, o: Obj, key: string, path: string): string | undefined {
  const v = optString(issues, o, key, path);
  if (v === undefined && (o[key] === undefined || o[key] === null))
    issues.error(child(path, key), 'missing field');
  else if (v === '') issues.error(child(path, key), 'must not be empty');
  return v === '' ? undefined : v;
}

export function optBool(issues: IssueList, o: Obj, key: string, path: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') {
    issues.error(child(path, key), `expected true or false, found ${kindOf(v)}`);
    return undefined;
  }
  return v;
}

export function optInt(issues: IssueList, o: Obj, key: string, path: string, min = 0): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    issues.error(child(path, key), `expected an integer >= ${min}, found ${JSON.stringify(v)}`);
    return undefined;
  }
  return v;
}

export function optEnum<T extends string>(
  issues: IssueList,
  o: Obj,
  key: string,
  path: string,
  allowed: readonly T[],
): T | undefined {
  const v = optString(issues, o, key, path);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    issues.error(child(path, key), `invalid value "${v}": expected one of ${allowed.join(', ')}`);
    return undefined;
  }
  return v as T;
}

export function optArray(issues: IssueList, o: Obj, key: string, path: string): unknown[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    issues.error(child(path, key), `expected a list, found ${kindOf(v)}`);
    return undefined;
  }
  return v;
}

export function optStringArray(issues: IssueList, o: Obj, key: string, path: string): string[] | undefined {
  const arr = optArray(issues, o, key, path);
  if (arr === undefined) return undefined;
  const out: string[] = [];
  for (const [i, s] of arr.entries()) {
    if (typeof s !== 'string')
      issues.error(child(child(path, key), i), `expected a string, found ${kindOf(s)}`);
    else out.push(s);
  }
  return out;
}

export function optStringMap(
  issues: IssueList,
  o: Obj,
  key: string,
  path: string,
): Record<string, string> | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) {
    issues.error(child(path, key), `expected a map of strings, found ${kindOf(v)}`);
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, s] of Object.entries(v)) {
    if (typeof s !== 'string')
      issues.error(child(child(path, key), k), `expected a string, found ${kindOf(s)}`);
    else out[k] = s;
  }
  return out;
}

export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}
