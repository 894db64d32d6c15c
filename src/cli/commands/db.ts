import { resolve as resolvePath } from 'node:path';
import { type Command, Option } from 'commander';
import { VouchError } from '../../errors.js';
import { buildDatabase } from '../../vuln/index.js';
import { importDatabase } from '../../vuln/index.js';
import { openDatabase } from '../../vuln/index.js';
import { DEFAULT_ECOSYSTEMS, OSV_BUCKET_URL, updateDatabase } from '../../vuln/index.js';
import type { BuildResult } from '../../vuln/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { collect } from './signing-options.js';
import { commandTime, databasePath } from './vuln-common.js';

export function registerDb(program: Command, ctx: CommandContext): void {
  const db = program.command('db').description('manage the vulnerability database `vouch scan` reads');
  db.command('build')
    .description('build the database from OSV records on disk (directories, .json files, all.zip exports)')
    .requiredOption('--from <dir|zip|json>', 'OSV input; repeatable', collect)
    .option('--db <path>', 'database to write (default $VOUCH_DB or ~/.cache/vouch/vuln.db)')
    .action(async (flags: { from: string[]; db?: string }) => {
      const result = await buildDatabase(
        flags.from.map((p) => ({ kind: 'path' as const, path: resolvePath(ctx.io.cwd, p) })),
        { out: databasePath(ctx, flags.db), builtAt: commandTime(ctx), source: flags.from.join(', ') },
      );
      reportBuild(ctx, result);
    });
  db.command('status')
    .description('show the database age, source and record counts per ecosystem')
    .option('--db <path>', 'database to read')
    .option('--verify', 'also read every record and check the record section checksum')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    )
    .action((flags: { db?: string; verify?: boolean; output: OutputFormat }) => {
      const d = openDatabase(databasePath(ctx, flags.db));
      try {
        if (flags.verify) d.verify();
        const now = commandTime(ctx);
        const ageSeconds = Math.max(0, Math.floor((now.getTime() - Date.parse(d.meta.builtAt)) / 1000));
        if (flags.output === 'json') {
          writeJson(ctx, {
            path: d.path,
            ...d.meta,
            ageSeconds,
            ...(flags.verify ? { verified: true } : {}),
          });
          return;
        }
        const lines = [
          `path:      ${d.path}`,
          `built:     ${d.meta.builtAt} (${formatAge(ageSeconds)} ago)`,
          `source:    ${d.meta.source}`,
          `records:   ${d.meta.records} (${d.meta.packages} packages, ${d.meta.withdrawn} withdrawn, ${d.meta.skipped} skipped at build)`,
          ...Object.entries(d.meta.ecosystems)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([eco, n]) => `  ${eco.padEnd(12)} ${n}`),
          ...(flags.verify ? ['verified:  record checksums match'] : []),
        ];
        ctx.io.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        d.close();
      }
    });
  db.command('import')
    .description('install a database file built elsewhere (checked whole before it replaces the current one)')
    .argument('<file>', 'a database written by `vouch db build` or `vouch db update`')
    .option('--db <path>', 'database to replace')
    .action(async (file: string, flags: { db?: string }) => {
      const meta = await importDatabase(resolvePath(ctx.io.cwd, file), databasePath(ctx, flags.db));
      ctx.io.stderr.write(`imported ${file}: built ${meta.builtAt}, ${meta.records} records\n`);
    });
  db.command('check')
    .description(
      'exit 1 when the database is missing, corrupt or older than --max-age (an update is due), as grype db check',
    )
    .option('--db <path>', 'database to check')
    .option('--max-age <hours>', 'oldest acceptable build age in hours (grype: 120)', '120')
    .action((flags: { db?: string; maxAge: string }) => {
      const maxHours = Number(flags.maxAge);
      if (!Number.isFinite(maxHours) || maxHours <= 0) {
        throw new VouchError('USAGE', `--max-age ${flags.maxAge}: expected a positive number of hours`);
      }
      let d: ReturnType<typeof openDatabase>;
      try {
        d = openDatabase(databasePath(ctx, flags.db));
      } catch (e) {
        if (!(e instanceof VouchError) || !['DB_MISSING', 'DB_CORRUPT'].includes(e.code)) throw e;
        ctx.io.stdout.write(`Update available: ${e.message}\n`);
        ctx.setExitCode(1);
        return;
      }
      try {
        const ageHours = (commandTime(ctx).getTime() - Date.parse(d.meta.builtAt)) / 3_600_000;
        if (ageHours > maxHours) {
          ctx.io.stdout.write(
            `Update available: built ${d.meta.builtAt}, ${Math.floor(ageHours)}h ago (max ${maxHours}h)\n`,
          );
          ctx.setExitCode(1);
        } else {
          ctx.io.stdout.write(`No update available: built ${d.meta.builtAt}, ${Math.floor(ageHours)}h ago\n`);
        }
      } finally {
        d.close();
      }
    });
  db.command('list')
    .description('list the OSV ecosystems `vouch db update` can fetch, and where from')
    .option('--source <url>', 'base URL serving <ecosystem>/all.zip', OSV_BUCKET_URL)
    .action((flags: { source: string }) => {
      const base = flags.source.replace(/\/+$/, '');
      for (const eco of DEFAULT_ECOSYSTEMS)
        ctx.io.stdout.write(`${eco}\t${base}/${encodeURIComponent(eco)}/all.zip\n`);
    });
  db.command('update')
    .description(`download OSV exports and rebuild the database (default source ${OSV_BUCKET_URL})`)
    .option('--source <url>', 'base URL serving <ecosystem>/all.zip', OSV_BUCKET_URL)
    .option(
      '--ecosystem <name>',
      `OSV ecosystem to fetch; repeatable (default: ${DEFAULT_ECOSYSTEMS.join(', ')})`,
      collect,
    )
    .option('--db <path>', 'database to write')
    .action(async (flags: { source: string; ecosystem?: string[]; db?: string }) => {
      const result = await updateDatabase({
        source: flags.source,
        ecosystems: flags.ecosystem ?? DEFAULT_ECOSYSTEMS,
        out: databasePath(ctx, flags.db),
        now: commandTime(ctx),
        log: (line) => ctx.io.stderr.write(`${line}\n`),
      });
      reportBuild(ctx, result);
    });
}

function formatAge(s: number): string {
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function reportBuild(ctx: CommandContext, r: BuildResult): void {
  for (const s of r.skipped.slice(0, 20))
    ctx.io.stderr.write(`skipped ${s.where}: ${s.problems.join('; ')}\n`);
  ctx.io.stderr.write(
    `wrote ${r.path}: ${r.meta.records} records, ${r.meta.packages} packages, ${r.meta.skipped} skipped, ${r.duplicates} duplicates\n`,
  );
}
