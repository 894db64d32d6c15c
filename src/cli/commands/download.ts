import { type Command, Option } from 'commander';
import { defaultLimits } from '../../limits.js';
import { readAttachedAttestations, readAttachedSboms, readAttachedSignatures } from '../../sign/index.js';
import { CosignAnnotation } from '../../sign/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { addImageFlags, type ImageFlags } from '../image-options.js';
import { resolveImage } from './signing-options.js';

interface DownloadFlags extends ImageFlags {
  output: OutputFormat;
}

/**
 * `vouch download signature|attestation <ref>`: prints what is attached, UNVERIFIED, one JSON document
 * per line in cosign's shapes (signatures: Base64Signature/Payload/Cert/Chain/Bundle; attestations: the
 * DSSE envelope; bundle referrers: the bundle).
 */
export function registerDownload(program: Command, ctx: CommandContext): void {
  const download = program
    .command('download')
    .description('print signatures, attestations or SBOMs attached to an image (unverified)');
  for (const what of ['signature', 'attestation'] as const) {
    const cmd = download
      .command(what)
      .description(`print the ${what}s attached to an image, without verifying them`)
      .argument('<ref>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag|@digest]')
      .addOption(
        new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
      );
    addImageFlags(cmd).action(async (ref: string, flags: DownloadFlags) => {
      const image = await resolveImage(ctx, ref, flags);
      const docs: unknown[] = [];
      if (what === 'signature') {
        const a = await readAttachedSignatures(image.reader, image.digest);
        for (const c of a.legacy) {
          const ann = c.entry.layer.annotations ?? {};
          docs.push({
            Base64Signature: c.entry.signature,
            Payload: c.payload.toString('base64'),
            ...(ann[CosignAnnotation.certificate] ? { Cert: ann[CosignAnnotation.certificate] } : {}),
            ...(ann[CosignAnnotation.chain] ? { Chain: ann[CosignAnnotation.chain] } : {}),
            ...(ann[CosignAnnotation.bundle] ? { Bundle: ann[CosignAnnotation.bundle] } : {}),
          });
        }
        for (const b of a.bundles) docs.push(parseJsonOrText(b.bytes));
        if (flags.output !== 'json') for (const p of a.problems) ctx.io.stderr.write(`note: ${p}\n`);
      } else {
        const a = await readAttachedAttestations(image.reader, image.digest);
        for (const c of a.legacy) docs.push(parseJsonOrText(c.envelope));
        for (const b of a.bundles) docs.push(parseJsonOrText(b.bytes));
        if (flags.output !== 'json') for (const p of a.problems) ctx.io.stderr.write(`note: ${p}\n`);
      }
      if (flags.output === 'json')
        writeJson(ctx, { reference: ref, digest: image.digest, [`${what}s`]: docs });
      else for (const d of docs) ctx.io.stdout.write(`${JSON.stringify(d)}\n`);
      ctx.io.stderr.write(
        `${docs.length} ${what}(s) attached to ${image.name}@${image.digest} (not verified)\n`,
      );
    });
  }
  registerDownloadSbom(download, ctx);
}

/** `vouch download sbom <ref>`: the SBOMs attached with `cosign attach sbom`, printed as stored. */
function registerDownloadSbom(download: Command, ctx: CommandContext): void {
  const cmd = download
    .command('sbom')
    .description('print the SBOMs attached to an image (.sbom tag), as stored, without verifying them')
    .argument('<ref>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag|@digest]')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    );
  addImageFlags(cmd).action(async (ref: string, flags: DownloadFlags) => {
    const image = await resolveImage(ctx, ref, flags);
    const sboms = await readAttachedSboms(image.reader, image.digest, defaultLimits.jsonMaxBytes);
    if (flags.output === 'json') {
      writeJson(ctx, {
        reference: ref,
        digest: image.digest,
        sboms: sboms.map((s) => ({
          mediaType: s.mediaType,
          digest: s.digest,
          document: parseJsonOrText(s.bytes),
        })),
      });
    } else {
      for (const s of sboms)
        ctx.io.stdout.write(
          s.bytes.toString('utf8').endsWith('\n')
            ? s.bytes.toString('utf8')
            : `${s.bytes.toString('utf8')}\n`,
        );
    }
    ctx.io.stderr.write(`${sboms.length} SBOM(s) attached to ${image.name}@${image.digest} (not verified)\n`);
  });
}

function parseJsonOrText(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    // Shown as-is: download prints what is attached, broken or not; verify judges it.
    return b.toString('utf8');
  }
}
