import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { VouchError } from '../../errors.js';
import { copyImage } from '../../oci/index.js';
import { type Digest, digestTag } from '../../oci/index.js';
import { INDEX_MEDIA_TYPES } from '../../oci/index.js';
import { createOciLayoutWriter, openOciLayout } from '../../oci/index.js';
import { openImageWriter } from '../../oci/index.js';
import { parseImageSourceSpec } from '../../oci/index.js';
import type { CommandContext } from '../context.js';
import { addImageFlags, debugLog, type ImageFlags, openContext } from '../image-options.js';
import { resolveImage } from './signing-options.js';

interface DirFlags extends ImageFlags {
  dir: string;
}

// cosign's OCI layout for save/load (sigstore/cosign pkg/oci/layout/index.go): no tags; index.json
// entries carry `kind` naming what each manifest is.
const KIND = 'kind';
const KIND_IMAGE = 'dev.cosignproject.cosign/image';
const KIND_IMAGE_INDEX = 'dev.cosignproject.cosign/imageIndex';
const KIND_SIGS = 'dev.cosignproject.cosign/sigs';
const KIND_ATTS = 'dev.cosignproject.cosign/atts';
const ATTACHED = [
  { suffix: 'sig', kind: KIND_SIGS },
  { suffix: 'att', kind: KIND_ATTS },
] as const;

/** `vouch save --dir D IMG`: an image with its signatures and attestations, for offline transfer, as cosign. */
export function registerSave(program: Command, ctx: CommandContext): void {
  const save = program
    .command('save')
    .description("write an image with its signatures and attestations to a directory, in cosign's OCI layout")
    .argument('<ref>', 'registry:<ref> | <ref>')
    .requiredOption('--dir <path>', 'the directory to write (new or empty)');
  addImageFlags(save).action(async (ref: string, flags: DirFlags) => {
    const image = await resolveImage(ctx, ref, flags);
    const writer = await createOciLayoutWriter(resolvePath(ctx.io.cwd, flags.dir));
    const log = debugLog(ctx);
    const top = await copyImage(image.reader, image.digest, writer, {
      attachments: false,
      ...(log ? { log } : {}),
    });
    writer.annotateEntry(top.digest, {
      [KIND]: INDEX_MEDIA_TYPES.includes(top.mediaType) ? KIND_IMAGE_INDEX : KIND_IMAGE,
    });
    const saved: string[] = [];
    for (const { suffix, kind } of ATTACHED) {
      const tag = digestTag(image.digest, suffix);
      let digest: Digest;
      try {
        digest = (await image.reader.resolve(tag)).digest;
      } catch (e) {
        if (e instanceof VouchError && e.code === 'NOT_FOUND') continue;
        throw e;
      }
      await copyImage(image.reader, digest, writer, { attachments: false });
      writer.annotateEntry(digest, { [KIND]: kind });
      saved.push(tag);
    }
    await writer.commit();
    ctx.io.stderr.write(
      `saved ${image.name}@${image.digest}${saved.length > 0 ? ` with ${saved.join(', ')}` : ''} to ${flags.dir}\n`,
    );
  });
}

/** `vouch load --dir D IMG`: pushes what `save` (or cosign save) wrote. */
export function registerLoad(program: Command, ctx: CommandContext): void {
  const load = program
    .command('load')
    .description('push an image saved by `save` (or cosign save) with its signatures and attestations')
    .argument('<ref>', 'where to push: registry:<ref> | <ref>')
    .requiredOption('--dir <path>', 'the directory written by save');
  addImageFlags(load).action(async (ref: string, flags: DirFlags) => {
    const layout = await openOciLayout(resolvePath(ctx.io.cwd, flags.dir));
    const byKind = (kind: string) => layout.entries.filter((e) => e.annotations?.[KIND] === kind);
    const images = [...byKind(KIND_IMAGE), ...byKind(KIND_IMAGE_INDEX)];
    const image = images[0];
    if (image === undefined || images.length > 1) {
      throw new VouchError(
        'INPUT_MALFORMED',
        `${flags.dir}: expected one entry of kind ${KIND_IMAGE}, found ${images.length}`,
        {
          hint: 'load reads directories written by `vouch save` or `cosign save`',
        },
      );
    }
    const spec = parseImageSourceSpec(ref);
    if (spec.kind !== 'registry') throw new VouchError('USAGE', 'load pushes to a registry reference');
    const oc = openContext(ctx, flags, [spec], debugLog(ctx));
    const target = async () => (await openImageWriter(spec, oc)).writer;
    const tag = spec.ref.digest === undefined ? spec.ref.tag : undefined;
    await copyImage(layout, image.digest, await target(), { attachments: false, ...(tag ? { tag } : {}) });
    const loaded: string[] = [];
    for (const { suffix, kind } of ATTACHED) {
      for (const entry of byKind(kind)) {
        const attachedTag = digestTag(image.digest, suffix);
        await copyImage(layout, entry.digest, await target(), { attachments: false, tag: attachedTag });
        loaded.push(attachedTag);
      }
    }
    ctx.io.stdout.write(`${spec.ref.registry}/${spec.ref.repository}@${image.digest}\n`);
    ctx.io.stderr.write(`loaded ${image.digest}${loaded.length > 0 ? ` with ${loaded.join(', ')}` : ''}\n`);
  });
}
