import type { Command } from 'commander';
import type { Io } from './io.js';

/** What a command module gets: the process surface and a way to report a negative result. */
export interface CommandContext {
  io: Io;
  /** A negative verdict is a result, not an error: the command prints it and sets exit 1. */
  setExitCode(code: 0 | 1 | 2 | 3): void;
}

export type CommandRegistration = (program: Command, ctx: CommandContext) => void;

export type OutputFormat = 'table' | 'json';

/** `-o, --output table|json` as every command has it. */
export function parseOutputFormat(value: string): OutputFormat {
  if (value === 'table' || value === 'json') return value;
  throw new Error(`unknown output format "${value}" (expected table or json)`);
}

export function writeJson(ctx: CommandContext, value: unknown): void {
  ctx.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
