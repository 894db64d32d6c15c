import { type Command, Option } from 'commander';
import { VouchError } from '../../errors.js';
import { readAttachedSignatures } from '../../sign/index.js';
import {
  type VerifiedAttachment,
  verifyAttachedSignatures,
  verifyKeylessAttachedSignatures,
} from '../../sign/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { addImageFlags, type ImageFlags } from '../image-options.js';
import {
  addTrustFlags,
  describeVerification,
  resolveImage,
  type TrustFlags,
  verificationFromFlags,
} from './signing-options.js';

interface VerifyFlags extends ImageFlags, TrustFlags {
  output: OutputFormat;
}

/** What `-o json` prints for one verified signature or attestation (stable shape). */
export function verifiedJson(v: VerifiedAttachment): Record<string, unknown> {
  return {
    format: v.format,
    keyId: v.keyId,
    ...(v.identity ? { identity: v.identity } : {}),
    ...(v.tlog ? { tlog: v.tlog } : {}),
    payload: JSON.parse(v.payload.toString('utf8')) as unknown,
  };
}

export function registerVerify(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('verify')
    .description('verify the signatures of an image (legacy .sig tags and Sigstore bundle referrers)')
    .argument('<ref>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag|@digest]')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    );
  addImageFlags(addTrustFlags(cmd, { keyTlog: true })).action(async (ref: string, flags: VerifyFlags) => {
    const verification = await verificationFromFlags(ctx, flags, { keyTlog: true });
    const image = await resolveImage(ctx, ref, flags);
    const attached = await readAttachedSignatures(image.reader, image.digest);
    if (flags.output !== 'json') for (const p of attached.problems) ctx.io.stderr.write(`note: ${p}\n`);
    const now = new Date();
    const v =
      verification.kind === 'keyless'
        ? verifyKeylessAttachedSignatures({ attached, keyless: verification.keyless, now })
        : verifyAttachedSignatures({
            attached,
            trust: verification.trust,
            now,
            ...(verification.tlog ? { tlog: verification.tlog } : {}),
          });
    if (!v.ok) {
      const e = v.error ?? {
        code: 'VERIFICATION_FAILED' as const,
        message: `no signature verified for ${image.digest}`,
      };
      throw new VouchError(e.code, e.message, {
        hint:
          e.code === 'NO_SIGNATURES'
            ? 'sign it with `vouch sign`, or check that the tag still names the image you signed'
            : `rejected: ${v.failures.map((f) => `#${f.index}: ${f.reason}`).join('; ')}`,
      });
    }
    if (flags.output === 'json') {
      writeJson(ctx, {
        reference: ref,
        digest: image.digest,
        verified: v.verified.map(verifiedJson),
        problems: attached.problems,
      });
    } else {
      for (const item of v.verified)
        ctx.io.stdout.write(`${JSON.stringify(JSON.parse(item.payload.toString('utf8')))}\n`);
    }
    ctx.io.stderr.write(
      `Verification for ${image.name}@${image.digest} --\n` +
        `  ${v.verified.length} signature(s) verified with ${describeVerification(verification)}` +
        ` (${v.failures.length} other(s) rejected)\n` +
        `  checked: signature over the payload, signer trusted, payload names this digest${
          (verification.kind === 'keyless' && !verification.keyless.options?.insecureIgnoreTlog) ||
          (verification.kind === 'policy' && verification.tlog)
            ? ', transparency-log entry'
            : ''
        }\n`,
    );
  });
}
