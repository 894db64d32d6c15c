import { type Command, Option } from 'commander';
import { digestTag } from '../../oci/index.js';
import type { CommandContext } from '../context.js';
import { addImageFlags, type ImageFlags } from '../image-options.js';
import { resolveImage } from './signing-options.js';

interface TriangulateFlags extends ImageFlags {
  type: 'signature' | 'attestation' | 'sbom' | 'digest';
}

const SUFFIX = { signature: 'sig', attestation: 'att', sbom: 'sbom' } as const;

/** `vouch triangulate <ref>`: where cosign stores an image's signatures (or attestations, SBOMs). */
export function registerTriangulate(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('triangulate')
    .description('print the reference where the signatures (attestations, SBOMs) of an image are stored')
    .argument('<ref>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag|@digest]')
    .addOption(
      new Option('--type <type>', 'what to locate')
        .choices(['signature', 'attestation', 'sbom', 'digest'])
        .default('signature'),
    );
  addImageFlags(cmd).action(async (ref: string, flags: TriangulateFlags) => {
    const image = await resolveImage(ctx, ref, flags);
    ctx.io.stdout.write(
      flags.type === 'digest'
        ? `${image.name}@${image.digest}\n`
        : `${image.name}:${digestTag(image.digest, SUFFIX[flags.type])}\n`,
    );
  });
}
