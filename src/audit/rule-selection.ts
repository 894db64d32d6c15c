import { VouchError } from '../errors.js';
import type { Finding, RuleInfo } from './finding.js';

/** `--only RULE…` / `--skip RULE…`: which rules run. An unknown rule id is a usage error, never ignored. */
export interface RuleSelection {
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
}

/**
 * Checks the ids against the audit's rules and returns a predicate. A typo in `--only` would otherwise
 * run nothing and report a clean result, so unknown ids are refused with the closest known id.
 * @throws USAGE for an unknown rule id
 */
export function selectRules(rules: readonly RuleInfo[], sel: RuleSelection): (rule: string) => boolean {
  const known = new Set(rules.map((r) => r.id));
  for (const id of [...(sel.only ?? []), ...(sel.skip ?? [])]) {
    if (!known.has(id)) {
      const near = closest(id, [...known]);
      throw new VouchError('USAGE', `unknown rule "${id}"`, {
        hint: near
          ? `did you mean "${near}"? (all rules: vouch audit … --list-rules)`
          : 'list the rules with --list-rules',
      });
    }
  }
  const only = sel.only && sel.only.length > 0 ? new Set(sel.only) : undefined;
  const skip = new Set(sel.skip ?? []);
  return (rule) => (only ? only.has(rule) : true) && !skip.has(rule);
}

/** Keeps the findings of selected rules; returns them and how many were dropped. */
export function applySelection(
  findings: readonly Finding[],
  selected: (rule: string) => boolean,
): { kept: Finding[]; dropped: number } {
  const kept = findings.filter((f) => selected(f.rule));
  return { kept, dropped: findings.length - kept.length };
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, two rows. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
