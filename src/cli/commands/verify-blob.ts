import { type Command, Option } from 'commander';
import { VouchError } from '../../errors.js';
import { defaultLimits } from '../../limits.js';
import { readSmallFile } from '../../sign/key-ref.js';
import { decodeBase64Strict, verifyBytes } from '../../sign/signature.js';
import { BUNDLE_MAX_BYTES, parseBundle } from '../../sign/sigstore-bundle.js';
import { verifyArtifactBundle } from '../../sign/verify-attached.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { addTrustFlags, readInput, type TrustFlags, trustFromFlags } from './signing-options.js';

interface VerifyBlobFlags extends TrustFlags {
  signature?: string;
  bundle?: string;
  output: OutputFormat;
}

// A detached signature file holds base64 of at most a few hundred bytes (RSA-4096: 684 characters).
const SIGNATURE_FILE_MAX_BYTES = 64 * 1024;

export function registerVerifyBlob(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('verify-blob')
    .description('verify a file against a signature (with --key) or a Sigstore bundle (key or certificate)')
    .argument('<file>', 'the signed file (- for stdin)')
    .option('--signature <file>', 'file holding the base64 signature')
    .option('--bundle <file>', 'Sigstore bundle (v0.1-v0.3)')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    );
  addTrustFlags(cmd).action(async (file: string, flags: VerifyBlobFlags) => {
    if ((flags.signature === undefined) === (flags.bundle === undefined)) {
      throw new VouchError('USAGE', 'give exactly one of --signature and --bundle');
    }
    const trust = await trustFromFlags(ctx, flags);
    const artifact = await readInput(ctx, file, defaultLimits.jsonMaxBytes, 'blob');
    let signer: { keyId: string; identity?: unknown };
    if (flags.bundle !== undefined) {
      const bytes = await readSmallFile(flags.bundle, ctx.io.cwd, BUNDLE_MAX_BYTES, '--bundle');
      signer = verifyArtifactBundle(
        parseBundle(bytes, flags.bundle),
        artifact,
        trust,
        new Date(),
        flags.bundle,
      );
    } else if (flags.signature !== undefined) {
      if (trust.kind !== 'key') {
        throw new VouchError(
          'USAGE',
          '--signature is checked with --key; certificate identities need --bundle',
        );
      }
      const text = (await readSmallFile(flags.signature, ctx.io.cwd, SIGNATURE_FILE_MAX_BYTES, '--signature'))
        .toString('utf8')
        .trim();
      const sig = decodeBase64Strict(text, `--signature ${flags.signature}`);
      const key = trust.keys.find((k) => verifyBytes(k, artifact, sig));
      if (!key) {
        throw new VouchError(
          'SIGNATURE_INVALID',
          `${file}: signature does not verify with key ${trust.keys.map((k) => k.keyId.slice(0, 16)).join(', ')}`,
          { hint: 'the file changed after signing, or it was signed with another key' },
        );
      }
      signer = { keyId: key.keyId };
    } else {
      throw new VouchError('USAGE', 'give exactly one of --signature and --bundle');
    }
    if (flags.output === 'json') writeJson(ctx, { file, verified: true, ...signer });
    ctx.io.stderr.write('Verified OK\n');
  });
}
