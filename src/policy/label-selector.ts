import {
  child,
  type Obj,
  optArray,
  optStringArray,
  optStringMap,
  readObject,
  reqString,
} from './field-reader.js';
import type { IssueList } from './issues.js';

/** A Kubernetes metav1.LabelSelector. An empty selector matches everything, as in Kubernetes. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly LabelRequirement[];
}

export interface LabelRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

export function parseLabelSelector(issues: IssueList, v: unknown, path: string): LabelSelector | undefined {
  const o = readObject(issues, v, path, ['matchLabels', 'matchExpressions']);
  if (!o) return undefined;
  const matchLabels = optStringMap(issues, o, 'matchLabels', path) ?? {};
  const matchExpressions: LabelRequirement[] = [];
  for (const [i, e] of (optArray(issues, o, 'matchExpressions', path) ?? []).entries()) {
    const p = child(child(path, 'matchExpressions'), i);
    const r = readObject(issues, e, p, ['key', 'operator', 'values']);
    if (!r) continue;
    const key = reqString(issues, r, 'key', p);
    const op = reqString(issues, r, 'operator', p);
    const values = optStringArray(issues, r, 'values', p) ?? [];
    if (op !== undefined && !(OPERATORS as readonly string[]).includes(op)) {
      issues.error(
        child(p, 'operator'),
        `"${op}" is not a valid label selector operator`,
        `use one of ${OPERATORS.join(', ')}`,
      );
      continue;
    }
    const operator = op as LabelRequirement['operator'];
    if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
      issues.error(child(p, 'values'), `must be non-empty when operator is ${operator}`);
    }
    if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
      issues.error(child(p, 'values'), `must be empty when operator is ${operator}`);
    }
    if (key !== undefined && op !== undefined) matchExpressions.push({ key, operator, values });
  }
  return { matchLabels, matchExpressions };
}

/** Kubernetes label selector semantics: every matchLabels pair and every expression must hold. */
export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  for (const r of sel.matchExpressions) {
    const has = Object.hasOwn(labels, r.key);
    const val = labels[r.key];
    switch (r.operator) {
      case 'In':
        if (!has || val === undefined || !r.values.includes(val)) return false;
        break;
      case 'NotIn':
        if (has && val !== undefined && r.values.includes(val)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

export function describeSelector(sel: LabelSelector): string {
  const parts = Object.entries(sel.matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const r of sel.matchExpressions) parts.push(`${r.key} ${r.operator} (${r.values.join(',')})`);
  return parts.length === 0 ? '(everything)' : parts.join(', ');
}

export type { Obj };
