import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { type Command, Option } from 'commander';
import { describeCause, VouchError } from '../../errors.js';
import type { Platform } from '../../oci/index.js';
import { excludeFromTree } from '../../sbom/index.js';
import { generateSbom } from '../../sbom/index.js';
import type { CycloneDxVersion } from '../../sbom/index.js';
import {
  parseSbomOutputs,
  renderSbom,
  renderSbomChunks,
  type SbomFormat,
  type SbomOutput,
} from '../../sbom/index.js';
import { trackPartialFile, untrackPartialFile } from '../../fs/index.js';
import { type OpenedSbomSource, openSbomSource, parseSbomSource } from '../../sbom/index.js';
import type { CommandContext } from '../context.js';
import { addImageFlags, debugLog, type ImageFlags, openContext, platformFlag } from '../image-options.js';
import type { PrivateKeyMaterial } from '../../crypto/index.js';

/** Collects a repeatable option into an array (commander's reducer). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

interface SbomFlags extends ImageFlags {
  output?: string[];
  cyclonedxVersion?: CycloneDxVersion;
  deterministic?: boolean;
  attest?: boolean;
  attestType: 'cyclonedx' | 'spdxjson';
  key?: string;
  exclude?: string[];
  quiet?: boolean;
  scope: 'squashed' | 'all-layers';
}

export function registerSbom(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('sbom')
    .description('generate a software bill of materials (CycloneDX / SPDX) for a directory or an image')
    .argument(
      '<source>',
      'dir:<path> | <existing path> | registry:<ref> | <ref> | oci-dir:<path>[:tag|@digest] | docker-archive:<file>',
    )
    .option(
      '-o, --output <format[=file]>',
      'cyclonedx-json, spdx-json or table, optionally =file; repeatable (default: table on a terminal, cyclonedx-json otherwise)',
      collect,
    )
    .addOption(new Option('--cyclonedx-version <version>', 'CycloneDX spec version').choices(['1.6', '1.7']))
    .option('--deterministic', 'derive the serial number / document namespace from the content')
    .option('--attest', 'also sign the SBOM and attach it to the image as an in-toto attestation')
    .addOption(
      new Option('--attest-type <type>', 'which document to attest')
        .choices(['cyclonedx', 'spdxjson'])
        .default('cyclonedx'),
    )
    .option('--key <file|env://VAR>', 'private key for --attest (cosign.key, PKCS#8 PEM)')
    .option(
      '--exclude <glob>',
      "leave out matching paths, as syft: './node_modules/**', '**/*.json'; repeatable",
      collect,
    )
    .addOption(
      new Option('--scope <scope>', 'image layers to catalog: squashed (the final filesystem)')
        .choices(['squashed', 'all-layers'])
        .default('squashed'),
    )
    .option('-q, --quiet', 'no notes, warnings or counts on stderr (errors still are)');
  addImageFlags(cmd).action(async (source: string, flags: SbomFlags) => {
    await runSbom(ctx, source, flags);
  });
}

