import { type Command, Option } from 'commander';
import { VouchError } from '../../errors.js';
import type { SeverityLevel } from '../../vuln/index.js';
import type { VulnFinding } from '../../vuln/index.js';
import { SCAN_JSON_TYPE } from '../../vuln/index.js';
import { countBySeverity } from '../../vuln/index.js';
import {
  applyVex,
  createOpenVex,
  mergeOpenVex,
  VEX_JUSTIFICATIONS,
  VEX_STATUSES,
  type VexStatus,
} from '../../vuln/index.js';
import type { CommandContext } from '../context.js';
import { loadVex } from './scan.js';
import { collect, writeOutputFile } from './signing-options.js';
import { commandTime, readJsonInput } from './vuln-common.js';

const DEFAULT_AUTHOR = 'Unknown Author';

export function registerVex(program: Command, ctx: CommandContext): void {
  const vex = program.command('vex').description('create, merge and apply OpenVEX documents');
  vex
    .command('create')
    .description('write an OpenVEX 0.2.0 document with one statement (vexctl create flags)')
    .requiredOption('--product <purl>', 'product the statement is about; repeatable', collect)
    .requiredOption('--vuln <id>', 'vulnerability id (CVE-…, GHSA-…)')
    .addOption(
      new Option('--status <status>', 'impact status').choices([...VEX_STATUSES]).makeOptionMandatory(),
    )
    .addOption(new Option('--justification <j>', 'why not_affected').choices([...VEX_JUSTIFICATIONS]))
    .option('--impact-statement <text>', 'free-form why not_affected')
    .option('--action-statement <text>', 'what to do when affected')
    .option('--subcomponents <purl>', 'affected subcomponent of the product; repeatable', collect)
    .option('--author <name>', 'document author', DEFAULT_AUTHOR)
    .option('--id <iri>', 'document @id (default: derived from the content)')
    .option('--file <path>', 'write the document here instead of stdout')
    .action(
      async (f: {
        product: string[];
        vuln: string;
        status: VexStatus;
        justification?: string;
        impactStatement?: string;
        actionStatement?: string;
        subcomponents?: string[];
        author: string;
        id?: string;
        file?: string;
      }) => {
        const doc = createOpenVex({
          products: f.product,
          vulnerability: f.vuln,
          status: f.status,
          ...(f.justification ? { justification: f.justification } : {}),
          ...(f.impactStatement ? { impactStatement: f.impactStatement } : {}),
          ...(f.actionStatement ? { actionStatement: f.actionStatement } : {}),
          ...(f.subcomponents ? { subcomponents: f.subcomponents } : {}),
          ...(f.id ? { id: f.id } : {}),
          author: f.author,
          now: commandTime(ctx),
        });
        await emit(ctx, `${JSON.stringify(doc, null, 2)}\n`, f.file);
      },
    );
  vex
    .command('merge')
    .description('merge OpenVEX documents into one (vexctl merge)')
    .argument('<documents...>', 'OpenVEX files')
    .option('--author <name>', 'author of the merged document', DEFAULT_AUTHOR)
    .option('--id <iri>', 'document @id (default: derived from the content)')
    .option('--file <path>', 'write the document here instead of stdout')
    .action(async (files: string[], f: { author: string; id?: string; file?: string }) => {
      const docs = [];
      for (const file of files)
        docs.push({ doc: await readJsonInput(ctx, file, 'VEX document'), where: file });
      const merged = mergeOpenVex(docs, {
        author: f.author,
        now: commandTime(ctx),
        ...(f.id ? { id: f.id } : {}),
      });
      await emit(ctx, `${JSON.stringify(merged, null, 2)}\n`, f.file);
    });
  vex
    .command('filter')
    .description(
      'drop findings of a `vouch scan -o json` report that VEX statements mark not_affected or fixed',
    )
    .argument('<scan-json>', 'a vouch scan JSON report')
    .requiredOption('--vex <file>', 'OpenVEX or CycloneDX VEX document; repeatable', collect)
    .option('--file <path>', 'write the filtered report here instead of stdout')
    .action(async (scanFile: string, f: { vex: string[]; file?: string }) => {
      const statements = await loadVex(ctx, f.vex);
      const report = await readJsonInput(ctx, scanFile, 'scan report');
      const { doc, findings } = readScanJson(report, scanFile);
      const subject =
        typeof doc['target'] === 'object' && doc['target'] !== null
          ? (doc['target'] as Record<string, unknown>)['subject']
          : undefined;
      const outcome = applyVex(
        findings.map((x) => x.finding),
        statements,
        typeof subject === 'string' ? subject : undefined,
      );
      const keep = new Set(outcome.active.map((a) => a.finding));
      const suppressedBefore = Array.isArray(doc['suppressed']) ? (doc['suppressed'] as unknown[]) : [];
      const out = {
        ...doc,
        summary: countBySeverity(outcome.active.map((a) => a.finding)),
        findings: findings.filter((x) => keep.has(x.finding)).map((x) => x.json),
        suppressed: [
          ...suppressedBefore,
          ...outcome.suppressed.map((s) => ({
            ...(findings.find((x) => x.finding === s.finding)?.json ?? {}),
            suppressedBy: 'vex',
            status: s.statement.status,
            ...(s.statement.justification || s.statement.impactStatement
              ? { justification: s.statement.justification ?? s.statement.impactStatement }
              : {}),
            origin: s.statement.origin,
          })),
        ],
      };
      await emit(ctx, `${JSON.stringify(out, null, 2)}\n`, f.file);
      ctx.io.stderr.write(
        `${outcome.suppressed.length} findings suppressed, ${outcome.active.length} remain\n`,
      );
    });
}

