import { isMap, isScalar, type Document } from 'yaml';
import { VouchError } from '../errors.js';
import type { Limits } from '../limits.js';
import { unifiedDiff } from './unified-diff.js';
import { openForEdit, renderDocuments } from './yaml-edit.js';

export type PromoteTarget = 'enforce' | 'audit';

export interface PromoteResult {
  readonly text: string;
  /** Unified diff from the input to `text`; empty when nothing changed. */
  readonly diff: string;
  /** One line per edit: `<document>: <path>: old -> new`. */
  readonly changes: readonly string[];
}

/**
 * Rewrites policies for the Audit -> Enforce step (or back) with comments and layout kept: Kyverno
 * `validationFailureAction` and per-entry `failureAction` flip, and `mutateDigest` with them (Kyverno
 * refuses mutateDigest in Audit); ClusterImagePolicy `mode` flips between enforce and warn.
 * @throws INPUT_TOO_LARGE, INPUT_MALFORMED, POLICY_INVALID when the file holds no policy to promote
 */
export function promotePolicies(
  text: string,
  source: string,
  to: PromoteTarget,
  limits?: Partial<Limits>,
): PromoteResult {
  const docs = openForEdit(text, source, limits);
  const changes: string[] = [];
  let policies = 0;
  docs.forEach((doc, n) => {
    const label = docs.length > 1 ? `${source}#${n + 1}` : source;
    const api = String(doc.get('apiVersion') ?? '');
    const kind = String(doc.get('kind') ?? '');
    // `fallback` is the controller's default: an unset field already holding it needs no edit.
    const set = (path: (string | number)[], value: string | boolean, fallback?: string | boolean) => {
      const old: unknown = doc.getIn(path);
      const oldVal = isScalar(old) ? old.value : old;
      if (oldVal === value || (oldVal === undefined && fallback === value)) return;
      doc.setIn(path, value);
      changes.push(
        `${label}: ${path.join('.')}: ${oldVal === undefined ? '(unset)' : String(oldVal)} -> ${String(value)}`,
      );
    };
    if (api === 'kyverno.io/v1' && (kind === 'ClusterPolicy' || kind === 'Policy')) {
      policies++;
      set(['spec', 'validationFailureAction'], to === 'enforce' ? 'Enforce' : 'Audit', 'Audit');
      eachVerifyImages(doc, (path, iv) => {
        if (iv.has('failureAction')) set([...path, 'failureAction'], to === 'enforce' ? 'Enforce' : 'Audit');
        if (to === 'audit') set([...path, 'mutateDigest'], false);
        // Enforce: mutateDigest defaults to true; only an explicit false needs flipping back.
        else if (iv.get('mutateDigest') === false) set([...path, 'mutateDigest'], true);
      });
    } else if (api.startsWith('policy.sigstore.dev/') && kind === 'ClusterImagePolicy') {
      policies++;
      set(['spec', 'mode'], to === 'enforce' ? 'enforce' : 'warn', 'enforce');
    }
  });
  if (policies === 0) {
    throw new VouchError('POLICY_INVALID', `${source}: no Kyverno policy or ClusterImagePolicy to promote`);
  }
  const out = changes.length === 0 ? text : renderDocuments(docs, text);
  return { text: out, diff: unifiedDiff(text, out, source), changes };
}

function eachVerifyImages(
  doc: Document.Parsed,
  fn: (path: (string | number)[], iv: { has(k: string): boolean; get(k: string): unknown }) => void,
): void {
  const rules = doc.getIn(['spec', 'rules']);
  if (!rules || typeof rules !== 'object' || !('items' in rules) || !Array.isArray(rules.items)) return;
  rules.items.forEach((rule: unknown, i: number) => {
    if (!isMap(rule)) return;
    const ivs = rule.get('verifyImages');
    if (!ivs || typeof ivs !== 'object' || !('items' in ivs) || !Array.isArray(ivs.items)) return;
    ivs.items.forEach((iv: unknown, j: number) => {
      if (isMap(iv))
        fn(['spec', 'rules', i, 'verifyImages', j], { has: (k) => iv.has(k), get: (k) => iv.get(k) });
    });
  });
}
