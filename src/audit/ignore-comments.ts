import type { Finding } from './finding.js';

/**
 * Inline suppressions, as zizmor reads them: a YAML comment `# zizmor: ignore[rule-a, rule-b]` on a
 * line the finding spans silences those rules there. vouch reads its own `# vouch: ignore[…]` the same
 * way, so a workflow already annotated for zizmor needs no second set of comments.
 */
const IGNORE = /#\s*(?:zizmor|vouch)\s*:\s*ignore\[([^\]\n]*)\]/g;

/** The rule ids ignored on each 1-based line of a file. */
export function ignoredRulesByLine(text: string): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (!line.includes('ignore[')) continue;
    for (const m of line.matchAll(IGNORE)) {
      const ids = (m[1] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (ids.length === 0) continue;
      const set = out.get(i + 1) ?? new Set<string>();
      for (const id of ids) set.add(id);
      out.set(i + 1, set);
    }
  }
  return out;
}

/**
 * Drops findings whose span carries an ignore comment for their rule. `sources` maps a finding's file
 * to its text; a finding on a file with no text (line 0, or a file not given) is kept.
 */
export function applyIgnoreComments(
  findings: readonly Finding[],
  sources: ReadonlyMap<string, string>,
): { kept: Finding[]; suppressed: number } {
  const byFile = new Map<string, Map<number, Set<string>>>();
  const kept: Finding[] = [];
  let suppressed = 0;
  for (const f of findings) {
    const text = sources.get(f.file);
    if (text === undefined || f.line < 1) {
      kept.push(f);
      continue;
    }
    let ignored = byFile.get(f.file);
    if (!ignored) {
      ignored = ignoredRulesByLine(text);
      byFile.set(f.file, ignored);
    }
    const last = Math.max(f.line, f.endLine ?? f.line);
    let hit = false;
    for (let line = f.line; line <= last && !hit; line++) hit = ignored.get(line)?.has(f.rule) ?? false;
    if (hit) suppressed += 1;
    else kept.push(f);
  }
  return { kept, suppressed };
}
