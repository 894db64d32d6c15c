import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { VouchError } from '../../errors.js';
import { writeFileAtomic } from '../../fs/index.js';
import {
  DEFAULT_EXCLUDES,
  type Link,
  linkDirectory,
  linkToJson,
  linkFileName,
  loadPublicKey,
  loadSigningKey,
  type PublicKeyDict,
  readMetadataFile,
  recordStart,
  recordStop,
  runStep,
  type SigningKey,
  serializeMetadata,
  signMetadata,
  unsignedMetadata,
  type VerifyResult,
  verifyLayout,
  verifyMetadataSignature,
  writeSignedLink,
} from '../../intoto/index.js';
import type { CommandContext } from '../context.js';
import { readPassword } from './signing-options.js';

/**
 * `vouch in-toto run|record|sign|verify`: in-toto links and layouts with the reference
 * implementation's flags (`in-toto-run`, `in-toto-record`, `in-toto-sign`, `in-toto-verify`), so a
 * supply chain can mix the two tools. Keys are PEM files: PKCS#8 (or traditional) private keys to
 * sign, SubjectPublicKeyInfo public keys to verify; ed25519, ECDSA P-256/P-384 and RSA (PSS).
 */

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new VouchError('USAGE', `"${value}" is not a positive number of seconds`);
  return n;
}

async function readKeyFile(ctx: CommandContext, path: string): Promise<Buffer> {
  try {
    return await readFile(resolve(ctx.io.cwd, path));
  } catch (e) {
    throw new VouchError('FILE_NOT_FOUND', `${path}: cannot read the key file`, { cause: e });
  }
}

/** A signing key; an encrypted one is opened with VOUCH_PASSWORD or a prompt (never an argument). */
async function signingKeyFrom(ctx: CommandContext, path: string): Promise<SigningKey> {
  const pem = await readKeyFile(ctx, path);
  const encrypted = /ENCRYPTED/.test(pem.toString('latin1'));
  const password = encrypted ? await readPassword(ctx, `Enter password for ${path}: `) : undefined;
  return loadSigningKey(pem, path, password);
}

async function publicKeysFrom(ctx: CommandContext, paths: readonly string[]): Promise<PublicKeyDict[]> {
  const keys: PublicKeyDict[] = [];
  for (const p of paths) keys.push(loadPublicKey(await readKeyFile(ctx, p), p));
  return keys;
}

interface ArtifactFlags {
  materials?: string[];
  products?: string[];
  exclude?: string[];
  basePath?: string;
  lstripPaths?: string[];
  normalizeLineEndings?: boolean;
  metadataDirectory?: string;
  useDsse?: boolean;
  signingKey?: string;
  key?: string;
  stepName?: string;
  step?: string;
}

function addArtifactFlags(cmd: Command): Command {
  return cmd
    .option('-n, --step-name <name>', 'step name: the link is written to NAME.KEYID8.link')
    .option('--step <name>', 'the same as --step-name')
    .option(
      '--signing-key <path>',
      'PEM private key (PKCS#8) to sign the link; VOUCH_PASSWORD opens an encrypted key',
    )
    .option('--key <path>', 'the same as --signing-key')
    .option(
      '--exclude <pattern...>',
      `gitignore-style patterns not to record (default: ${DEFAULT_EXCLUDES.join(' ')})`,
    )
    .option('--base-path <path>', 'where relative artifact paths are looked up (not recorded)')
    .option('--lstrip-paths <prefix...>', 'prefixes removed from recorded artifact paths')
    .option('--normalize-line-endings', 'hash files with CRLF and CR line endings read as LF')
    .option('-d, --metadata-directory <dir>', 'where to write the link (default: the current directory)')
    .option('--use-dsse', 'write the link as a DSSE envelope (in-toto-run --use-dsse)');
}

function stepOf(flags: ArtifactFlags): string {
  const name = flags.stepName ?? flags.step;
  if (!name) throw new VouchError('USAGE', 'a step name is required (-n/--step-name)');
  if (/[/\\\0]/.test(name) || name === '.' || name === '..') {
    throw new VouchError('UNSAFE_PATH', `step name "${name}" is a path; it becomes a file name`);
  }
  return name;
}

function keyPathOf(flags: ArtifactFlags): string {
  const p = flags.signingKey ?? flags.key;
  if (!p) throw new VouchError('USAGE', 'a signing key is required (--signing-key PEM)');
  return p;
}

function recordOptions(ctx: CommandContext, flags: ArtifactFlags) {
  return {
    basePath: resolve(ctx.io.cwd, flags.basePath ?? '.'),
    ...(flags.exclude ? { exclude: flags.exclude } : {}),
    ...(flags.lstripPaths ? { lstripPaths: flags.lstripPaths } : {}),
    normalizeLineEndings: flags.normalizeLineEndings === true,
    format: flags.useDsse ? ('dsse' as const) : ('metablock' as const),
  };
}

function outDir(ctx: CommandContext, flags: ArtifactFlags): string {
  return resolve(ctx.io.cwd, flags.metadataDirectory ?? '.');
}

