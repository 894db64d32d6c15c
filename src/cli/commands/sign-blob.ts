import { type Command, Option } from 'commander';
import { VouchError } from '../../errors.js';
import { defaultLimits } from '../../limits.js';
import { signKeyless } from '../../sign/index.js';
import { keyHintOf } from '../../crypto/index.js';
import { signBytes } from '../../crypto/index.js';
import { messageSignatureBundle, parseBundle, serializeBundle } from '../../sign/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import {
  addCosignSigningFlags,
  addKeylessFlags,
  checkTlogUpload,
  type CosignSigningFlags,
  identityToken,
  type KeylessFlags,
  readInput,
  signingKey,
  writeOutputFile,
} from './signing-options.js';

interface SignBlobFlags extends KeylessFlags, CosignSigningFlags {
  key?: string;
  bundle?: string;
  outputSignature?: string;
  output: OutputFormat;
}

/** Signs with --key, or keylessly (Fulcio + Rekor) when no key is given: the signature and the bundle. */
async function signBlob(
  ctx: CommandContext,
  artifact: Buffer,
  flags: SignBlobFlags,
): Promise<{ signature: Buffer; bundle: Buffer; keyId?: string }> {
  if (flags.key !== undefined) {
    const key = await signingKey(ctx, flags.key);
    const signature = signBytes(key, artifact);
    const bundle = messageSignatureBundle(artifact, signature, {
      kind: 'key',
      keyHint: keyHintOf(key.publicKey),
    });
    return { signature, bundle: serializeBundle(bundle), keyId: key.publicKey.keyId };
  }
  if (flags.bundle === undefined) {
    throw new VouchError(
      'USAGE',
      'keyless sign-blob needs --bundle: the certificate and log entry live there',
    );
  }
  const token = identityToken(ctx, flags);
  const bundle = await signKeyless(
    { kind: 'message', data: artifact },
    { identityToken: token, fulcioUrl: flags.fulcioUrl, rekorUrl: flags.rekorUrl },
  );
  const parsed = parseBundle(bundle, 'keyless bundle');
  if (parsed.content.$case !== 'messageSignature') {
    throw new VouchError('INTERNAL', 'keyless signing returned a bundle without a message signature');
  }
  return { signature: Buffer.from(parsed.content.messageSignature.signature), bundle };
}

export function registerSignBlob(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('sign-blob')
    .description(
      'sign a file (with --key, or keyless); prints the base64 signature, optionally writes a bundle',
    )
    .argument('<file>', 'the file to sign (- for stdin)')
    .option('--key <file|env://VAR>', 'private key (cosign.key, PKCS#8 PEM); without it, keyless')
    .option('--bundle <file>', 'write a Sigstore bundle v0.3 here')
    .option('--output-signature <file>', 'write the base64 signature here')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    );
  addCosignSigningFlags(addKeylessFlags(cmd)).action(async (file: string, flags: SignBlobFlags) => {
    checkTlogUpload(flags, flags.key !== undefined);
    const artifact = await readInput(ctx, file, defaultLimits.jsonMaxBytes, 'blob');
    const r = await signBlob(ctx, artifact, flags);
    const b64 = r.signature.toString('base64');
    if (flags.bundle !== undefined) await writeOutputFile(ctx, flags.bundle, r.bundle.toString('utf8'));
    if (flags.outputSignature !== undefined) await writeOutputFile(ctx, flags.outputSignature, b64);
    if (flags.output === 'json') {
      writeJson(ctx, {
        file,
        signature: b64,
        ...(r.keyId ? { keyId: r.keyId } : {}),
        ...(flags.bundle ? { bundle: flags.bundle } : {}),
      });
    } else {
      ctx.io.stdout.write(`${b64}\n`);
    }
  });
}
