import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { VouchError } from '../../errors.js';
import { readSmallFile } from '../../sign/index.js';
import { encryptCosignKey } from '../../crypto/index.js';
import { writeKeyPairFiles } from '../../sign/index.js';
import { parsePrivateKeyPem, privateKeyToPkcs8, publicKeyToPem } from '../../crypto/index.js';
import { PEM_MAX_BYTES } from '../../crypto/index.js';
import type { CommandContext } from '../context.js';
import { passwordFromEnv, readPassword } from './signing-options.js';

interface ImportFlags {
  key: string;
  outputKeyPrefix: string;
  yes?: boolean;
  force?: boolean;
}

/**
 * `vouch import-key-pair --key key.pem`: an unencrypted PKCS#8, SEC1 or PKCS#1 private key re-encoded
 * as a cosign key pair (`import-cosign.key`, encrypted with the password; `import-cosign.pub`).
 */
export function registerImportKeyPair(program: Command, ctx: CommandContext): void {
  program
    .command('import-key-pair')
    .description('encrypt an existing PEM private key (PKCS#8, EC, RSA) into a cosign key pair')
    .requiredOption('-k, --key <file>', 'the unencrypted private key PEM')
    .option('-o, --output-key-prefix <prefix>', 'file name prefix', 'import-cosign')
    .option('-y, --yes', 'replace existing key files (cosign would ask)')
    .option('--force', 'replace existing key files')
    .action(async (flags: ImportFlags) => {
      const pem = await readSmallFile(flags.key, ctx.io.cwd, PEM_MAX_BYTES, '--key');
      const key = parsePrivateKeyPem(pem, flags.key);
      let password = passwordFromEnv(ctx);
      if (password === undefined) {
        password = await readPassword(ctx, 'Enter password for private key: ');
        const again = await readPassword(ctx, 'Enter password for private key again: ');
        if (again !== password) throw new VouchError('USAGE', 'passwords do not match');
      }
      const privatePem = await encryptCosignKey(privateKeyToPkcs8(key), password);
      const written = await writeKeyPairFiles(
        resolvePath(ctx.io.cwd, flags.outputKeyPrefix),
        { privatePem, publicPem: publicKeyToPem(key.publicKey) },
        { overwrite: flags.yes === true || flags.force === true },
      );
      ctx.io.stderr.write(
        `Private key written to ${written.keyPath}\nPublic key written to ${written.pubPath}\n`,
      );
    });
}