function registerRun(intoto: Command, ctx: CommandContext): void {
  const cmd = intoto
    .command('run')
    .description('run a supply-chain step and write its signed link (in-toto-run)')
    .argument('[command...]', 'the step command, after --')
    .option('-m, --materials <path...>', 'files or directories recorded before the command runs')
    .option('-p, --products <path...>', 'files or directories recorded after the command runs')
    .option('-s, --record-streams', 'keep the command’s stdout and stderr in the link')
    .option('-x, --no-command', 'record a step without running a command (for example a review)')
    .addOption(
      new Option('--run-timeout <seconds>', 'stop the command after this many seconds')
        .argParser(seconds)
        .default(10),
    );
  addArtifactFlags(cmd).action(
    async (
      command: string[],
      flags: ArtifactFlags & { recordStreams?: boolean; command: boolean; runTimeout: number },
    ) => {
      const name = stepOf(flags);
      const key = await signingKeyFrom(ctx, keyPathOf(flags));
      if (flags.command === false && command.length > 0)
        throw new VouchError('USAGE', '--no-command and a command were both given');
      if (flags.command !== false && command.length === 0) {
        throw new VouchError(
          'USAGE',
          'no command: put it after --, or pass --no-command for a step without one',
        );
      }
      const opts = recordOptions(ctx, flags);
      const link = await runStep({
        ...opts,
        name,
        materials: flags.materials ?? [],
        products: flags.products ?? [],
        command: flags.command === false ? [] : command,
        recordStreams: flags.recordStreams === true,
        timeoutMs: flags.runTimeout * 1000,
        cwd: ctx.io.cwd,
      });
      const path = await writeSignedLink(link, key, opts.format, outDir(ctx, flags));
      ctx.io.stderr.write(`wrote ${path}\n`);
    },
  );
}

function registerRecord(intoto: Command, ctx: CommandContext): void {
  const record = intoto
    .command('record')
    .description('record a step that is not one command: start, do the work, stop (in-toto-record)');
  const start = record
    .command('start')
    .description('record the materials now, in a signed unfinished link')
    .option('-m, --materials <path...>', 'files or directories recorded now');
  addArtifactFlags(start).action(async (flags: ArtifactFlags) => {
    const name = stepOf(flags);
    const key = await signingKeyFrom(ctx, keyPathOf(flags));
    const path = await recordStart(
      { ...recordOptions(ctx, flags), name, materials: flags.materials ?? [], cwd: ctx.io.cwd },
      key,
      outDir(ctx, flags),
    );
    ctx.io.stderr.write(`wrote ${path}\n`);
  });
  const stop = record
    .command('stop')
    .description('record the products and write the signed link')
    .option('-p, --products <path...>', 'files or directories recorded now');
  addArtifactFlags(stop).action(async (flags: ArtifactFlags) => {
    const name = stepOf(flags);
    const key = await signingKeyFrom(ctx, keyPathOf(flags));
    const path = await recordStop(
      { ...recordOptions(ctx, flags), name, products: flags.products ?? [], cwd: ctx.io.cwd },
      key,
      outDir(ctx, flags),
    );
    ctx.io.stderr.write(`wrote ${path}\n`);
  });
}

function registerSign(intoto: Command, ctx: CommandContext): void {
  intoto
    .command('sign')
    .description('sign a layout or link, or verify its signatures (in-toto-sign)')
    .requiredOption('-f, --file <path>', 'the layout or link to sign or verify')
    .option('-k, --key <path...>', 'PEM private keys to sign with (public keys with --verify)')
    .option(
      '-o, --output <path>',
      'where to write (default: the layout in place; a link as NAME.KEYID8.link)',
    )
    .option('-a, --append', 'add signatures to a layout instead of replacing them')
    .option('--verify', 'verify the signatures with the given public keys instead of signing')
    .action(
      async (flags: {
        file: string;
        key?: string[];
        output?: string;
        append?: boolean;
        verify?: boolean;
      }) => {
        const file = resolve(ctx.io.cwd, flags.file);
        const meta = await readMetadataFile(file);
        const keys = flags.key ?? [];
        if (keys.length === 0) throw new VouchError('USAGE', 'at least one key is required (-k/--key)');
        if (flags.verify) {
          const pubs = await publicKeysFrom(ctx, keys);
          const bad = pubs.filter((k) => !verifyMetadataSignature(meta, k));
          for (const k of pubs)
            ctx.io.stdout.write(
              `${k.keyid}: ${bad.includes(k) ? 'no valid signature' : 'valid signature'}\n`,
            );
          if (bad.length > 0) ctx.setExitCode(1);
          return;
        }
        if (meta.payload.kind === 'link' && keys.length > 1) {
          throw new VouchError('USAGE', 'a link is signed by exactly one key', {
            hint: 'links carry one functionary’s signature; sign layouts with several',
          });
        }
        let signed = flags.append || meta.payload.kind === 'link' ? meta : { ...meta, signatures: [] };
        let firstKey: SigningKey | undefined;
        for (const p of keys) {
          const key = await signingKeyFrom(ctx, p);
          firstKey ??= key;
          signed = signMetadata(signed, key, meta.payload.kind === 'link');
        }
        let out: string;
        if (flags.output) out = resolve(ctx.io.cwd, flags.output);
        else if (meta.payload.kind === 'link' && firstKey)
          out = join(ctx.io.cwd, linkFileName(meta.payload.link.name, firstKey.public.keyid));
        else out = file;
        await writeFileAtomic(out, serializeMetadata(signed));
        ctx.io.stderr.write(`wrote ${out}\n`);
      },
    );
}

