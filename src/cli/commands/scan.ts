import { readFile, stat } from 'node:fs/promises';
import { relative, resolve as resolvePath } from 'node:path';
import { type Command, Option } from 'commander';
import { attestImage } from '../../sign/index.js';
import { VouchError } from '../../errors.js';
import { writeFileAtomic } from '../../fs/index.js';
import { generateSbom } from '../../sbom/index.js';
import { appendToCosignTag, readAttachedAttestations } from '../../sign/index.js';
import type { TrustPolicy } from '../../sign/index.js';
import { verifyAttachedAttestations } from '../../sign/index.js';
import { openSbomSource, parseSbomSource } from '../../sbom/index.js';
import type { SeverityLevel } from '../../vuln/index.js';
import { openDatabase } from '../../vuln/index.js';
import type { PurlComponent } from '../../vuln/index.js';
import {
  COSIGN_VULN_PREDICATE_TYPE,
  type CosignVulnOptions,
  cosignVulnPredicate,
  renderCosignVuln,
} from '../../vuln/index.js';
import { renderCycloneDxVex } from '../../vuln/index.js';
import { renderScanJson, scanJsonChunks } from '../../vuln/index.js';
import { renderSarif, sarifChunks } from '../../vuln/index.js';
import { renderScanTable } from '../../vuln/index.js';
import { readSbomInput, type SbomProblem } from '../../vuln/index.js';
import { resultByCve } from '../../vuln/index.js';
import { failsAt, type ScanResult, scanComponents, type ScanTarget } from '../../vuln/index.js';
import { parseOpenVex, parseVexDocument, type VexStatement } from '../../vuln/index.js';
import type { CommandContext } from '../context.js';
import { addImageFlags, debugLog, type ImageFlags, openContext, platformFlag } from '../image-options.js';
import {
  collect,
  openSignatureWriter,
  type ResolvedImage,
  signingKey,
  trustFromFlags,
} from './signing-options.js';
import { commandTime, databasePath, readJsonInput } from './vuln-common.js';

const FORMATS = ['table', 'json', 'sarif', 'cyclonedx-json', 'cyclonedx-vex', 'cosign-vuln'] as const;
type ScanFormat = (typeof FORMATS)[number];

interface ScanFlags extends ImageFlags {
  db?: string;
  output?: string[];
  failOn?: SeverityLevel;
  onlyFixed?: boolean;
  ignore?: string[];
  vex?: string[];
  showSuppressed?: boolean;
  attest?: boolean;
  key?: string;
  vexFromImage?: boolean;
  vexKey?: string;
  byCve?: boolean;
}

export function registerScan(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('scan')
    .description('find known vulnerabilities in an SBOM (CycloneDX / SPDX JSON) or any vouch sbom source')
    .argument(
      '<sbom-or-source>',
      'an SBOM file, or dir:<path> | <path> | <image ref> | oci-dir:… | docker-archive:…',
    )
    .option('--db <path>', 'vulnerability database (default $VOUCH_DB or ~/.cache/vouch/vuln.db)')
    .option(
      '-o, --output <format[=file]>',
      `${FORMATS.join(', ')}, optionally =file; repeatable (default table)`,
      collect,
    )
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 1 when a finding is at least this severe: low, medium, high, critical (any case; negligible counts as low)',
      ).argParser(parseFailOn),
    )
    .option('--only-fixed', 'report only vulnerabilities that have a fixed version')
    .option(
      '--by-cve',
      'name findings by their CVE instead of the GHSA/OSV/distro id, when there is exactly one',
    )
    .option('--ignore <id>', 'vulnerability id or alias to leave out; repeatable', collect)
    .option('--vex <file>', 'OpenVEX or CycloneDX VEX document to apply; repeatable', collect)
    .option('--show-suppressed', 'also list findings suppressed by VEX, --ignore or --only-fixed')
    .option(
      '--vex-from-image',
      'also apply OpenVEX attestations attached to the scanned image (needs --vex-key)',
    )
    .option('--vex-key <file|env://VAR>', 'public key the image VEX attestations must verify with')
    .option('--attest', 'sign the cosign-vuln predicate and attach it to the scanned image (type vuln)')
    .option('--key <file|env://VAR>', 'private key for --attest (cosign.key, PKCS#8 PEM)');
  addImageFlags(cmd).action(async (target: string, flags: ScanFlags) => {
    await runScan(ctx, target, flags);
  });
}

