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
