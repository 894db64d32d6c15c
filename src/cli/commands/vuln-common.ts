import { join, resolve as resolvePath } from 'node:path';
import { VouchError } from '../../errors.js';
import { defaultLimits } from '../../limits.js';
import type { CommandContext } from '../context.js';
import { readInput } from './signing-options.js';

/**
 * The vulnerability commands' shared edge: where the database lives and how JSON inputs are read.
 * Default database: $VOUCH_DB, else $XDG_CACHE_HOME/vouch/vuln.db, else ~/.cache/vouch/vuln.db.
 * @throws USAGE when no location can be derived (no HOME and no override)
 */
export function databasePath(ctx: CommandContext, flag: string | undefined): string {
  if (flag !== undefined) return resolvePath(ctx.io.cwd, flag);
  const env = ctx.io.env;
  if (env['VOUCH_DB']) return resolvePath(ctx.io.cwd, env['VOUCH_DB']);
  if (env['XDG_CACHE_HOME']) return join(env['XDG_CACHE_HOME'], 'vouch', 'vuln.db');
  if (env['HOME']) return join(env['HOME'], '.cache', 'vouch', 'vuln.db');
  throw new VouchError('USAGE', 'cannot place the vulnerability database: no --db, VOUCH_DB or HOME');
}

/**
 * Reads and parses a JSON input file (`-` is stdin), capped at the JSON limit.
 * @throws FILE_NOT_FOUND, INPUT_TOO_LARGE, INPUT_MALFORMED (not JSON), IO_ERROR
 */
export async function readJsonInput(ctx: CommandContext, path: string, what: string): Promise<unknown> {
  const bytes = await readInput(ctx, path, defaultLimits.jsonMaxBytes, what);
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what} ${path} is not JSON: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** SOURCE_DATE_EPOCH (reproducible-builds.org) when set, else the clock: the one `now` of a command. */
export function commandTime(ctx: CommandContext): Date {
  const epoch = ctx.io.env['SOURCE_DATE_EPOCH'];
  if (epoch === undefined || epoch === '') return new Date();
  if (!/^\d{1,15}$/.test(epoch))
    throw new VouchError('USAGE', `SOURCE_DATE_EPOCH="${epoch}" is not a number of seconds`);
  return new Date(Number(epoch) * 1000);
}
