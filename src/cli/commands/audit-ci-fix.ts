import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AuditReport } from '../../audit/index.js';
import {
  applyEdits,
  type CiAuditResult,
  isVersionRef,
  type Pin,
  parsePinsFile,
  parseUses,
  planFixes,
  resolvePinFromGitHub,
  unifiedDiff,
} from '../../audit/index.js';
import { VouchError } from '../../errors.js';
import { defaultLimits } from '../../limits.js';
import { writeFileAtomic } from '../../fs/index.js';
import { resolvePinFromGit } from '../ci-git-pins.js';
import type { CommandContext } from '../context.js';

export interface CiFixFlags {
  fix?: boolean;
  write?: boolean;
  pins?: string;
  githubApi?: string;
  actionRepos?: string;
}

/** The (repo, ref) pairs the pin fixes need. */
function wantedPins(report: AuditReport): Set<string> {
  const out = new Set<string>();
  for (const f of report.findings) {
    if (f.rule !== 'unpinned-uses' && f.rule !== 'oidc-unpinned-federation') continue;
    const uses = f.properties?.['uses'];
    const u = typeof uses === 'string' ? parseUses(uses) : undefined;
    if (u?.kind === 'repository' && u.ref && isVersionRef(u.ref))
      out.add(`${u.owner}/${u.repo}@${u.ref}`.toLowerCase());
  }
  return out;
}

/**
 * `--fix`: plans the safe fixes for the reported findings, prints them as a unified diff (dry run) or,
 * with `--write`, writes each changed file atomically. Pins come from `--pins FILE` or the GitHub API
 * (`--github-api`, GITHUB_TOKEN); a pin that cannot be resolved is never written, and is listed.
 * Exit 0 when everything fixable was fixed or shown, 1 when findings remain unfixed after --write.
 */
export async function runCiFix(
  ctx: CommandContext,
  result: CiAuditResult,
  report: AuditReport,
  flags: CiFixFlags,
): Promise<void> {
  if (result.documents.some((d) => d.file === '-') && flags.write)
    throw new VouchError('USAGE', '--write cannot write back to standard input', {
      hint: 'use --fix alone for a diff',
    });
  const pins = new Map<string, Pin | undefined>();
  const wanted = wantedPins(report);
  if (flags.pins) {
    const file = resolve(ctx.io.cwd, flags.pins);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new VouchError('USAGE', `--pins ${flags.pins}: cannot read the file`, { cause: e });
    }
    for (const [k, v] of parsePinsFile(text, flags.pins)) pins.set(k, v);
  } else if (flags.actionRepos && wanted.size > 0) {
    const dir = resolve(ctx.io.cwd, flags.actionRepos);
    for (const key of [...wanted].sort()) {
      const at = key.lastIndexOf('@');
      pins.set(key, await resolvePinFromGit(dir, key.slice(0, at), key.slice(at + 1)));
    }
  } else if (wanted.size > 0) {
    const baseUrl = flags.githubApi ?? ctx.io.env['GITHUB_API_URL'] ?? 'https://api.github.com';
    const token = ctx.io.env['GITHUB_TOKEN'] ?? ctx.io.env['GH_TOKEN'];
    for (const key of [...wanted].sort()) {
      const at = key.lastIndexOf('@');
      pins.set(
        key,
        await resolvePinFromGitHub(key.slice(0, at), key.slice(at + 1), {
          baseUrl,
          timeoutMs: defaultLimits.fetchTimeoutMs,
          ...(token ? { token } : {}),
        }),
      );
    }
  }
  const lookup = (repo: string, ref: string) => pins.get(`${repo}@${ref}`.toLowerCase());
  const skipped: string[] = [];
  const applied: string[] = [];
  let diff = '';
  for (const doc of result.documents) {
    const plan = planFixes(doc, report.findings, lookup);
    skipped.push(...plan.skipped);
    if (plan.edits.length === 0) continue;
    const after = applyEdits(doc.text, plan.edits);
    applied.push(...plan.applied);
    if (flags.write) await writeFileAtomic(resolve(ctx.io.cwd, doc.file), after);
    else diff += unifiedDiff(doc.file, doc.text, after);
  }
  if (!flags.write) ctx.io.stdout.write(diff);
  for (const line of applied) ctx.io.stderr.write(`${flags.write ? 'fixed' : 'would fix'}: ${line}\n`);
  for (const line of skipped) ctx.io.stderr.write(`not fixed: ${line}\n`);
  if (applied.length === 0 && skipped.length === 0) ctx.io.stderr.write('nothing to fix\n');
  if (report.problems.length > 0) ctx.setExitCode(2);
  else if (skipped.length > 0) ctx.setExitCode(1);
}
