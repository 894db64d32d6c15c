import { type Command, Option } from 'commander';
import { VouchError } from '../../errors.js';
import { defaultLimits } from '../../limits.js';
import { readSmallFile } from '../../sign/key-ref.js';
import { loadVerificationKey } from '../../sign/key-ref.js';
import { decodeBase64Strict, verifyBytes } from '../../sign/signature.js';
import { BUNDLE_MAX_BYTES, parseBundle, verifyBundleWithKeys } from '../../sign/sigstore-bundle.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { readInput } from './signing-options.js';

interface VerifyBlobFlags {
  key: string;
  signature?: string;
  bundle?: string;
  output: OutputFormat;
}

// A detached signature file holds base64 of at most a few hundred bytes (RSA-4096: 684 characters).
const SIGNATURE_FILE_MAX_BYTES = 64 * 1024;

export function registerVerifyBlob(program: Command, ctx: CommandContext): void {
  program
    .command('verify-blob')
    .description('verify a file against a signature or a Sigstore bundle made with a key')
    .argument('<file>', 'the signed file (- for stdin)')
    .requiredOption('--key <file|env://VAR>', 'public key the signature must verify with')
    .option('--signature <file>', 'file holding the base64 signature')
    .option('--bundle <file>', 'Sigstore bundle (v0.1-v0.3)')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    )
    .action(async (file: string, flags: VerifyBlobFlags) => {
      if ((flags.signature === undefined) === (flags.bundle === undefined)) {
        throw new VouchError('USAGE', 'give exactly one of --signature and --bundle');
      }
      const key = await loadVerificationKey(flags.key, { env: ctx.io.env, cwd: ctx.io.cwd });
      const artifact = await readInput(ctx, file, defaultLimits.jsonMaxBytes, 'blob');
      if (flags.bundle !== undefined) {
        const bundle = parseBundle(
          await readSmallFile(flags.bundle, ctx.io.cwd, BUNDLE_MAX_BYTES, '--bundle'),
          flags.bundle,
        );
        verifyBundleWithKeys(bundle, [key], { artifact, what: flags.bundle });
      } else {
        const text = (
          await readSmallFile(flags.signature as string, ctx.io.cwd, SIGNATURE_FILE_MAX_BYTES, '--signature')
        )
          .toString('utf8')
          .trim();
        const sig = decodeBase64Strict(text, `--signature ${flags.signature}`);
        if (!verifyBytes(key, artifact, sig)) {
          throw new VouchError(
            'SIGNATURE_INVALID',
            `${file}: signature does not verify with key ${key.keyId.slice(0, 16)}`,
            {
              hint: 'the file changed after signing, or it was signed with another key',
            },
          );
        }
      }
      if (flags.output === 'json') writeJson(ctx, { file, verified: true, keyId: key.keyId });
      ctx.io.stderr.write('Verified OK\n');
    });
}
