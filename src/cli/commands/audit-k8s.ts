import { readdir, stat } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { type Command, Option } from 'commander';
import { type InputProblem, parseYamlSource } from '../../audit/index.js';
import { describeCause, VouchError } from '../../errors.js';
import {
  auditK8s,
  K8S_RULE_GROUPS,
  K8S_RULES,
  type ManifestFile,
  parseJsonSource,
  parseLabelSelector,
  parsePssLevel,
  parsePssVersion,
  type PssLevel,
} from '../../audit/index.js';
import { defaultLimits } from '../../limits.js';
import { readSmallFile } from '../../sign/index.js';
import {
  type AuditOutputFlags,
  addAuditOutputOptions,
  finishAudit,
  renderRuleList,
  writeAuditReport,
  collectIds,
} from '../audit-output.js';
import type { CommandContext } from '../context.js';

interface K8sFlags extends AuditOutputFlags {
  pssLevel: PssLevel;
  pssVersion: number | 'latest';
  allowedRegistries?: string[];
  sensitive?: string;
}

const MANIFEST = /\.(ya?ml|json)$/i;

/** `--only pss` means every Pod Security Standards check; groups expand to their rule ids. */
function expandGroups(ids: readonly string[] | undefined): string[] | undefined {
  return ids?.flatMap((id) => K8S_RULE_GROUPS[id]?.map((r) => r.id) ?? [id]);
}

