import { type Command, Option } from 'commander';
import {
  type CueMode,
  lintPolicies,
  type PromoteTarget,
  promotePolicies,
  settle,
} from '../../policy/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { cueOption, withCue } from '../cue-option.js';
import { readPolicyText } from './policy-inputs.js';
import { renderIssues } from './policy-render.js';
import { registerPolicyTest } from './policy-test.js';
import { collect, writeOutputFile } from './signing-options.js';

interface LintFlags {
  file: string[];
  cue: CueMode;
  output: OutputFormat;
}

interface PromoteFlags {
  file: string[];
  to: PromoteTarget;
  write?: boolean;
  output: OutputFormat;
}

/** `vouch policy test|lint|promote`. */
export function registerPolicy(program: Command, ctx: CommandContext): void {
  const policy = program
    .command('policy')
    .description('test, lint and promote ClusterImagePolicy / Kyverno verifyImages policies');
  registerPolicyTest(policy, ctx);

  policy
    .command('lint')
    .description('validate policies as their controllers would, with a fix for each issue')
    .requiredOption('-f, --file <policy.yaml>', 'policy file (repeatable)', collect)
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    )
    .addOption(cueOption())
    .action(async (flags: LintFlags) => {
      const texts: { file: string; text: string }[] = [];
      for (const file of flags.file) texts.push({ file, text: await readPolicyText(ctx, file) });
      // Lint is pure; CUE beyond the built-in subset is compiled by real CUE between two passes, so
      // its errors are real CUE's own.
      const linted = await withCue(flags.cue, (cue) =>
        settle(
          () => texts.map(({ file, text }) => lintPolicies(text, file, { cue: cue.engine })),
          cue.answer,
        ),
      );
      const results = texts.map(({ file }, i) => {
        const r = linted[i] as (typeof linted)[number];
        return { file, ok: r.ok, issues: r.issues, ...(r.corrected ? { corrected: r.corrected } : {}) };
      });
      const ok = results.every((r) => r.ok);
      if (flags.output === 'json') {
        writeJson(ctx, { ok, files: results });
      } else {
        for (const r of results) {
          const head = `${r.file}: ${r.issues.length === 0 ? 'ok' : `${r.issues.length} issue(s)`}`;
          const body = r.issues.length > 0 ? `\n${renderIssues(r.issues)}` : '';
          const fixed = r.corrected ? `\n--- corrected ${r.file} ---\n${r.corrected}` : '';
          ctx.io.stdout.write(`${head}${body}${fixed}\n`);
        }
      }
      if (!ok) ctx.setExitCode(1);
    });

  policy
    .command('promote')
    .description('flip policies between Audit and Enforce, keeping comments; dry run unless --write')
    .requiredOption('-f, --file <policy.yaml>', 'policy file (repeatable)', collect)
    .addOption(
      new Option('--to <mode>', 'enforce or audit').choices(['enforce', 'audit']).makeOptionMandatory(),
    )
    .option('--write', 'rewrite the files (atomically) instead of printing the diff')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    )
    .action(async (flags: PromoteFlags) => {
      // Every file is computed before any is written: a bad second file leaves the first untouched.
      const results = [];
      for (const file of flags.file) {
        const r = promotePolicies(await readPolicyText(ctx, file), file, flags.to);
        results.push({ file, ...r });
      }
      if (flags.write) {
        for (const r of results) if (r.changes.length > 0) await writeOutputFile(ctx, r.file, r.text);
      }
      if (flags.output === 'json') {
        writeJson(ctx, {
          to: flags.to,
          written: flags.write === true,
          files: results.map((r) => ({ file: r.file, changes: r.changes, diff: r.diff })),
        });
        return;
      }
      for (const r of results) {
        if (r.changes.length === 0) ctx.io.stdout.write(`${r.file}: already ${flags.to}\n`);
        else if (flags.write) ctx.io.stdout.write(`${r.file}: ${r.changes.length} change(s) written\n`);
        else ctx.io.stdout.write(r.diff.endsWith('\n') ? r.diff : `${r.diff}\n`);
      }
    });
}
