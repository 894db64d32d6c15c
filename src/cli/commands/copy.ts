import { type Command, Option } from 'commander';
import { copyImage } from '../../oci/index.js';
import { openImageReader, openImageWriter } from '../../oci/index.js';
import { parseImageSourceSpec } from '../../oci/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { addImageFlags, debugLog, type ImageFlags, openContext, platformFlag } from '../image-options.js';

interface CopyFlags extends ImageFlags {
  attachments: boolean;
  output: OutputFormat;
}

export function registerCopy(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('copy')
    .description('copy an image by digest, with its signatures, attestations, SBOMs and referrers')
    .argument('<src>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag|@digest] | docker-archive:<file>')
    .argument('<dst>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag]')
    .option('--no-attachments', 'do not copy .sig/.att/.sbom tags and OCI referrers')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    );
  addImageFlags(cmd).action(async (src: string, dst: string, flags: CopyFlags) => {
    const log = debugLog(ctx);
    const srcSpec = parseImageSourceSpec(src);
    const dstSpec = parseImageSourceSpec(dst);
    const oc = openContext(ctx, flags, [srcSpec, dstSpec], log);
    const from = await openImageReader(srcSpec, oc);
    const to = await openImageWriter(dstSpec, oc);
    const platform = platformFlag(flags);
    const tag = to.tag ?? from.tag;
    const result = await copyImage(from.reader, from.selector, to.writer, {
      attachments: flags.attachments,
      ...(tag ? { tag } : {}),
      ...(platform ? { platform } : {}),
      ...(from.registry && from.registry === to.registry ? { mountFrom: from.repository } : {}),
      ...(log ? { log } : {}),
    });
    if (flags.output === 'json') {
      writeJson(ctx, { source: src, destination: dst, ...result, fullRef: `${to.name}@${result.digest}` });
    } else {
      ctx.io.stdout.write(`${result.digest}\n`);
      ctx.io.stderr.write(
        `copied ${result.manifests} manifest(s), ${result.blobsCopied} blob(s) (${result.bytesCopied} bytes), ` +
          `${result.blobsSkipped} already present, ${result.attachments.length} attachment(s) to ${to.name}\n`,
      );
    }
  });
}