async function readStdin(ctx: CommandContext, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let seen = 0;
  for await (const chunk of ctx.io.stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    seen += b.byteLength;
    if (seen > max) throw new VouchError('INPUT_TOO_LARGE', `standard input: more than ${max} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * Files named, and the manifests under directories named (sorted, so output is stable); a path that
 * cannot be read is a problem of that input, the others are still audited.
 */
async function expandPaths(
  ctx: CommandContext,
  paths: readonly string[],
  problems: InputProblem[],
): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string, top: boolean): Promise<void> => {
    const full = resolvePath(ctx.io.cwd, p);
    const st = await stat(full).catch((e: unknown) => {
      if (top)
        problems.push({ file: p, line: 0, column: 0, code: 'FILE_NOT_FOUND', message: describeCause(e) });
      return undefined;
    });
    if (st?.isDirectory()) {
      const entries = (await readdir(full)).sort();
      for (const e of entries) if (!e.startsWith('.')) await walk(join(p, e), false);
    } else if (st?.isFile() && (top || MANIFEST.test(p))) out.push(p);
  };
  for (const p of paths) await walk(p, true);
  return out;
}

async function loadManifests(
  ctx: CommandContext,
  paths: readonly string[],
): Promise<{ files: ManifestFile[]; problems: InputProblem[]; sources: Map<string, string> }> {
  const max = defaultLimits.k8sManifestMaxBytes;
  const files: ManifestFile[] = [];
  const problems: InputProblem[] = [];
  const sources = new Map<string, string>();
  const names: string[] = [];
  for (const p of paths) names.push(...(p === '-' ? ['-'] : await expandPaths(ctx, [p], problems)));
  for (const name of names) {
    let bytes: Buffer;
    try {
      bytes =
        name === '-' ? await readStdin(ctx, max) : await readSmallFile(name, ctx.io.cwd, max, 'manifest');
    } catch (e) {
      if (!(e instanceof VouchError) || e.code === 'INPUT_TOO_LARGE') throw e;
      problems.push({ file: name, line: 0, column: 0, code: e.code, message: e.message });
      continue;
    }
    const file = name === '-' ? '<stdin>' : name;
    const text = bytes.toString('utf8');
    // `kubectl get -o json` exports take the fast JSON reader; anything else (or JSON it refuses) is YAML.
    const json = /^\s*[[{]/.test(text) && !text.includes('\uFFFD') ? parseJsonSource(text) : undefined;
    let documents = json;
    if (!documents) {
      const parsed = parseYamlSource(bytes, file, { yamlMaxBytes: max });
      if (!parsed.ok) {
        problems.push({ file, ...parsed.error, code: 'INPUT_MALFORMED' });
        continue;
      }
      documents = [...parsed.documents];
    }
    sources.set(file, text);
    files.push({ file, documents, text });
  }
  return { files, problems, sources };
}

async function runAuditK8s(ctx: CommandContext, paths: string[], flags: K8sFlags): Promise<void> {
  if (flags.listRules) {
    ctx.io.stdout.write(renderRuleList(K8S_RULES));
    return;
  }
  if (paths.length === 0)
    throw new VouchError('USAGE', 'no manifests given', {
      hint: 'pass files or directories, or - to read `helm template` / `kustomize build` output from stdin',
    });
  const sensitive = flags.sensitive === undefined ? undefined : parseLabelSelector(flags.sensitive);
  if (flags.sensitive !== undefined && !sensitive)
    throw new VouchError('USAGE', `--sensitive: "${flags.sensitive}" is not a label selector`, {
      hint: 'e.g. --sensitive data=confidential,tier!=web',
    });
  const loaded = await loadManifests(ctx, paths);
  const result = auditK8s(loaded.files, {
    pss: { level: flags.pssLevel, version: flags.pssVersion },
    ...(flags.allowedRegistries ? { allowedRegistries: flags.allowedRegistries } : {}),
    ...(sensitive ? { sensitive } : {}),
  });
  if (result.objects === 0 && loaded.problems.length === 0 && result.problems.length === 0)
    throw new VouchError('INPUT_MALFORMED', `no Kubernetes objects in ${paths.join(', ')}`, {
      hint: 'an empty input is not a clean result; check the path or the rendering step',
    });
  const skipped = Object.entries(result.skipped);
  if (skipped.length > 0)
    ctx.io.stderr.write(
      `vouch: skipped ${skipped.reduce((n, [, c]) => n + c, 0)} objects of kinds no rule reads: ${skipped.map(([k, c]) => `${k} (${c})`).join(', ')}\n`,
    );
  const report = finishAudit(
    {
      tool: 'vouch audit k8s',
      rules: K8S_RULES,
      findings: result.findings,
      problems: [...loaded.problems, ...result.problems],
      inputs: result.objects,
      sources: loaded.sources,
      details: {
        podSecurity: {
          level: flags.pssLevel,
          version: flags.pssVersion === 'latest' ? 'latest' : `v1.${flags.pssVersion}`,
        },
        skipped: result.skipped,
        serviceAccounts: result.serviceAccounts,
      },
    },
    { only: expandGroups(flags.only), skip: expandGroups(flags.skip) },
  );
  await writeAuditReport(ctx, report, flags);
}

export function registerAuditK8s(parent: Command, ctx: CommandContext): void {
  const cmd = parent
    .command('k8s')
    .description(
      'audit Kubernetes manifests (files, directories, - for helm template / kustomize output): Pod Security Standards, RBAC, images, webhooks, network',
    )
    .argument('[paths...]', 'manifest files or directories (YAML or JSON, multi-document, List), - for stdin')
    .addOption(
      new Option('--pss-level <level>', 'Pod Security Standards level: baseline or restricted')
        .argParser(parsePssLevel)
        .default('baseline'),
    )
    .addOption(
      new Option('--pss-version <version>', 'policy version: v1.0 … v1.37 or latest')
        .argParser(parsePssVersion)
        .default('latest'),
    )
    .option(
      '--allowed-registries <prefixes>',
      'registries (or registry/path prefixes) images may come from',
      collectIds,
    )
    .option('--sensitive <selector>', 'label selector of workloads that must set runtimeClassName');
  addAuditOutputOptions(cmd)
    .addHelpText(
      'after',
      '\n--only and --skip also take rule groups: pss (Pod Security Standards), rbac, workloads, cluster.',
    )
    .action(async (paths: string[], flags: K8sFlags) => {
      await runAuditK8s(ctx, paths, flags);
    });
}
