import { type Command, Option } from 'commander';
import { VouchError } from '../../errors.js';
import { digestTag } from '../../oci/index.js';
import { RegistryRepository } from '../../oci/index.js';
import type { CommandContext } from '../context.js';
import { addImageFlags, type ImageFlags } from '../image-options.js';
import { openSignatureWriter, resolveImage } from './signing-options.js';

interface CleanFlags extends ImageFlags {
  type: 'all' | 'signature' | 'attestation' | 'sbom';
  force?: boolean;
}

const SUFFIXES = {
  signature: ['sig'],
  attestation: ['att'],
  sbom: ['sbom'],
  all: ['sig', 'att', 'sbom'],
} as const;

/** `vouch clean <ref>`: deletes the cosign `.sig`, `.att` and `.sbom` tags of an image, as cosign clean. */
export function registerClean(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('clean')
    .description("delete an image's cosign signature, attestation and SBOM tags from its registry")
    .argument('<ref>', 'registry:<ref> | <ref>')
    .addOption(
      new Option('--type <type>', 'what to delete')
        .choices(['all', 'signature', 'attestation', 'sbom'])
        .default('all'),
    )
    .option('-f, --force', 'do not ask (vouch never asks; accepted for cosign scripts)');
  addImageFlags(cmd).action(async (ref: string, flags: CleanFlags) => {
    const image = await resolveImage(ctx, ref, flags);
    const writer = await openSignatureWriter(ctx, image, flags);
    if (!(writer instanceof RegistryRepository)) {
      throw new VouchError('UNSUPPORTED', `clean deletes from registries only, not ${image.spec.kind}`);
    }
    let removed = 0;
    for (const suffix of SUFFIXES[flags.type]) {
      const tag = digestTag(image.digest, suffix);
      let target: Awaited<ReturnType<typeof image.reader.resolve>>;
      try {
        target = await image.reader.resolve(tag);
      } catch (e) {
        if (e instanceof VouchError && e.code === 'NOT_FOUND') continue;
        throw e;
      }
      await writer.deleteManifest(target.digest);
      removed++;
      ctx.io.stderr.write(`Removed ${image.name}:${tag}\n`);
    }
    if (removed === 0) ctx.io.stderr.write(`nothing to remove for ${image.name}@${image.digest}\n`);
  });
}