const FAIL_ON: Readonly<Record<string, SeverityLevel>> = {
  negligible: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

/** grype's --fail-on takes any case (`High`, `CRITICAL`); its `negligible` is below low, so low here. */
function parseFailOn(value: string): SeverityLevel {
  const level = FAIL_ON[value.toLowerCase()];
  if (level === undefined) {
    throw new VouchError('USAGE', `--fail-on ${value}: expected negligible, low, medium, high or critical`);
  }
  return level;
}

interface ScanOutput {
  format: ScanFormat;
  file: string | undefined;
}

function parseOutputs(values: readonly string[]): ScanOutput[] {
  return values.map((v) => {
    const eq = v.indexOf('=');
    const format = eq < 0 ? v : v.slice(0, eq);
    const file = eq < 0 ? undefined : v.slice(eq + 1);
    if (!(FORMATS as readonly string[]).includes(format)) {
      throw new VouchError('USAGE', `unknown output format "${format}"`, {
        hint: `use one of ${FORMATS.join(', ')}`,
      });
    }
    if (file === '') throw new VouchError('USAGE', `-o ${v}: empty file name`);
    return { format: format as ScanFormat, file };
  });
}

async function isSbomFile(path: string): Promise<boolean> {
  if (path === '-') return true; // stdin: only an SBOM can come that way
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) return false;
  if (path.endsWith('.json')) return true;
  const head = (await readFile(path)).subarray(0, 64).toString('utf8').trimStart();
  return head.startsWith('{');
}

interface LoadedComponents {
  components: readonly PurlComponent[];
  problems: readonly SbomProblem[];
  target: ScanTarget;
  /** Set when the target was an image: where an attestation goes. */
  image?: ResolvedImage;
}

async function loadComponents(
  ctx: CommandContext,
  target: string,
  flags: ScanFlags,
): Promise<LoadedComponents> {
  // grype's `sbom:FILE` names an SBOM explicitly: never cataloged, never taken for an image name.
  const explicit = target.startsWith('sbom:') ? target.slice('sbom:'.length) : undefined;
  if (explicit === '')
    throw new VouchError('USAGE', 'sbom: needs a file name (sbom:path/to/sbom.json, or sbom:- for stdin)');
  const file = explicit ?? target;
  const abs = file === '-' ? '-' : resolvePath(ctx.io.cwd, file);
  if (explicit !== undefined || (await isSbomFile(abs))) {
    target = file;
    const input = readSbomInput(await readJsonInput(ctx, target, 'SBOM'), target);
    return {
      components: input.components,
      problems: input.problems,
      target: {
        name: target,
        kind: 'sbom',
        format: `${input.format} ${input.specVersion}`,
        subject: input.subject,
        location: target === '-' ? 'sbom.json' : relative(ctx.io.cwd, abs).split('\\').join('/'),
        ...(input.bom ? { bom: input.bom } : {}),
      },
    };
  }
  const spec = parseSbomSource(target, ctx.io.cwd);
  const platform = platformFlag(flags);
  const opened = await openSbomSource(spec, {
    open: openContext(ctx, flags, [spec], debugLog(ctx)),
    ...(platform ? { platform } : {}),
    defaultPlatform: { os: 'linux', architecture: 'amd64' },
  });
  const sbom = await generateSbom(opened.tree, {
    ...(opened.kind === 'image' ? { image: opened.image, onBadFile: 'warn' as const } : {}),
  });
  for (const w of sbom.warnings) ctx.io.stderr.write(`warning: ${w.path}: ${w.message}\n`);
  return {
    // The project's own packages (origin root/workspace/local) are not published releases: not matched.
    components: sbom.components.filter((c) => c.origin === undefined).map((c) => ({ purl: c.purl })),
    problems: [],
    target: {
      name: target,
      kind: 'source',
      format: 'vouch sbom',
      subject: opened.kind === 'image' ? `${opened.image.name}@${opened.digest}` : undefined,
      location: spec.kind === 'dir' ? spec.path : target,
    },
    ...(opened.kind === 'image'
      ? {
          image: { spec: opened.spec, reader: opened.reader, name: opened.image.name, digest: opened.digest },
        }
      : {}),
  };
}

