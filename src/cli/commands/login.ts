import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describeCause, VouchError } from '../../errors.js';
import { writeFileAtomic } from '../../fs/index.js';
import { defaultLimits } from '../../limits.js';
import { recordLogin } from '../../oci/index.js';
import type { CommandContext } from '../context.js';
import { readInput } from './signing-options.js';

interface LoginFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

/** `vouch login <registry> -u USER (-p PASS | --password-stdin)`: as `cosign login`, into docker's config. */
export function registerLogin(program: Command, ctx: CommandContext): void {
  program
    .command('login')
    .description(
      "record registry credentials in docker's config.json ($DOCKER_CONFIG or ~/.docker), as cosign login",
    )
    .argument('<registry>', 'registry host, e.g. ghcr.io or 127.0.0.1:5000')
    .option('-u, --username <user>', 'user name')
    .option(
      '-p, --password <password>',
      'password (visible in shell history and ps: prefer --password-stdin)',
    )
    .option('--password-stdin', 'read the password from stdin')
    .action(async (registry: string, flags: LoginFlags) => {
      if (flags.username === undefined || flags.username === '') {
        throw new VouchError('USAGE', 'login needs --username');
      }
      if ((flags.password === undefined) === (flags.passwordStdin !== true)) {
        throw new VouchError('USAGE', 'give exactly one of --password and --password-stdin');
      }
      let password = flags.password;
      if (password === undefined) {
        password = (await readInput(ctx, '-', 64 * 1024, '--password-stdin'))
          .toString('utf8')
          .replace(/\r?\n$/, '');
      } else {
        ctx.io.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
      }
      if (password === '') throw new VouchError('USAGE', 'empty password');
      const dir = configDir(ctx);
      const file = join(dir, 'config.json');
      const existing = await readExisting(file);
      const next = recordLogin(existing, registry, flags.username, password, `docker config ${file}`);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, next, { mode: 0o600 });
      ctx.io.stdout.write(`logged in via ${file}\n`);
    });
}

function configDir(ctx: CommandContext): string {
  const env = ctx.io.env;
  const dir = env['DOCKER_CONFIG'] ?? (env['HOME'] ? join(env['HOME'], '.docker') : undefined);
  if (dir === undefined)
    throw new VouchError('USAGE', 'neither DOCKER_CONFIG nor HOME is set: nowhere to record the login');
  return dir;
}

async function readExisting(file: string): Promise<Buffer | undefined> {
  try {
    const b = await readFile(file);
    if (b.byteLength > defaultLimits.configMaxBytes) {
      throw new VouchError(
        'INPUT_TOO_LARGE',
        `docker config ${file}: more than ${defaultLimits.configMaxBytes} bytes`,
      );
    }
    return b;
  } catch (e) {
    if (e instanceof VouchError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VouchError('IO_ERROR', `cannot read docker config ${file}: ${describeCause(e)}`, { cause: e });
  }
}