async function emit(ctx: CommandContext, text: string, file: string | undefined): Promise<void> {
  if (file === undefined) ctx.io.stdout.write(text);
  else await writeOutputFile(ctx, file, text);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads back the findings of a `vouch scan -o json` report, listing every bad field. */
function readScanJson(
  doc: unknown,
  where: string,
): { doc: Obj; findings: Array<{ finding: VulnFinding; json: unknown }> } {
  if (!isObj(doc) || doc['type'] !== SCAN_JSON_TYPE || !Array.isArray(doc['findings'])) {
    throw new VouchError('INPUT_MALFORMED', `${where}: not a vouch scan JSON report`, {
      fields: ['type', 'findings'],
      hint: 'produce one with vouch scan -o json',
    });
  }
  const bad: string[] = [];
  const findings: Array<{ finding: VulnFinding; json: unknown }> = [];
  for (const [i, j] of (doc['findings'] as unknown[]).entries()) {
    const pkg = isObj(j) ? j['package'] : undefined;
    const sev = isObj(j) ? j['severity'] : undefined;
    if (!isObj(j) || typeof j['id'] !== 'string' || !isObj(pkg) || typeof pkg['purl'] !== 'string') {
      bad.push(`findings[${i}]`);
      continue;
    }
    const strings = (v: unknown): string[] =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    findings.push({
      json: j,
      finding: {
        id: j['id'],
        aliases: strings(j['aliases']),
        upstream: strings(j['upstream']),
        purl: pkg['purl'],
        ref: typeof pkg['ref'] === 'string' ? pkg['ref'] : undefined,
        ecosystem: String(pkg['ecosystem'] ?? ''),
        name: String(pkg['name'] ?? ''),
        version: String(pkg['version'] ?? ''),
        fixed: strings(j['fixedIn']),
        severity: {
          level: (isObj(sev) && typeof sev['level'] === 'string' ? sev['level'] : 'unknown') as SeverityLevel,
          score: isObj(sev) && typeof sev['score'] === 'number' ? sev['score'] : undefined,
          vector: undefined,
          source: 'report',
          invalid: [],
        },
        summary: undefined,
      },
    });
  }
  if (bad.length > 0)
    throw new VouchError('INPUT_MALFORMED', `${where}: malformed findings`, { fields: bad });
  return { doc, findings };
}
