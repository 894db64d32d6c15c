#!/usr/bin/env node
// The only place that touches process: everything else takes an Io.
import { guardBrokenPipe } from '../dist/cli/broken-pipe.js';
import { run } from '../dist/cli/main.js';

// `vouch … | head -1`: a reader that leaves early ends the command quietly, exit 0 (src/cli/broken-pipe.ts).
const pipe = guardBrokenPipe([process.stdout, process.stderr]);

// Long-running commands (admission serve) stop cleanly on SIGTERM (the kubelet) and SIGINT (a person).
const stop = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, () => stop.abort());

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
process.exitCode = pipe.closed() ? 0 : code;
// Nothing may keep a finished command alive (open handles of an aborted server, stdin).
process.stdin.unref?.();
