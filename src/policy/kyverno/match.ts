import { selectorMatches } from '../label-selector.js';
import type { ResourceContext, ResourceReads } from '../resource-context.js';
import type { KyvernoPolicy, ResourceFilter, ResourceFilterSet } from './model.js';
import { wildcardMatch } from './wildcard.js';

/**
 * Kyverno match/exclude: `any` needs one filter to hold, `all` needs every one; a filter holds when each
 * of its set fields does. Rules that match `Pod` also match the pod-template controllers listed in the
 * autogen annotation, as Kyverno's autogen rewrites them.
 */
export function ruleApplies(
  policy: KyvernoPolicy,
  match: ResourceFilterSet,
  exclude: ResourceFilterSet | undefined,
  r: ResourceContext,
): boolean {
  if (policy.kind === 'Policy' && policy.namespace !== r.namespace) return false;
  if (!setMatches(policy, match, r)) return false;
  if (exclude && (exclude.any.length > 0 || exclude.all.length > 0) && setMatches(policy, exclude, r))
    return false;
  return true;
}

function setMatches(policy: KyvernoPolicy, set: ResourceFilterSet, r: ResourceContext): boolean {
  if (set.any.length === 0 && set.all.length === 0) return false;
  if (set.any.length > 0 && !set.any.some((f) => filterMatches(policy, f, r))) return false;
  if (set.all.length > 0 && !set.all.every((f) => filterMatches(policy, f, r))) return false;
  return true;
}

export function filterMatches(policy: KyvernoPolicy, f: ResourceFilter, r: ResourceContext): boolean {
  if (f.kinds.length > 0 && !f.kinds.some((k) => kindMatches(policy, k, r))) return false;
  if (f.names.length > 0 && !f.names.some((n) => wildcardMatch(n, r.name))) return false;
  if (f.namespaces.length > 0 && !f.namespaces.some((n) => wildcardMatch(n, r.namespace))) return false;
  if (f.operations.length > 0 && !f.operations.includes(r.operation)) return false;
  if (f.annotations) {
    for (const [k, v] of Object.entries(f.annotations)) {
      const have = r.annotations[k];
      if (have === undefined || !wildcardMatch(v, have)) return false;
    }
  }
  if (f.selector && !selectorMatches(f.selector, r.labels)) return false;
  if (f.namespaceSelector && !selectorMatches(f.namespaceSelector, r.namespaceLabels)) return false;
  // Without the requesting user we cannot prove a subjects/roles filter holds: it does not match.
  if (f.userInfo) return false;
  return true;
}

function kindMatches(policy: KyvernoPolicy, pattern: string, r: ResourceContext): boolean {
  // Kinds may be written Kind, version/Kind or group/version/Kind, with wildcards.
  const parts = pattern.split('/');
  const kind = parts[parts.length - 1] ?? '';
  if (parts.length > 1) {
    const gv = parts.slice(0, -1).join('/');
    if (!wildcardMatch(gv, r.apiVersion) && !wildcardMatch(gv, r.apiVersion.split('/').pop() ?? ''))
      return false;
  }
  if (wildcardMatch(kind, r.kind)) return true;
  return kind === 'Pod' && policy.autogenControllers.includes(r.kind);
}

/** What of a resource a policy's match/exclude filters, preconditions and variables read. */
export function kyvernoResourceReads(policy: KyvernoPolicy): ResourceReads {
  let labels = false;
  let annotations = false;
  let name = false;
  let operation = false;
  let object = false;
  const visit = (set: ResourceFilterSet | undefined): void => {
    for (const f of [...(set?.any ?? []), ...(set?.all ?? [])]) {
      if (f.selector) labels = true;
      if (f.annotations) annotations = true;
      if (f.names.length > 0) name = true;
      if (f.operations.length > 0) operation = true;
    }
  };
  for (const rule of policy.rules) {
    visit(rule.match);
    visit(rule.exclude);
    // Which images a rule with imageExtractors judges depends on the whole object.
    if (rule.readsRequest || rule.imageExtractors !== undefined) object = true;
  }
  // The object carries its labels, annotations and name; the request its operation and name.
  if (object) return { labels: true, annotations: true, name: true, operation: true, object: true };
  return { labels, annotations, name, operation, object };
}
