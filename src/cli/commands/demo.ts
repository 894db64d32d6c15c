import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import type { DrillReport } from '../../demo/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';

interface DemoFlags {
  out?: string;
  registry?: string;
  insecureRegistry?: boolean;
  output: OutputFormat;
}

export function registerDemo(program: Command, ctx: CommandContext): void {
  program
    .command('demo')
    .description(
      'run the binary outcome drill of a release incident end to end on this machine (no cluster, no network)',
    )
    .option('--out <dir>', 'where to write the evidence (default: a new temp dir)')
    .option('--registry <host:port>', 'push the images to this registry instead of an OCI layout')
    .option('--insecure-registry', 'plain HTTP to --registry (loopback)')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    )
    .action(async (flags: DemoFlags) => {
      const out = flags.out ? resolve(ctx.io.cwd, flags.out) : await mkdtemp(join(tmpdir(), 'vouch-demo-'));
      // Loaded on use: the drill pulls in every area (webhook, metrics, SBOM, signing).
      const { runDrill } = await import('../../demo/index.js');
      const report = await runDrill({
        outDir: out,
        now: () => new Date(),
        log: (line) => ctx.io.stderr.write(`${line}\n`),
        ...(flags.registry ? { registry: flags.registry } : {}),
        ...(flags.insecureRegistry ? { insecure: true } : {}),
        ...(ctx.io.env['VOUCH_PASSWORD'] ? { password: ctx.io.env['VOUCH_PASSWORD'] } : {}),
      });
      if (flags.output === 'json') writeJson(ctx, report);
      else ctx.io.stdout.write(renderDrill(report));
      if (!report.ok) ctx.setExitCode(1);
    });
}

function renderDrill(r: DrillReport): string {
  const l: string[] = [];
  l.push('vouch drill: only verifiable artifacts may run', '');
  l.push(`store            ${r.store}`);
  l.push(`release          ${r.signed.ref}  ${r.signed.digest}`);
  l.push(`rebuild          ${r.unsigned.ref}  ${r.unsigned.digest}`);
  l.push(
    `SBOM             ${r.sbom.components} components${r.sbom.os ? ` (${r.sbom.os})` : ''}  ${r.sbom.file}`,
  );
  l.push(`signature        ${r.signature.tag}`);
  for (const a of r.attestations) l.push(`attestation      ${a.predicateType}  (${a.tag})`);
  for (const p of r.phases) {
    l.push('', `${p.mode === 'audit' ? 'Audit' : 'Enforce'} phase (${p.policyFiles.length} policy files)`);
    for (const e of p.exchanges) {
      const verdict = e.allowed ? (e.warnings.length > 0 ? 'ADMITTED with warning' : 'ADMITTED') : 'DENIED';
      l.push(`  ${e.endpoint.padEnd(8)} ${e.image.padEnd(48)} ${verdict}`);
      if (e.message) l.push(`           reason: ${clip(e.message)}`);
      for (const w of e.warnings) l.push(`           warning: ${clip(w)}`);
      if (e.pinnedTo) l.push(`           pinned: ${e.pinnedTo.join(', ')}`);
    }
    const metrics = Object.entries(p.metrics);
    if (metrics.length > 0) l.push('  metrics:');
    for (const [k, v] of metrics) l.push(`    ${k} ${v}`);
  }
  l.push('', `PolicyReports: ${r.policyReports.length} (in ${r.outDir}/reports, served at GET /reports)`);
  l.push('', 'Binary outcome:');
  for (const c of r.checks) l.push(`  [${c.ok ? 'PASS' : 'FAIL'}] ${c.name}${c.ok ? '' : `: ${c.detail}`}`);
  l.push('', r.ok ? `drill passed; evidence in ${r.outDir}` : `drill FAILED; evidence in ${r.outDir}`);
  l.push('full reasons: drill-report.json and decisions.jsonl in that directory');
  return `${l.join('\n')}\n`;
}

/** Webhook reasons carry every check; the summary shows the start, the report file has all of it. */
function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 320 ? `${one.slice(0, 317)}...` : one;
}
