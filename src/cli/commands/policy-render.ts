import type { Decision, ImageVerdict, PolicyIssue, PolicyResult } from '../../policy/index.js';
import { boundedIssueLines } from '../../policy/index.js';

/** How each image of a `policy test` run was named and what it resolved to. */
export interface ResolvedImage {
  readonly ref: string;
  readonly digest: string;
  /** `tag` when the digest came from resolving a tag now; `digest` when the reference carried it. */
  readonly resolvedFrom: 'tag' | 'digest';
}

const MARK = { allow: 'ALLOW', warn: 'WARN', deny: 'DENY' } as const;

function policyLine(p: PolicyResult): string {
  const kind = p.engine === 'cip' ? 'ClusterImagePolicy' : 'Kyverno';
  const rule = p.rule !== undefined ? ` rule ${p.rule}` : '';
  const verdict = p.passed ? 'passed' : `FAILED (on failure: ${p.onFailure})`;
  return `  ${kind} ${p.policy}${rule} [${p.source}] matched by "${p.matchedBy}": ${verdict}`;
}

function renderImage(v: ImageVerdict, resolved: ReadonlyMap<string, ResolvedImage>): string[] {
  const r = resolved.get(v.image);
  const via = r ? (r.resolvedFrom === 'tag' ? ' (tag resolved now)' : ' (digest as written)') : '';
  const who = v.container !== undefined ? ` container ${v.container}` : '';
  const lines = [
    `${MARK[v.outcome]} ${v.image}${who}`,
    `  digest: ${v.digest ?? '(not resolved: decided from the reference alone)'}${via}`,
  ];
  for (const p of v.policies) {
    lines.push(policyLine(p));
    // The reason chain: every authority / attestor tried and every comparison, expected vs found.
    for (const a of p.authorities) {
      lines.push(`    ${a.ok ? 'ok  ' : 'fail'} ${a.name} (${a.path})`);
      for (const c of a.checks) {
        lines.push(`      ${c.ok ? '✓' : '✗'} ${c.what}: expected ${c.expected}; found ${c.found}`);
      }
    }
  }
  for (const reason of v.reasons) lines.push(`  reason: ${reason}`);
  if (v.patch) {
    const at = v.patch.path === '' ? '' : `, ${v.patch.path}`;
    lines.push(`  pinned: ${v.patch.value} (mutateDigest${at})`);
  }
  return lines;
}

/** The human table of a decision: one block per image, then the overall verdict. */
export function renderDecision(d: Decision, resolved: ReadonlyMap<string, ResolvedImage>): string {
  const blocks = d.images.map((v) => renderImage(v, resolved).join('\n'));
  const overall = d.allowed ? (d.warnings.length > 0 ? 'ALLOWED with warnings' : 'ALLOWED') : 'DENIED';
  return `${blocks.join('\n\n')}\n\nresult: ${overall}\n`;
}

/** Lint issues one per line with the fix under each. */
export function renderIssues(issues: readonly PolicyIssue[]): string {
  // At most a screenful per file, then a count (-o json keeps every issue).
  return boundedIssueLines(issues, (i) => {
    const head = `${i.severity}: ${i.source}: ${i.path || '(document)'}: ${i.message}`;
    return i.fix ? `${head}\n  fix: ${i.fix}` : head;
  }).join('\n');
}
