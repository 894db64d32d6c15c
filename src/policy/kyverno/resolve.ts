import { formatIssues, IssueList } from '../issues.js';
import { substitute } from './conditions.js';
import type { Attestor, AttestorSet, ImageVerification, KyvernoRule } from './model.js';
import { parseAttestor } from './parse.js';

/** A rule with its attestor templates substituted for one request, or why that failed. */
export type ResolvedRule =
  | { readonly ok: true; readonly rule: KyvernoRule }
  | { readonly ok: false; readonly message: string };

/**
 * Substitutes the rule's variables into its attestor entries, as Kyverno's `substituteVariables` does
 * for the whole rule before verifying (attestation conditions excepted: they are evaluated later, next
 * to the predicate). Each substituted entry is parsed like a written one, so a PEM read from a ConfigMap
 * becomes an ordinary key, and one that is not a PEM is an error, never an entry that trusts nothing.
 * imageReferences are not substituted: Kyverno matches images against the rule as written.
 */
export function resolveRule(rule: KyvernoRule, data: Readonly<Record<string, unknown>>): ResolvedRule {
  if (!rule.templated) return { ok: true, rule };
  const issues = new IssueList(rule.path);
  try {
    const verifyImages: ImageVerification[] = rule.verifyImages.map((iv) => ({
      ...iv,
      attestors: iv.attestors.map((s) => resolveSet(s, data, issues)),
      attestations: iv.attestations.map((a) => ({
        ...a,
        attestors: a.attestors.map((s) => resolveSet(s, data, issues)),
      })),
    }));
    if (issues.hasErrors) {
      const errors = issues.items.filter((i) => i.severity === 'error');
      return {
        ok: false,
        message: `variables substituted into an attestor do not make a valid entry: ${formatIssues(errors.slice(0, 3))}`,
      };
    }
    return { ok: true, rule: { ...rule, templated: false, verifyImages } };
  } catch (e) {
    // MissingVariable (a ConfigMap key that is not there) or a JMESPath runtime error.
    const msg =
      e instanceof RangeError ? 'expression too deeply nested' : e instanceof Error ? e.message : String(e);
    return { ok: false, message: `substituting variables into an attestor: ${msg}` };
  }
}

function resolveSet(set: AttestorSet, data: unknown, issues: IssueList): AttestorSet {
  const entries: Attestor[] = [];
  for (const e of set.entries) {
    if (e.kind === 'template') {
      // No names: a substituted value that holds {{ … }} again is refused, not evaluated a second time.
      entries.push(
        ...parseAttestor(issues, substitute(e.raw, data, { where: 'the rule context' }), e.path, e.depth, {}),
      );
    } else if (e.kind === 'nested') {
      entries.push({ ...e, set: resolveSet(e.set, data, issues) });
    } else {
      entries.push(e);
    }
  }
  return { ...set, entries };
}
