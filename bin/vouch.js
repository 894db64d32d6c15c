#!/usr/bin/env node
// The only place that touches process: everything else takes an Io.
import { run } from '../dist/cli/main.js';

process.exitCode = await run({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: Boolean(process.stdout.isTTY),
});
