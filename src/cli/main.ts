import { Command, CommanderError } from 'commander';
import { withAbortSignal } from '../abort-scope.js';
import { VouchError } from '../errors.js';
import { VERSION } from '../version.js';
import type { CommandContext } from './context.js';
import { commandsFor } from './commands/index.js';
import { normalizeArgv } from './argv-normalize.js';
import { type Io, StringSink } from './io.js';
import { writeFileAtomic } from '../fs/index.js';
import { resolve as resolvePath } from 'node:path';
import { renderError, toVouchError } from './render-error.js';

function wantsJson(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((a === '-o' || a === '--output') && argv[i + 1] === 'json') return true;
    if (a === '--output=json' || a === '-ojson') return true;
  }
  return false;
}

/** Runs one vouch invocation and resolves to its exit code. Never calls process.exit. */
export async function run(io: Io): Promise<number> {
  let exitCode = 0;
  const ctx: CommandContext = {
    io,
    setExitCode(code) {
      exitCode = Math.max(exitCode, code);
    },
  };
  const program = new Command('vouch')
    .description('only verifiable artifacts may run')
    .version(VERSION, '-V, --version')
    .option(
      '--timeout <duration>',
      'stop the command after this long (30s, 5m, 1h; plain numbers are seconds); exit 3 with TIMEOUT',
    )
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: () => {
        // Rendered below with our own error format.
      },
    });
  for (const register of await commandsFor(io.argv)) register(program, ctx);
  for (const sub of program.commands) sub.exitOverride();

  const json = wantsJson(io.argv);
  const debug = io.env['VOUCH_DEBUG'] === '1';
  // The command's cancellation: the caller's signal (SIGINT/SIGTERM in bin/vouch.js) or --timeout. Every
  // registry request the command starts reads it (src/abort-scope.ts), so either ends the command
  // through its normal error path, which removes its partial output.
  const cancel = new AbortController();
  const onStop = () => cancel.abort(io.signal?.reason);
  io.signal?.addEventListener('abort', onStop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  program.hook('preAction', () => {
    const given = program.opts<{ timeout?: string }>().timeout;
    if (given === undefined) return;
    const ms = parseDuration(given);
    timer = setTimeout(
      () =>
        cancel.abort(
          new VouchError('TIMEOUT', `the command did not finish within ${given} (--timeout)`, {
            hint: 'raise --timeout, or check what the command waits for (VOUCH_DEBUG=1)',
          }),
        ),
      ms,
    );
    timer.unref();
  });
  try {
    const normalized = normalizeArgv(program, io.argv);
    const captured = normalized.outputFile !== undefined ? new StringSink() : undefined;
    if (captured) ctx.io = { ...io, stdout: captured };
    await withAbortSignal(cancel.signal, () => program.parseAsync(normalized.argv, { from: 'user' }));
    // A result (exit 0, or 1 for a negative verdict) goes to --output-file whole; an error leaves none.
    if (captured && normalized.outputFile !== undefined)
      await writeFileAtomic(resolvePath(io.cwd, normalized.outputFile), captured.text());
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0)
        return 0;
      if (e.code === 'commander.help') return 0;
      const err = new VouchError('USAGE', e.message.replace(/^error: /, ''), {
        hint: 'run `vouch --help` or `vouch <command> --help`',
      });
      io.stderr.write(renderError(err, json, debug));
      return err.exitCode;
    }
    const err = toVouchError(e);
    io.stderr.write(renderError(err, json, debug));
    return err.exitCode;
  } finally {
    clearTimeout(timer);
    io.signal?.removeEventListener('abort', onStop);
  }
}

/**
 * `--timeout` values: `500ms`, `30s`, `5m`, `1h`, or a plain number of seconds.
 * @throws USAGE
 */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  const ms = m ? Number(m[1]) * unit[(m[2] as keyof typeof unit | undefined) ?? 's'] : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 2_147_483_647) {
    throw new VouchError('USAGE', `--timeout: "${text}" is not a duration`, {
      hint: 'write a positive number with a unit: 500ms, 30s, 5m, 1h',
    });
  }
  return ms;
}