/** Loads every --vex document, numbering statements in load order (later wins a timestamp tie). */
export async function loadVex(ctx: CommandContext, files: readonly string[]): Promise<VexStatement[]> {
  const out: VexStatement[] = [];
  for (const f of files)
    out.push(...parseVexDocument(await readJsonInput(ctx, f, 'VEX document'), f, out.length));
  return out;
}

interface RenderContext {
  showSuppressed: boolean;
  now: Date;
  predicate: CosignVulnOptions;
}

function render(result: ScanResult, format: ScanFormat, r: RenderContext): string {
  switch (format) {
    case 'table':
      return renderScanTable(result, { showSuppressed: r.showSuppressed });
    // grype's `-o cyclonedx-json` is the scanned components with their vulnerabilities: the same
    // CycloneDX 1.6 document as cyclonedx-vex.
    case 'cyclonedx-json':
    case 'cyclonedx-vex':
      return renderCycloneDxVex(result, r.now);
    case 'cosign-vuln':
      return renderCosignVuln(result, r.predicate);
    case 'json':
      return renderScanJson(result);
    case 'sarif':
      return renderSarif(result);
  }
}

async function runScan(ctx: CommandContext, target: string, flags: ScanFlags): Promise<void> {
  const outputs = parseOutputs(flags.output ?? ['table']);
  if (flags.attest && flags.key === undefined)
    throw new VouchError('USAGE', '--attest needs --key <file|env://VAR>');
  if (!flags.attest && flags.key !== undefined)
    throw new VouchError('USAGE', '--key is only used with --attest');
  if (flags.attest && (await isSbomFile(target === '-' ? '-' : resolvePath(ctx.io.cwd, target)))) {
    throw new VouchError('USAGE', `--attest needs an image to attach to; ${target} is an SBOM file`, {
      hint: 'scan the image itself: vouch scan --attest --key cosign.key registry:host/repo:tag',
    });
  }
  if (flags.vexFromImage && flags.vexKey === undefined) {
    // Anyone who can push to the repository can attach a VEX; only a signer the user names is believed.
    throw new VouchError(
      'USAGE',
      '--vex-from-image needs --vex-key <public key> to verify the VEX attestations',
    );
  }
  const vexTrust = flags.vexFromImage ? await trustFromFlags(ctx, { key: flags.vexKey }) : undefined;
  const startedOn = commandTime(ctx);
  // Inputs that can be wrong are all read before the (possibly long) scan; the key first, so a wrong
  // password fails fast.
  const key = flags.attest && flags.key !== undefined ? await signingKey(ctx, flags.key) : undefined;
  const vex = await loadVex(ctx, flags.vex ?? []);
  const db = openDatabase(databasePath(ctx, flags.db));
  try {
    const { components, problems, target: t, image } = await loadComponents(ctx, target, flags);
    if (vexTrust) {
      if (image === undefined)
        throw new VouchError('USAGE', `--vex-from-image needs an image; ${target} is not one`);
      vex.push(...(await imageVex(image, vexTrust, startedOn, vex.length)));
    }
    if (key && image === undefined) {
      throw new VouchError('USAGE', `--attest needs an image to attach to; ${target} is not an image`, {
        hint: 'scan the image itself: vouch scan --attest --key cosign.key registry:host/repo:tag',
      });
    }
    const scanned = scanComponents(components, db, {
      target: t,
      db: db.meta,
      sbomProblems: problems,
      ignore: flags.ignore ?? [],
      onlyFixed: flags.onlyFixed === true,
      vex,
    });
    const result = flags.byCve ? resultByCve(scanned) : scanned;
    // Reproducible runs (SOURCE_DATE_EPOCH) get one time for start and finish; otherwise the clock.
    const finishedOn = ctx.io.env['SOURCE_DATE_EPOCH'] ? startedOn : new Date();
    const rc: RenderContext = {
      showSuppressed: flags.showSuppressed === true,
      now: startedOn,
      predicate: { parameters: ctx.io.argv, startedOn, finishedOn },
    };
    for (const o of outputs) {
      // JSON and SARIF are written as chunks: a scan of a huge SBOM never builds its report as one string.
      const text: Iterable<string> =
        o.format === 'sarif'
          ? sarifChunks(result)
          : o.format === 'json'
            ? scanJsonChunks(result)
            : [render(result, o.format, rc)];
      if (o.file === undefined) for (const chunk of text) ctx.io.stdout.write(chunk);
      else await writeFileAtomic(resolvePath(ctx.io.cwd, o.file), text);
    }
    reportCounts(ctx, result);
    if (key && image)
      await attachVuln(ctx, flags, image, key, cosignVulnPredicate(result, rc.predicate), startedOn);
    if (flags.failOn && failsAt(result, flags.failOn)) {
      ctx.io.stderr.write(`findings at or above ${flags.failOn}: failing (--fail-on ${flags.failOn})\n`);
      ctx.setExitCode(1);
    }
  } finally {
    db.close();
  }
}

