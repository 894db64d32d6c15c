import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { VouchError } from '../../errors.js';
import { generateCosignKeyPair } from '../../crypto/index.js';
import { writeKeyPairFiles } from '../../sign/index.js';
import type { CommandContext } from '../context.js';
import { passwordFromEnv, readPassword } from './signing-options.js';

interface GenerateFlags {
  outputKeyPrefix: string;
  force?: boolean;
}

export function registerGenerateKeyPair(program: Command, ctx: CommandContext): void {
  program
    .command('generate-key-pair')
    .description('write a cosign-format encrypted key pair (<prefix>.key, <prefix>.pub)')
    .option('--output-key-prefix <prefix>', 'file name prefix', 'cosign')
    .option('--force', 'replace existing key files')
    .action(async (flags: GenerateFlags) => {
      let password = passwordFromEnv(ctx);
      if (password === undefined) {
        password = await readPassword(ctx, 'Enter password for private key: ');
        const again = await readPassword(ctx, 'Enter password for private key again: ');
        if (again !== password) throw new VouchError('USAGE', 'passwords do not match');
      }
      const pair = await generateCosignKeyPair(password);
      const prefix = resolvePath(ctx.io.cwd, flags.outputKeyPrefix);
      const written = await writeKeyPairFiles(prefix, pair, { overwrite: flags.force ?? false });
      ctx.io.stderr.write(
        `Private key written to ${written.keyPath}\nPublic key written to ${written.pubPath}\n`,
      );
    });
}
