import { resolve as resolvePath } from 'node:path';
import { type Command, Option } from 'commander';
import {
  type AuditReport,
  applyIgnoreComments,
  applySelection,
  compareFindings,
  failsAt,
  type Finding,
  type InputProblem,
  parseSeverity,
  type RuleInfo,
  renderJson,
  renderSarif,
  renderTable,
  SEVERITIES,
  type Severity,
  selectRules,
} from '../audit/index.js';
import { VouchError } from '../errors.js';
import { writeFileAtomic } from '../fs/index.js';
import type { CommandContext } from './context.js';

/** The flags every `vouch audit …` command shares, with the same meaning everywhere. */
export interface AuditOutputFlags {
  output: 'table' | 'json' | 'sarif';
  outputFile?: string;
  failOn: Severity | 'none';
  only?: string[];
  skip?: string[];
  listRules?: boolean;
}

const FORMATS = ['table', 'json', 'sarif'] as const;

/** A comma-separated, repeatable list flag: `--skip a,b --skip c`. */
export function collectIds(value: string, previous: string[] | undefined): string[] {
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return [...(previous ?? []), ...ids];
}

function parseFailOn(value: string): Severity | 'none' {
  if (value.trim().toLowerCase() === 'none') return 'none';
  const s = parseSeverity(value);
  if (!s)
    throw new VouchError(
      'USAGE',
      `--fail-on: "${value}" is not a severity (expected ${SEVERITIES.join(', ')} or none)`,
    );
  return s;
}

/**
 * Adds `-o table|json|sarif`, `--output-file`, `--fail-on`, `--only`, `--skip` and `--list-rules`.
 * By default any finding fails the run (exit 1), as zizmor, kube-linter and lockfile-lint do; `--fail-on
 * high` fails only on high and critical, `--fail-on none` never fails on findings.
 */
export function addAuditOutputOptions(cmd: Command, defaultFailOn: Severity | 'none' = 'info'): Command {
  return cmd
    .addOption(new Option('-o, --output <format>', 'table, json or sarif').choices(FORMATS).default('table'))
    .option('--output-file <file>', 'write the report here (atomically) instead of stdout')
    .addOption(
      new Option(
        '--fail-on <severity>',
        `exit 1 when a finding is at least this severe (${SEVERITIES.join(', ')}, none)`,
      )
        .argParser(parseFailOn)
        .default(defaultFailOn),
    )
    .option('--only <rules>', 'run only these rules (comma-separated, repeatable)', collectIds)
    .option('--skip <rules>', 'do not run these rules (comma-separated, repeatable)', collectIds)
    .option('--list-rules', 'list the rules with their severity and exit');
}

/** `--list-rules`: one line a rule. */
export function renderRuleList(rules: readonly RuleInfo[]): string {
  const width = Math.max(...rules.map((r) => r.id.length), 4);
  return `${rules.map((r) => `${r.id.padEnd(width)}  ${r.severity.padEnd(8)}  ${r.summary}`).join('\n')}\n`;
}

/** What an audit produced before the shared finishing: raw findings, the audited texts for ignore comments. */
export interface RawAudit {
  tool: string;
  rules: readonly RuleInfo[];
  findings: readonly Finding[];
  problems: readonly InputProblem[];
  inputs: number;
  /** file → text, for `# zizmor: ignore[…]` / `# vouch: ignore[…]` comments. */
  sources: ReadonlyMap<string, string>;
  /** Audit-specific results rendered beside the findings in -o json. */
  details?: Readonly<Record<string, unknown>>;
}

/** Applies the rule selection and ignore comments, and sorts: the report every renderer gets. */
export function finishAudit(raw: RawAudit, flags: Pick<AuditOutputFlags, 'only' | 'skip'>): AuditReport {
  const selected = selectRules(raw.rules, { only: flags.only, skip: flags.skip });
  const bySelection = applySelection(raw.findings, selected);
  const byComment = applyIgnoreComments(bySelection.kept, raw.sources);
  return {
    tool: raw.tool,
    rules: raw.rules,
    findings: [...byComment.kept].sort(compareFindings),
    suppressed: byComment.suppressed,
    problems: [...raw.problems].sort((a, b) =>
      a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line,
    ),
    inputs: raw.inputs,
    ...(raw.details ? { details: raw.details } : {}),
  };
}

/**
 * Renders the report to stdout or `--output-file` and sets the exit code: 2 when an input could not be
 * audited (the rest was still audited and reported), else 1 when a finding reaches `--fail-on`.
 */
export async function writeAuditReport(
  ctx: CommandContext,
  report: AuditReport,
  flags: AuditOutputFlags,
): Promise<void> {
  const text =
    flags.output === 'json'
      ? renderJson(report)
      : flags.output === 'sarif'
        ? renderSarif(report)
        : renderTable(report);
  if (flags.outputFile) await writeFileAtomic(resolvePath(ctx.io.cwd, flags.outputFile), text);
  else ctx.io.stdout.write(text);
  if (report.problems.length > 0) {
    if (flags.output !== 'table' || flags.outputFile) {
      for (const p of report.problems)
        ctx.io.stderr.write(`${p.file}:${p.line}:${p.column}: not audited: ${p.message}\n`);
    }
    ctx.setExitCode(2);
  }
  if (flags.failOn !== 'none' && failsAt(report.findings, flags.failOn)) ctx.setExitCode(1);
}
