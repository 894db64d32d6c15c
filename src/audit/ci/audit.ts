import { describeCause, VouchError } from '../../errors.js';
import type { Limits } from '../../limits.js';
import { type Confidence, CONFIDENCES, type Finding, type InputProblem, type RuleInfo } from '../finding.js';
import { parseYamlSource } from '../yaml-source.js';
import { CiDocument, type CiFinding, type CiKind, helpUri, isObj, type Persona } from './model.js';
import {
  anonymousDefinition,
  concurrencyLimits,
  DEPENDABOT_COOLDOWN_DAYS,
  dependabotCooldown,
  dependabotExecution,
  unknownKeys,
} from './rules-config.js';
import {
  botConditions,
  expressionSyntax,
  githubEnv,
  insecureCommands,
  templateInjection,
  useTrustedPublishing,
} from './rules-code.js';
import {
  adhocPackages,
  archivedUses,
  obfuscation,
  typosquatUses,
  unredactedSecrets,
  unsoundCondition,
  unsoundContains,
} from './rules-supply.js';
import {
  hardcodedContainerCredentials,
  overprovisionedSecrets,
  secretsOutsideEnv,
  staticCloudCredentials,
} from './rules-secrets.js';
import { excessivePermissions, oidcUnneededIdToken, undocumentedPermissions } from './rules-permissions.js';
import {
  artipacked,
  cachePoisoning,
  dangerousTriggers,
  type ForbiddenUsesConfig,
  forbiddenUses,
  oidcUnpinnedFederation,
  secretsInherit,
  selfHostedRunner,
  unpinnedImages,
  unpinnedUses,
} from './rules-uses.js';

/** Options of one `vouch audit ci` run. */
export interface CiAuditOptions {
  /** zizmor's personas: regular (default), pedantic, auditor. */
  readonly persona?: Persona;
  /** Drop findings below this confidence. */
  readonly minConfidence?: Confidence;
  readonly forbiddenUses?: ForbiddenUsesConfig;
  readonly dependabotCooldownDays?: number;
  readonly limits?: Partial<Limits>;
}

/** A file to audit: its display name (relative path or `-`) and bytes. */
export interface CiInput {
  readonly file: string;
  readonly content: string | Uint8Array;
}

interface CiRule extends RuleInfo {
  check(doc: CiDocument, opts: CiAuditOptions): CiFinding[];
}

const rule = (
  id: string,
  severity: RuleInfo['severity'],
  summary: string,
  check: CiRule['check'],
): CiRule => ({ id, severity, summary, helpUri: helpUri(id), check });

/** Every rule, zizmor's audit ids first; severities are the usual (highest) one each rule reports. */
export const CI_RULES: readonly CiRule[] = [
  rule('adhoc-packages', 'low', 'ad-hoc installation of packages', adhocPackages),
  rule('archived-uses', 'medium', 'action or reusable workflow from archived repository', archivedUses),
  rule('anonymous-definition', 'low', 'workflow or action definition without a name', anonymousDefinition),
  rule('artipacked', 'high', 'credential persistence through GitHub Actions artifacts', artipacked),
  rule('bot-conditions', 'high', 'spoofable bot actor check', botConditions),
  rule(
    'cache-poisoning',
    'high',
    'runtime artifacts potentially vulnerable to a cache poisoning attack',
    cachePoisoning,
  ),
  rule('concurrency-limits', 'low', 'insufficient job-level concurrency limits', concurrencyLimits),
  rule('dangerous-triggers', 'high', 'use of fundamentally insecure workflow trigger', dangerousTriggers),
  rule('dependabot-cooldown', 'medium', 'insufficient cooldown in Dependabot updates', (d, o) =>
    dependabotCooldown(d, o.dependabotCooldownDays ?? DEPENDABOT_COOLDOWN_DAYS),
  ),
  rule('dependabot-execution', 'high', 'external code execution in Dependabot updates', dependabotExecution),
  rule('excessive-permissions', 'high', 'overly broad permissions', excessivePermissions),
  rule('forbidden-uses', 'high', 'forbidden action used', (d, o) => forbiddenUses(d, o.forbiddenUses)),
  rule('github-env', 'high', 'dangerous use of environment file', githubEnv),
  rule(
    'hardcoded-container-credentials',
    'high',
    'hard-coded credential in GitHub Actions container configurations',
    hardcodedContainerCredentials,
  ),
  rule('insecure-commands', 'high', 'execution of insecure workflow commands is enabled', insecureCommands),
  rule('obfuscation', 'low', 'obfuscated usage of GitHub Actions features', obfuscation),
  rule('overprovisioned-secrets', 'medium', 'excessively provisioned secrets', overprovisionedSecrets),
  rule(
    'secrets-outside-env',
    'medium',
    'secrets referenced without a dedicated environment',
    secretsOutsideEnv,
  ),
  rule('secrets-inherit', 'medium', 'secrets unconditionally inherited by called workflow', secretsInherit),
  rule('self-hosted-runner', 'medium', 'runs on a self-hosted runner', selfHostedRunner),
  rule('template-injection', 'high', 'code injection via template expansion', templateInjection),
  rule(
    'undocumented-permissions',
    'low',
    'permissions without explanatory comments',
    undocumentedPermissions,
  ),
  rule('typosquat-uses', 'high', 'typosquatted action reference', typosquatUses),
  rule('unpinned-images', 'high', 'unpinned image references', unpinnedImages),
  rule('unpinned-uses', 'high', 'unpinned action reference', unpinnedUses),
  rule('unredacted-secrets', 'medium', 'leaked secret values', unredactedSecrets),
  rule('unsound-condition', 'high', 'unsound conditional expression', unsoundCondition),
  rule('unsound-contains', 'high', 'unsound contains condition', unsoundContains),
  rule(
    'use-trusted-publishing',
    'info',
    'prefer trusted publishing for authentication',
    useTrustedPublishing,
  ),
  rule(
    'oidc-unneeded-id-token',
    'medium',
    'id-token: write in a job that neither signs nor federates',
    oidcUnneededIdToken,
  ),
  rule(
    'oidc-unpinned-federation',
    'high',
    'cloud federation action not pinned to a commit',
    oidcUnpinnedFederation,
  ),
  rule(
    'static-cloud-credentials',
    'medium',
    'long-lived cloud keys where OIDC federation works',
    staticCloudCredentials,
  ),
  rule('expression-syntax', 'medium', 'expression GitHub cannot parse', expressionSyntax),
  rule('unknown-key', 'low', 'key GitHub does not define', unknownKeys),
];

