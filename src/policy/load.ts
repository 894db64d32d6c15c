import { VouchError } from '../errors.js';
import type { Limits } from '../limits.js';
import { parseClusterImagePolicy, parseTrustRoot } from './cip/parse.js';
import type { ClusterImagePolicy, TrustRoot } from './cip/model.js';
import type { CueEngine } from './cue/evaluator.js';
import { cueSubset } from './cue/subset.js';
import { isObj } from './field-reader.js';
import { formatIssues, IssueList, type PolicyIssue } from './issues.js';
import { parseKyvernoPolicy } from './kyverno/parse.js';
import type { KyvernoPolicy } from './kyverno/model.js';
import { parseYamlDocuments, type YamlDocument } from './yaml-documents.js';

/** Every policy vouch evaluates, by engine. */
export interface PolicySet {
  readonly cips: readonly ClusterImagePolicy[];
  readonly kyverno: readonly KyvernoPolicy[];
  readonly trustRoots: readonly TrustRoot[];
}

export interface ReadResult {
  readonly policies: PolicySet;
  /** Schema errors (the document was not loaded) and warnings, each with its field path. */
  readonly issues: readonly PolicyIssue[];
  readonly documents: readonly YamlDocument[];
}

export interface LoadOptions {
  readonly limits?: Partial<Limits>;
  readonly cue?: CueEngine;
}

const CIP_VERSIONS = ['policy.sigstore.dev/v1alpha1', 'policy.sigstore.dev/v1beta1'];

/**
 * Reads every document of a policy file, validating each as its controller's webhook would; a bad
 * document is reported in `issues` and left out, the others still load.
 * @throws INPUT_TOO_LARGE, INPUT_MALFORMED for YAML that cannot be read at all
 */
export function readPolicies(text: string | Uint8Array, source: string, opts: LoadOptions = {}): ReadResult {
  const documents = parseYamlDocuments(text, source, opts.limits);
  const cips: ClusterImagePolicy[] = [];
  const kyverno: KyvernoPolicy[] = [];
  const trustRoots: TrustRoot[] = [];
  const issues: PolicyIssue[] = [];
  const multi = documents.length > 1;
  for (const d of documents) {
    const list = new IssueList(multi ? `${source}#${d.index + 1}` : source);
    const doc = d.value;
    if (!isObj(doc)) {
      list.error('', 'expected a Kubernetes object');
      issues.push(...list.items);
      continue;
    }
    const apiVersion = typeof doc['apiVersion'] === 'string' ? doc['apiVersion'] : '';
    const kind = typeof doc['kind'] === 'string' ? doc['kind'] : '';
    if (CIP_VERSIONS.includes(apiVersion) && kind === 'ClusterImagePolicy') {
      const p = parseClusterImagePolicy(list, doc, opts.cue ?? cueSubset);
      if (p) cips.push(p);
    } else if (apiVersion === 'policy.sigstore.dev/v1alpha1' && kind === 'TrustRoot') {
      const t = parseTrustRoot(list, doc);
      if (t) trustRoots.push(t);
    } else if (
      (apiVersion === 'kyverno.io/v1' || apiVersion === 'kyverno.io/v2beta1') &&
      (kind === 'ClusterPolicy' || kind === 'Policy')
    ) {
      const p = parseKyvernoPolicy(list, doc);
      if (p) kyverno.push(p);
    } else if (apiVersion.startsWith('kyverno.io/') || apiVersion.startsWith('policies.kyverno.io/')) {
      list.error(
        'apiVersion',
        `${apiVersion} ${kind} is not supported`,
        'write kyverno.io/v1 or kyverno.io/v2beta1 ClusterPolicy or Policy with verifyImages rules',
      );
    } else {
      list.error('kind', `"${apiVersion} ${kind}" is not a ClusterImagePolicy, TrustRoot or Kyverno policy`);
    }
    issues.push(...list.items);
  }
  return { policies: { cips, kyverno, trustRoots }, issues, documents };
}

/**
 * Loads a policy file, refusing it when any document has a schema error.
 * @throws POLICY_INVALID naming every bad field (in `fields`), INPUT_TOO_LARGE, INPUT_MALFORMED
 */
export function loadPolicies(text: string | Uint8Array, source: string, opts: LoadOptions = {}): PolicySet {
  const r = readPolicies(text, source, opts);
  const errors = r.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    throw new VouchError(
      'POLICY_INVALID',
      `${source}: ${errors.length} invalid field(s)\n${formatIssues(errors)}`,
      {
        fields: errors.map((e) => `${e.source}: ${e.path}`),
        hint: errors[0]?.fix ?? 'run `vouch policy lint` for a fix per field',
      },
    );
  }
  if (r.policies.cips.length + r.policies.kyverno.length + r.policies.trustRoots.length === 0) {
    throw new VouchError('POLICY_INVALID', `${source}: no policies in the file`);
  }
  return r.policies;
}

/** Concatenates policy sets from several files. */
export function mergePolicySets(sets: readonly PolicySet[]): PolicySet {
  return {
    cips: sets.flatMap((s) => s.cips),
    kyverno: sets.flatMap((s) => s.kyverno),
    trustRoots: sets.flatMap((s) => s.trustRoots),
  };
}
