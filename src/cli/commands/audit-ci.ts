import { type Command, Option } from 'commander';
import { auditCi, type CiAuditOptions, PERSONAS, type Persona } from '../../audit/index.js';
import { CONFIDENCES, type Confidence } from '../../audit/index.js';
import {
  type AuditOutputFlags,
  addAuditOutputOptions,
  finishAudit,
  renderRuleList,
  writeAuditReport,
  collectIds,
} from '../audit-output.js';
import { readCiInputs } from '../ci-input-files.js';
import type { CommandContext } from '../context.js';
import { VouchError } from '../../errors.js';

import { type CiFixFlags, runCiFix } from './audit-ci-fix.js';

interface CiFlags extends AuditOutputFlags, CiFixFlags {
  persona: Persona;
  pedantic?: boolean;
  minConfidence: Confidence;
  allowUses?: string[];
  denyUses?: string[];
}

/**
 * `vouch audit ci [PATH…]`: GitHub Actions workflows, composite actions and Dependabot configuration,
 * with zizmor's audit ids, personas and ignore comments; `--fix` proposes safe edits.
 */
export function registerAuditCi(audit: Command, ctx: CommandContext): void {
  const cmd = audit
    .command('ci')
    .description('audit GitHub Actions workflows, actions and dependabot.yml (zizmor rule ids)')
    .argument('[paths...]', 'repository, directory or files; - reads standard input', [])
    .addOption(
      new Option('--persona <persona>', 'which findings to show').choices(PERSONAS).default('regular'),
    )
    .option('--pedantic', 'same as --persona pedantic')
    .addOption(
      new Option('--min-confidence <level>', 'drop findings below this confidence')
        .choices(CONFIDENCES)
        .default('low'),
    )
    .option(
      '--allow-uses <pattern>',
      'forbidden-uses: only these actions (owner/*, owner/repo); repeatable',
      collectIds,
    )
    .option('--deny-uses <pattern>', 'forbidden-uses: never these actions; repeatable', collectIds)
    .option('--fix', 'show the safe fixes as a diff (nothing is written without --write)')
    .option('--write', 'with --fix: apply the fixes to the files')
    .option('--pins <file>', 'with --fix: offline map of "owner/repo@ref" to commit SHA and version (JSON)')
    .option(
      '--action-repos <dir>',
      'with --fix: resolve pins in local clones DIR/owner/repo instead of the API',
    )
    .option(
      '--github-api <url>',
      'with --fix: GitHub REST API to resolve pins (default https://api.github.com)',
    );
  addAuditOutputOptions(cmd).action(async (paths: string[], flags: CiFlags) => {
    if (flags.listRules) {
      const { rules } = auditCi([], {});
      ctx.io.stdout.write(renderRuleList(rules));
      return;
    }
    if (!flags.fix && (flags.write || flags.pins || flags.actionRepos || flags.githubApi))
      throw new VouchError('USAGE', '--write, --pins, --action-repos and --github-api need --fix');
    const inputs = await readCiInputs(paths, ctx.io.cwd, ctx.io.stdin);
    const opts: CiAuditOptions = {
      persona: flags.pedantic && flags.persona === 'regular' ? 'pedantic' : flags.persona,
      minConfidence: flags.minConfidence,
      ...(flags.allowUses || flags.denyUses
        ? {
            forbiddenUses: {
              ...(flags.allowUses ? { allow: flags.allowUses } : {}),
              ...(flags.denyUses ? { deny: flags.denyUses } : {}),
            },
          }
        : {}),
    };
    const result = auditCi(inputs, opts);
    const finished = finishAudit({ tool: 'vouch audit ci', ...result }, flags);
    if (flags.fix) {
      await runCiFix(ctx, result, finished, flags);
      return;
    }
    await writeAuditReport(ctx, finished, flags);
  });
}