const PERSONA_RANK: Readonly<Record<Persona, number>> = { regular: 0, pedantic: 1, auditor: 2 };

/** What kind of CI file a name and content are; undefined when it is none of them. */
export function classifyCiFile(file: string, value: unknown): CiKind | undefined {
  const base = file.split(/[\\/]/).pop() ?? file;
  if (/^action\.ya?ml$/.test(base)) return 'action';
  if (/^dependabot\.ya?ml$/.test(base)) return 'dependabot';
  if (!isObj(value)) return undefined;
  if (value['jobs'] !== undefined || value['on'] !== undefined || value['true'] !== undefined)
    return 'workflow';
  if (value['runs'] !== undefined) return 'action';
  if (value['updates'] !== undefined && value['version'] !== undefined) return 'dependabot';
  return undefined;
}

export interface CiAuditResult {
  readonly rules: readonly RuleInfo[];
  readonly findings: readonly Finding[];
  readonly problems: readonly InputProblem[];
  readonly inputs: number;
  /** The parsed documents, for the fixer. */
  readonly documents: readonly CiDocument[];
  /** file → text, for ignore comments. */
  readonly sources: ReadonlyMap<string, string>;
}

/**
 * Audits CI files. A file that cannot be read as a workflow (broken YAML, too large, an alias bomb, not
 * a CI file) becomes a problem with its position, and the other files are still audited.
 */
export function auditCi(inputs: readonly CiInput[], opts: CiAuditOptions = {}): CiAuditResult {
  const persona = opts.persona ?? 'regular';
  const minConfidence = CONFIDENCES.indexOf(opts.minConfidence ?? 'low');
  const findings: Finding[] = [];
  const problems: InputProblem[] = [];
  const documents: CiDocument[] = [];
  const sources = new Map<string, string>();
  for (const input of inputs) {
    const text = typeof input.content === 'string' ? input.content : undefined;
    let parsed: ReturnType<typeof parseYamlSource>;
    try {
      parsed = parseYamlSource(input.content, input.file, opts.limits);
    } catch (e) {
      const code = e instanceof VouchError ? e.code : 'INPUT_MALFORMED';
      problems.push({ file: input.file, line: 0, column: 0, code, message: describeCause(e) });
      continue;
    }
    if (!parsed.ok) {
      const { message, line, column } = parsed.error;
      problems.push({
        file: input.file,
        line,
        column,
        code: 'INPUT_MALFORMED',
        message: `invalid YAML: ${message}`,
      });
      continue;
    }
    const first = parsed.documents[0];
    const source = text ?? new TextDecoder().decode(input.content as Uint8Array);
    const kind = first ? classifyCiFile(input.file, first.value) : undefined;
    if (!first || !kind || !isObj(first.value)) {
      problems.push({
        file: input.file,
        line: 1,
        column: 1,
        code: 'INPUT_MALFORMED',
        message: 'not a GitHub Actions workflow, action definition or Dependabot configuration',
      });
      continue;
    }
    const doc = new CiDocument(input.file, kind, source, first, first.value);
    documents.push(doc);
    sources.set(input.file, source);
    for (const r of CI_RULES)
      for (const f of r.check(doc, opts)) {
        if (PERSONA_RANK[f.persona] > PERSONA_RANK[persona]) continue;
        if (f.confidence !== undefined && CONFIDENCES.indexOf(f.confidence) < minConfidence) continue;
        const { persona: _p, ...finding } = f;
        findings.push(finding);
      }
  }
  return {
    rules: CI_RULES.map(({ id, severity, summary, helpUri: h }) => ({ id, severity, summary, helpUri: h })),
    findings,
    problems,
    inputs: inputs.length,
    documents,
    sources,
  };
}
