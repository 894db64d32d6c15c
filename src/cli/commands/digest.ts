import { type Command, Option } from 'commander';
import { resolveImageDigest } from '../../oci/index.js';
import { openImageReader } from '../../oci/index.js';
import { parseImageSourceSpec } from '../../oci/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { addImageFlags, debugLog, type ImageFlags, openContext, platformFlag } from '../image-options.js';

interface DigestFlags extends ImageFlags {
  fullRef?: boolean;
  output: OutputFormat;
}

export function registerDigest(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('digest')
    .description('resolve an image reference to its immutable digest')
    .argument('<ref>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag] | docker-archive:<file>')
    .option('--full-ref', 'print repo@sha256:… instead of the bare digest')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    );
  addImageFlags(cmd).action(async (ref: string, flags: DigestFlags) => {
    const spec = parseImageSourceSpec(ref);
    const { reader, selector, name } = await openImageReader(
      spec,
      openContext(ctx, flags, [spec], debugLog(ctx)),
    );
    const platform = platformFlag(flags);
    const r = await resolveImageDigest(reader, selector, platform ? { platform } : {});
    const fullRef = `${name}@${r.digest}`;
    if (flags.output === 'json') {
      writeJson(ctx, {
        reference: ref,
        digest: r.digest,
        mediaType: r.mediaType,
        fullRef,
        ...(r.platform ? { platform: r.platform } : {}),
      });
    } else {
      ctx.io.stdout.write(`${flags.fullRef ? fullRef : r.digest}\n`);
    }
  });
}
