import { type Command, Option } from 'commander';
import { inspectImage, type InspectResult } from '../../oci/index.js';
import { openImageReader } from '../../oci/index.js';
import { parseImageSourceSpec } from '../../oci/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { addImageFlags, debugLog, type ImageFlags, openContext, platformFlag } from '../image-options.js';

interface InspectFlags extends ImageFlags {
  output: OutputFormat;
}

export function registerInspect(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('inspect')
    .description('show media type, digest, platforms, layers, config and attachments of an image')
    .argument('<ref>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag|@digest] | docker-archive:<file>')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    );
  addImageFlags(cmd).action(async (ref: string, flags: InspectFlags) => {
    const spec = parseImageSourceSpec(ref);
    const { reader, selector } = await openImageReader(spec, openContext(ctx, flags, [spec], debugLog(ctx)));
    const platform = platformFlag(flags);
    const result = await inspectImage(reader, selector, platform ? { platform } : {});
    if (flags.output === 'json') writeJson(ctx, result);
    else ctx.io.stdout.write(renderInspect(result));
  });
}

function renderInspect(r: InspectResult): string {
  const lines: string[] = [];
  lines.push(`Location:    ${r.location}`, `Reference:   ${r.selector}`, `Digest:      ${r.digest}`);
  lines.push(`MediaType:   ${r.mediaType}`, `Size:        ${r.size}`);
  if (r.platforms.length > 0) lines.push(`Platforms:   ${r.platforms.join(', ')}`);
  for (const img of r.images) {
    lines.push('', `Image ${img.digest}${img.platform ? ` (${img.platform})` : ''}`);
    if (img.config) {
      lines.push(
        `  Config:    ${img.config.digest}${img.config.created ? `  created ${img.config.created}` : ''}`,
      );
      for (const [k, v] of Object.entries(img.config.labels ?? {})) lines.push(`  Label:     ${k}=${v}`);
    }
    lines.push(`  Layers:    ${img.layers.length} (${img.totalLayerBytes} bytes)`);
    for (const l of img.layers) lines.push(`    ${l.digest}  ${String(l.size).padStart(12)}  ${l.mediaType}`);
  }
  const a = r.attachments;
  lines.push('', 'Attached:');
  lines.push(`  signatures:   ${a.signatures ?? 'none'}`);
  lines.push(`  attestations: ${a.attestations ?? 'none'}`);
  lines.push(`  sboms:        ${a.sboms ?? 'none'}`);
  if (a.referrers.length === 0) lines.push('  referrers:    none');
  for (const ref of a.referrers)
    lines.push(`  referrer:     ${ref.digest}  ${ref.artifactType ?? ref.mediaType}`);
  return `${lines.join('\n')}\n`;
}
