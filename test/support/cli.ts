import { Readable } from 'node:stream';
import { run } from '../../src/cli/main.js';
import { StringSink } from '../../src/cli/io.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs vouch in-process with captured output, as a user would from a shell. */
export async function runCli(
  argv: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string; stdin?: string } = {},
): Promise<CliResult> {
  const stdout = new StringSink();
  const stderr = new StringSink();
  const code = await run({
    argv,
    env: { ...opts.env },
    cwd: opts.cwd ?? process.cwd(),
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    stdout,
    stderr,
    isTTY: false,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

export interface RunningCli {
  stdout: StringSink;
  stderr: StringSink;
  /** Resolves with the exit code once the command returns (after stop() for servers). */
  done: Promise<number>;
  /** Waits until stdout has a line matching `re`, and returns the match. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  stop(): Promise<number>;
}

/** Starts a long-running command (admission serve) in-process; stop() aborts it as SIGTERM would. */
export function startCli(
  argv: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string } = {},
): RunningCli {
  const stdout = new StringSink();
  const stderr = new StringSink();
  const abort = new AbortController();
  const done = run({
    argv,
    env: { ...opts.env },
    cwd: opts.cwd ?? process.cwd(),
    stdin: Readable.from([]),
    stdout,
    stderr,
    isTTY: false,
    signal: abort.signal,
  });
  let finished = false;
  void done.then(() => {
    finished = true;
  });
  return {
    stdout,
    stderr,
    done,
    async waitFor(re, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = re.exec(stdout.text());
        if (m) return m;
        if (finished) throw new Error(`command ended before printing ${re}: ${stderr.text()}`);
        if (Date.now() > until) throw new Error(`no ${re} within ${timeoutMs} ms: ${stderr.text()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      abort.abort();
      return done;
    },
  };
}
