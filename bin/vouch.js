#!/usr/bin/env node
// The only place that touches process: everything else takes an Io.
import { run } from '../dist/cli/main.js';

// Long-running commands (admission serve) stop cleanly on SIGTERM (the kubelet) and SIGINT (a person).
const stop = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, () => stop.abort());

process.exitCode = await run({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: Boolean(process.stdout.isTTY),
  signal: stop.signal,
});
// Nothing may keep a finished command alive (open handles of an aborted server, stdin).
process.stdin.unref?.();
