import type { Command } from 'commander';
import { publicKeyToPem } from '../../crypto/index.js';
import type { CommandContext } from '../context.js';
import { signingKey, writeOutputFile } from './signing-options.js';

interface PublicKeyFlags {
  key: string;
  outfile?: string;
}

/** `vouch public-key --key cosign.key`: the public half of a private key, as PEM. */
export function registerPublicKey(program: Command, ctx: CommandContext): void {
  program
    .command('public-key')
    .description('print (or write) the public key of a private key (cosign.key, PKCS#8 PEM, env://VAR)')
    .requiredOption(
      '--key <file|env://VAR>',
      'the private key; its password from VOUCH_PASSWORD/COSIGN_PASSWORD',
    )
    .option('--outfile <file>', 'write the PEM here (atomically) instead of stdout')
    .action(async (flags: PublicKeyFlags) => {
      const pem = publicKeyToPem((await signingKey(ctx, flags.key)).publicKey);
      if (flags.outfile !== undefined) await writeOutputFile(ctx, flags.outfile, pem);
      else ctx.io.stdout.write(pem);
    });
}