async function runSbom(ctx: CommandContext, source: string, flags: SbomFlags): Promise<void> {
  const outputs = parseSbomOutputs(flags.output ?? [ctx.io.isTTY ? 'table' : 'cyclonedx-json']);
  if (flags.attest && flags.key === undefined)
    throw new VouchError('USAGE', '--attest needs --key <file|env://VAR>');
  if (!flags.attest && flags.key !== undefined)
    throw new VouchError('USAGE', '--key is only used with --attest');
  if (flags.scope === 'all-layers') {
    throw new VouchError('UNSUPPORTED', '--scope all-layers: vouch catalogs the squashed filesystem only', {
      hint: 'drop --scope (squashed is the default, as in syft)',
    });
  }
  const now = documentTime(ctx);
  const spec = parseSbomSource(source, ctx.io.cwd);
  const note = (line: string): void => {
    if (!flags.quiet) ctx.io.stderr.write(line);
  };
  // Checked before the scan: attestations live in a registry or an OCI layout, next to the image.
  if (flags.attest && (spec.kind === 'dir' || spec.kind === 'docker-archive')) {
    throw new VouchError(
      'USAGE',
      `--attest needs an image in a registry or an OCI layout; ${source} is a ${spec.kind === 'dir' ? 'directory' : 'docker archive'}`,
      {
        hint: 'vouch copy the image to a registry or oci-dir: first, then attest it there',
      },
    );
  }
  // Load the key before the (possibly long) scan, so a wrong password fails fast.
  // The signing modules load only with --attest: a plain `vouch sbom` starts faster without them.
  const key =
    flags.attest && flags.key !== undefined
      ? await (await import('./signing-options.js')).signingKey(ctx, flags.key)
      : undefined;
  const platform = platformFlag(flags);
  const opened = await openSbomSource(spec, {
    open: openContext(ctx, flags, [spec], debugLog(ctx)),
    ...(platform ? { platform } : {}),
    defaultPlatform: machinePlatform(),
  });
  if (opened.kind === 'image' && opened.defaultPlatformUsed) {
    note(
      `note: ${source} is a multi-platform image; cataloging ${opened.platform ?? '?'} (this machine's platform), choose another with --platform\n`,
    );
  }
  const result = await generateSbom(excludeFromTree(opened.tree, flags.exclude ?? []), {
    ...(opened.kind === 'image' ? { image: opened.image, onBadFile: 'warn' as const } : {}),
  });
  for (const w of result.warnings) note(`warning: ${w.path}: ${w.message}\n`);
  if (result.components.length === 0 && spec.kind === 'dir' && (await isRegularFile(ctx, spec.path))) {
    // A single file no cataloger recognises is an empty SBOM, as in syft; say why rather than nothing.
    note(
      `note: ${spec.path}: no cataloger recognises this file (lockfiles, manifests, archives, binaries)\n`,
    );
  }

  // reproducible-builds.org: a tool that sees SOURCE_DATE_EPOCH is asked for reproducible output, so the
  // serial number / namespace come from the content too, as with --deterministic.
  const deterministic = flags.deterministic === true || (ctx.io.env['SOURCE_DATE_EPOCH'] ?? '') !== '';
  const renderOpts = {
    now,
    ...(deterministic ? { deterministic: true } : {}),
    ...(flags.cyclonedxVersion ? { cyclonedxVersion: flags.cyclonedxVersion } : {}),
  };
  // The attested document is the one written (same serial number): that one format is rendered whole.
  const attestFormat: SbomFormat | undefined =
    key && opened.kind === 'image'
      ? flags.attestType === 'spdxjson'
        ? 'spdx-json'
        : 'cyclonedx-json'
      : undefined;
  const attestText = attestFormat ? renderSbom(result, attestFormat, renderOpts) : undefined;
  // Everything else is written as chunks, never as one string: a million components stay within memory
  // and V8's string limit (docs/benchmarks.md, "SBOM output").
  const chunksOf = (format: SbomFormat): Iterable<string> =>
    format === attestFormat && attestText !== undefined
      ? [attestText]
      : renderSbomChunks(result, format, renderOpts);
  await writeOutputsAtomically(
    ctx,
    outputs.map((o) => ({ output: o, chunks: () => chunksOf(o.format) })),
  );
  for (const o of outputs) {
    if (o.file !== undefined) continue;
    for (const chunk of chunksOf(o.format)) ctx.io.stdout.write(chunk);
  }
  note(`${result.components.length} components in ${result.source}\n`);

  if (key && opened.kind === 'image' && attestText !== undefined) {
    const doc = attestText;
    await attachSbom(ctx, flags, opened, key, flags.attestType, JSON.parse(doc) as unknown, now);
  }
}

async function isRegularFile(ctx: CommandContext, path: string): Promise<boolean> {
  const st = await stat(resolvePath(ctx.io.cwd, path)).catch(() => undefined);
  return st?.isFile() === true;
}

