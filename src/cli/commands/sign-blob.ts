import { type Command, Option } from 'commander';
import { defaultLimits } from '../../limits.js';
import { keyHintOf } from '../../sign/keys/key-material.js';
import { signBytes } from '../../sign/signature.js';
import { messageSignatureBundle, serializeBundle } from '../../sign/sigstore-bundle.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { readInput, signingKey, writeOutputFile } from './signing-options.js';

interface SignBlobFlags {
  key: string;
  bundle?: string;
  outputSignature?: string;
  output: OutputFormat;
}

export function registerSignBlob(program: Command, ctx: CommandContext): void {
  program
    .command('sign-blob')
    .description('sign a file with a key; prints the base64 signature, optionally writes a Sigstore bundle')
    .argument('<file>', 'the file to sign (- for stdin)')
    .requiredOption('--key <file|env://VAR>', 'private key (cosign.key, PKCS#8 PEM)')
    .option('--bundle <file>', 'write a Sigstore bundle v0.3 here')
    .option('--output-signature <file>', 'write the base64 signature here')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    )
    .action(async (file: string, flags: SignBlobFlags) => {
      const artifact = await readInput(ctx, file, defaultLimits.jsonMaxBytes, 'blob');
      const key = await signingKey(ctx, flags.key);
      const signature = signBytes(key, artifact);
      const b64 = signature.toString('base64');
      if (flags.bundle !== undefined) {
        const bundle = messageSignatureBundle(artifact, signature, {
          kind: 'key',
          keyHint: keyHintOf(key.publicKey),
        });
        await writeOutputFile(ctx, flags.bundle, serializeBundle(bundle).toString('utf8'));
      }
      if (flags.outputSignature !== undefined) await writeOutputFile(ctx, flags.outputSignature, b64);
      if (flags.output === 'json') {
        writeJson(ctx, {
          file,
          signature: b64,
          keyId: key.publicKey.keyId,
          ...(flags.bundle ? { bundle: flags.bundle } : {}),
        });
      } else {
        ctx.io.stdout.write(`${b64}\n`);
      }
    });
}
