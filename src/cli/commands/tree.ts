import { type Command, Option } from 'commander';
import { formatReference } from '../../oci/index.js';
import { type AttachmentTagKind, readAttachmentTree } from '../../sign/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { addImageFlags, type ImageFlags } from '../image-options.js';
import { type ResolvedImage, resolveImage } from './signing-options.js';

interface TreeFlags extends ImageFlags {
  output: OutputFormat;
}

// cosign tree's headings (cmd/cosign/cli/tree.go), so that scripts grepping its output keep working.
const HEADING: Record<AttachmentTagKind, string> = {
  signatures: '🔐 Signatures for an image tag',
  attestations: '💾 Attestations for an image tag',
  sboms: '📦 SBOMs for an image tag',
};

/** `vouch tree <ref>`: signatures, attestations, SBOMs and referrers of an image, as `cosign tree`. */
export function registerTree(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('tree')
    .description('show the signatures, attestations, SBOMs and referrers attached to an image (unverified)')
    .argument('<ref>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag|@digest]')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    );
  addImageFlags(cmd).action(async (ref: string, flags: TreeFlags) => {
    const image = await resolveImage(ctx, ref, flags);
    const tree = await readAttachmentTree(image.reader, image.digest);
    if (flags.output === 'json') {
      writeJson(ctx, {
        reference: ref,
        digest: image.digest,
        tags: tree.tags.map((t) => ({ ...t, tag: `${image.name}:${t.tag}` })),
        referrers: tree.referrers,
        problems: tree.problems,
      });
      return;
    }
    for (const p of tree.problems) ctx.io.stderr.write(`note: ${p}\n`);
    const shown = displayName(image);
    const out: string[] = [`📦 Supply Chain Security Related artifacts for an image: ${shown}`];
    if (tree.tags.length === 0 && tree.referrers.length === 0) {
      out.push(
        `No Supply Chain Security Related Artifacts found for image ${shown},`,
        ' start creating one with simply running $ vouch sign <img>',
      );
    }
    for (const t of tree.tags) {
      out.push(`└── ${HEADING[t.kind]}: ${image.name}:${t.tag}`, ...layerLines(t.layers));
    }
    for (const r of tree.referrers) {
      out.push(`└── 🔗 ${r.artifactType} artifacts via OCI referrer: ${image.name}@${r.digest}`);
      out.push(...layerLines(r.layers));
    }
    ctx.io.stdout.write(`${out.join('\n')}\n`);
  });
}

function layerLines(layers: readonly string[]): string[] {
  return layers.map((d, i) => `${i === layers.length - 1 ? '   └──' : '   ├──'} 🍒 ${d}`);
}

/** The reference as the user named it, normalised as go-containerregistry prints it. */
function displayName(image: ResolvedImage): string {
  return image.spec.kind === 'registry' ? formatReference(image.spec.ref) : image.spec.text;
}