/** SOURCE_DATE_EPOCH (reproducible-builds.org spec: decimal seconds since the epoch), else the clock. */
function documentTime(ctx: CommandContext): Date {
  const epoch = ctx.io.env['SOURCE_DATE_EPOCH'];
  if (epoch === undefined || epoch === '') return new Date();
  if (!/^\d{1,15}$/.test(epoch)) {
    throw new VouchError('USAGE', `SOURCE_DATE_EPOCH="${epoch}" is not a number of seconds`, {
      hint: 'set it to an integer, e.g. $(git log -1 --format=%ct)',
    });
  }
  return new Date(Number(epoch) * 1000);
}

/** The platform an index resolves to without --platform: this machine's architecture, on Linux. */
function machinePlatform(): Platform {
  const arch: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
  };
  return { os: 'linux', architecture: arch[process.arch] ?? process.arch };
}

/**
 * Writes every `=file` output in two phases: all temp files (next to their targets, so rename is
 * atomic), then all renames. Any failure unlinks the temps, so an error never leaves a partial SBOM or
 * one output of several.
 * @throws IO_ERROR
 */
async function writeOutputsAtomically(
  ctx: CommandContext,
  rendered: ReadonlyArray<{ output: SbomOutput; chunks: () => Iterable<string> }>,
): Promise<void> {
  const staged: Array<{ tmp: string; final: string }> = [];
  let current = '';
  try {
    for (const { output, chunks } of rendered) {
      if (output.file === undefined) continue;
      current = output.file;
      const final = resolvePath(ctx.io.cwd, output.file);
      const tmp = join(dirname(final), `.${basename(final)}.${randomBytes(6).toString('hex')}.tmp`);
      staged.push({ tmp, final });
      trackPartialFile(tmp);
      await pipeline(Readable.from(chunks()), createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
    }
    for (const s of staged) {
      current = s.final;
      await rename(s.tmp, s.final);
    }
    for (const s of staged) untrackPartialFile(s.tmp);
  } catch (e) {
    const leftovers: string[] = [];
    await Promise.all(
      staged.map((s) =>
        unlink(s.tmp).then(
          () => untrackPartialFile(s.tmp),
          (u: unknown) => {
            // ENOENT: never created, or already renamed into place. Anything else is reported below.
            if ((u as NodeJS.ErrnoException).code !== 'ENOENT') leftovers.push(s.tmp);
            else untrackPartialFile(s.tmp);
          },
        ),
      ),
    );
    throw new VouchError('IO_ERROR', `writing ${current}: ${describeCause(e)}`, {
      cause: e,
      hint:
        leftovers.length > 0
          ? `could not remove the temporary files ${leftovers.join(', ')}; delete them by hand`
          : 'no SBOM file was written; check that the directory exists and is writable',
    });
  }
}

async function attachSbom(
  ctx: CommandContext,
  flags: SbomFlags,
  opened: Extract<OpenedSbomSource, { kind: 'image' }>,
  key: PrivateKeyMaterial,
  type: 'cyclonedx' | 'spdxjson',
  predicate: unknown,
  now: Date,
): Promise<void> {
  const [{ attestImage }, { resolvePredicateType }, { appendToCosignTag }, { openSignatureWriter }] =
    await Promise.all([
      import('../../sign/attest-image.js'),
      import('../../attest/predicate-types.js'),
      import('../../sign/cosign-storage.js'),
      import('./signing-options.js'),
    ]);
  const predicateType = resolvePredicateType(type);
  const image = { spec: opened.spec, reader: opened.reader, name: opened.image.name, digest: opened.digest };
  const { layer } = attestImage(key, {
    subjectName: image.name,
    digest: image.digest,
    predicateType,
    predicate,
  });
  const writer = await openSignatureWriter(ctx, image, flags);
  try {
    const result = await appendToCosignTag({ reader: image.reader, writer }, image.digest, 'att', layer, now);
    await writer.commit();
    ctx.io.stderr.write(
      `attested ${image.name}@${image.digest} (${predicateType}): pushed ${result.where}\n`,
    );
  } catch (e) {
    await writer.abort();
    throw e;
  }
}