function reportCounts(ctx: CommandContext, r: ScanResult): void {
  const missing = r.sbomProblems.filter((p) => p.reason === 'missing-purl').length;
  const invalid = r.sbomProblems.length - missing;
  for (const p of r.sbomProblems.slice(0, 20))
    ctx.io.stderr.write(`warning: ${p.component}: ${p.reason} (${p.detail})\n`);
  for (const s of r.stats.skipped.slice(0, 20))
    ctx.io.stderr.write(`warning: ${s.purl}: ${s.reason} (${s.detail})\n`);
  ctx.io.stderr.write(
    `${r.stats.components} components scanned, ${r.findings.length} vulnerabilities, ${r.suppressed.length} suppressed` +
      (missing + invalid + r.stats.skipped.length > 0
        ? `; skipped: ${missing} without purl, ${invalid} invalid purl, ${r.stats.skipped.length} unmatchable\n`
        : '\n'),
  );
}

async function attachVuln(
  ctx: CommandContext,
  flags: ScanFlags,
  image: ResolvedImage,
  key: Awaited<ReturnType<typeof signingKey>>,
  predicate: unknown,
  now: Date,
): Promise<void> {
  const { layer } = attestImage(key, {
    subjectName: image.name,
    digest: image.digest,
    predicateType: COSIGN_VULN_PREDICATE_TYPE,
    predicate,
  });
  const writer = await openSignatureWriter(ctx, image, flags);
  try {
    const result = await appendToCosignTag({ reader: image.reader, writer }, image.digest, 'att', layer, now);
    await writer.commit();
    ctx.io.stderr.write(
      `attested ${image.name}@${image.digest} (${COSIGN_VULN_PREDICATE_TYPE}): pushed ${result.where}\n`,
    );
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

/**
 * OpenVEX attestations attached to the image (cosign `attest --type openvex`), each verified against
 * the trust policy before its statements are believed; unverifiable ones are ignored.
 * @throws INPUT_MALFORMED when a verified attestation carries an invalid OpenVEX document
 */
async function imageVex(
  image: ResolvedImage,
  trust: TrustPolicy,
  now: Date,
  seqStart: number,
): Promise<VexStatement[]> {
  const attached = await readAttachedAttestations(image.reader, image.digest);
  const v = verifyAttachedAttestations({ attached, trust, now });
  const out: VexStatement[] = [];
  for (const item of v.verified) {
    const st = item.statement;
    if (!st?.predicateType.startsWith('https://openvex.dev/ns')) continue;
    out.push(
      ...parseOpenVex(
        st.predicate,
        `${image.name}@${image.digest} attestation #${item.index}`,
        seqStart + out.length,
      ),
    );
  }
  return out;
}