function describeFailure(r: Extract<VerifyResult, { ok: false }>): string {
  const f = r.failure;
  const lines = [`in-toto verification failed (${f.kind}): ${f.message}`];
  if (f.rule) {
    lines.push(
      `  rule: ${f.rule.rule.join(' ')} (expected_${f.rule.sourceType} of '${f.item ?? f.rule.item}')`,
    );
    if (f.rule.artifacts.length > 0) lines.push(`  artifacts: ${f.rule.artifacts.join(', ')}`);
    for (const t of f.rule.trace)
      lines.push(
        `  after '${t.rule.join(' ')}': ${t.queue.length === 0 ? '(queue empty)' : t.queue.join(', ')}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

function registerVerify(intoto: Command, ctx: CommandContext): void {
  intoto
    .command('verify')
    .description(
      'verify a supply chain: the signed layout, its links, artifact rules and inspections (in-toto-verify)',
    )
    .requiredOption('-l, --layout <path>', 'the root layout')
    .option(
      '--verification-keys <path...>',
      'PEM public keys of the layout signers (every one must have signed)',
    )
    .option('--layout-key <path>', 'the same as --verification-keys (repeatable)', collect)
    .option('--link-dir <dir>', 'where the links are (default: the current directory)')
    .addOption(
      new Option('--inspection-timeout <seconds>', 'stop an inspection after this many seconds')
        .argParser(seconds)
        .default(10),
    )
    .option('--no-inspections', 'refuse a layout with inspections instead of running their commands')
    .addOption(new Option('-o, --output <format>', 'text or json').choices(['text', 'json']).default('text'))
    .action(
      async (flags: {
        layout: string;
        verificationKeys?: string[];
        layoutKey?: string[];
        linkDir?: string;
        inspectionTimeout: number;
        inspections: boolean;
        output: 'text' | 'json';
      }) => {
        const keyPaths = [...(flags.verificationKeys ?? []), ...(flags.layoutKey ?? [])];
        if (keyPaths.length === 0)
          throw new VouchError(
            'USAGE',
            'at least one layout key is required (--verification-keys or --layout-key)',
          );
        const keys = await publicKeysFrom(ctx, keyPaths);
        const layoutPath = resolve(ctx.io.cwd, flags.layout);
        const layout = await readMetadataFile(layoutPath);
        const linkDir = flags.linkDir
          ? isAbsolute(flags.linkDir)
            ? flags.linkDir
            : resolve(ctx.io.cwd, flags.linkDir)
          : ctx.io.cwd;
        const runInspection = async (inspection: { name: string; run: readonly string[] }): Promise<Link> => {
          // As in-toto-verify: materials and products are everything under the working directory,
          // recorded around the command, and the (unsigned) inspection link is kept as NAME.link.
          const link = await runStep({
            name: inspection.name,
            materials: ['.'],
            products: ['.'],
            command: inspection.run,
            recordStreams: true,
            timeoutMs: flags.inspectionTimeout * 1000,
            format: 'metablock',
            cwd: ctx.io.cwd,
            basePath: ctx.io.cwd,
          });
          const unsigned = unsignedMetadata(linkToJson(link), 'metablock', inspection.name);
          await writeFileAtomic(join(ctx.io.cwd, `${inspection.name}.link`), serializeMetadata(unsigned));
          return link;
        };
        const result = await verifyLayout(layout, keys, {
          links: linkDirectory(linkDir),
          now: new Date(),
          ...(flags.inspections ? { runInspection } : {}),
        });
        if (flags.output === 'json') {
          ctx.io.stdout.write(
            `${JSON.stringify(
              result.ok
                ? {
                    verified: true,
                    warnings: result.warnings,
                    products: Object.fromEntries(result.summary.products),
                  }
                : { verified: false, failure: result.failure, warnings: result.warnings },
              null,
              2,
            )}\n`,
          );
        } else {
          for (const w of result.warnings) ctx.io.stderr.write(`warning: ${w}\n`);
          if (result.ok)
            ctx.io.stdout.write(
              `in-toto verification passed: ${flags.layout}, ${result.summary.products.size} final product(s)\n`,
            );
          else ctx.io.stderr.write(describeFailure(result));
        }
        if (!result.ok) ctx.setExitCode(1);
      },
    );
}

export function registerInToto(program: Command, ctx: CommandContext): void {
  const intoto = program
    .command('in-toto')
    .description('in-toto links and layouts: record supply-chain steps and verify the whole chain');
  registerRun(intoto, ctx);
  registerRecord(intoto, ctx);
  registerSign(intoto, ctx);
  registerVerify(intoto, ctx);
}
