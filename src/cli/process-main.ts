import { VouchError } from '../errors.js';
import { removePartialOutputsSync } from '../fs/index.js';
import { guardBrokenPipe } from './broken-pipe.js';
import { run } from './main.js';

/** The exit status of a process ended by a signal, as shells report it: 128 + the signal number. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT;

/** How long a command has to wind down (abort its requests, remove its partial output) after a signal. */
const GRACE_MS = 10_000;

/**
 * The process side of the CLI (bin/vouch.js): runs one command with the process's argv and streams.
 * SIGINT/SIGTERM cancel the command: its registry requests abort, it removes its partial output through
 * its own error path and the process exits 130/143. A command still running after the grace period, or
 * a second signal, ends the process at once after removing the partial output still tracked.
 * Long-running servers (admission serve) stop cleanly on the same signal and exit with their own code.
 */
export async function main(): Promise<void> {
  // `vouch … | head -1`: a reader that leaves early ends the command quietly, exit 0 (broken-pipe.ts).
  const pipe = guardBrokenPipe([process.stdout, process.stderr]);
  const stop = new AbortController();
  let received: StopSignal | undefined;
  const onSignal = (sig: StopSignal) => {
    if (received !== undefined) {
      removePartialOutputsSync();
      process.exit(SIGNAL_EXIT[sig]);
    }
    received = sig;
    stop.abort(new VouchError('TIMEOUT', `interrupted by ${sig}`));
    const force = setTimeout(() => {
      removePartialOutputsSync();
      process.exit(SIGNAL_EXIT[sig]);
    }, GRACE_MS);
    force.unref();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const code = await run({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: Boolean(process.stdout.isTTY),
    signal: stop.signal,
  });
  // A command that failed because it was interrupted exits as the signal; one that finished anyway
  // (a server that stopped cleanly, work that completed as the signal came) keeps its own code.
  process.exitCode = pipe.closed() ? 0 : received !== undefined && code !== 0 ? SIGNAL_EXIT[received] : code;
  // Nothing may keep a finished command alive (open handles of an aborted server, stdin).
  process.stdin.unref?.();
}
