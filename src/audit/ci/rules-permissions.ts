import type { Severity } from '../finding.js';
import {
  type CiDocument,
  type CiFinding,
  isObj,
  type Job,
  type Obj,
  type Path,
  type Persona,
} from './model.js';
import { parseUses, repoSlug } from './uses.js';

/**
 * excessive-permissions and undocumented-permissions as zizmor defines them, and vouch's
 * oidc-unneeded-id-token: `id-token: write` only where a step signs or federates.
 */

/** Write permissions at workflow level and how bad each is (zizmor's table). */
const WRITE_SEVERITY: Readonly<Record<string, Severity>> = {
  actions: 'high',
  'artifact-metadata': 'medium',
  attestations: 'high',
  checks: 'medium',
  'code-quality': 'medium',
  contents: 'high',
  deployments: 'high',
  discussions: 'medium',
  'id-token': 'high',
  issues: 'high',
  models: 'low',
  packages: 'high',
  pages: 'high',
  'pull-requests': 'high',
  'repository-projects': 'medium',
  'security-events': 'medium',
  statuses: 'low',
};

type Permissions =
  | { kind: 'default' }
  | { kind: 'read-all' }
  | { kind: 'write-all' }
  | { kind: 'explicit'; perms: Obj };

function permissionsOf(v: unknown): Permissions {
  if (v === undefined || v === null) return { kind: 'default' };
  if (v === 'read-all') return { kind: 'read-all' };
  if (v === 'write-all') return { kind: 'write-all' };
  if (isObj(v)) return { kind: 'explicit', perms: v };
  return { kind: 'default' };
}

function hasWorkflowCallOnly(doc: CiDocument): boolean {
  const t = doc.triggers();
  return t.length === 1 && t[0] === 'workflow_call';
}

export function excessivePermissions(doc: CiDocument): CiFinding[] {
  if (doc.kind !== 'workflow') return [];
  const out: CiFinding[] = [];
  const jobs = doc.jobs();
  const wf = permissionsOf(doc.root['permissions']);
  const allJobsHavePermissions = jobs.every((j) => permissionsOf(j.value['permissions']).kind !== 'default');
  const reusableOnly = hasWorkflowCallOnly(doc);
  const wfPersona: Persona =
    jobs.length === 1 || allJobsHavePermissions || reusableOnly ? 'pedantic' : 'regular';
  const rule = 'excessive-permissions';
  switch (wf.kind) {
    case 'default':
      out.push(
        doc.finding(
          {
            rule,
            severity: 'medium',
            confidence: 'medium',
            persona: wfPersona,
            message: 'default permissions used due to no permissions: block',
          },
          doc.documentStart(),
        ),
      );
      break;
    case 'read-all':
      out.push(
        doc.finding(
          {
            rule,
            severity: 'medium',
            confidence: 'high',
            persona: wfPersona,
            message: 'uses read-all permissions',
          },
          doc.range(['permissions'], true),
        ),
      );
      break;
    case 'write-all':
      out.push(
        doc.finding(
          {
            rule,
            severity: 'high',
            confidence: 'high',
            persona: wfPersona,
            message: 'uses write-all permissions',
          },
          doc.range(['permissions'], true),
        ),
      );
      break;
    case 'explicit':
      for (const [name, level] of Object.entries(wf.perms)) {
        if (level !== 'write') continue;
        out.push(
          doc.finding(
            {
              rule,
              severity: WRITE_SEVERITY[name] ?? 'medium',
              confidence: 'high',
              persona: wfPersona,
              message: `${name}: write is overly broad at the workflow level`,
            },
            doc.range(['permissions', name], true),
          ),
        );
      }
      break;
  }
  for (const job of jobs) {
    const reusableCall = typeof job.value['uses'] === 'string';
    const persona: Persona = reusableOnly && !reusableCall ? 'pedantic' : 'regular';
    const p = permissionsOf(job.value['permissions']);
    if (p.kind === 'default' && wf.kind === 'default') {
      out.push(
        doc.finding(
          {
            rule,
            severity: 'medium',
            confidence: 'medium',
            persona,
            message: `job ${job.id} runs with the default permissions: no permissions: block here or at the workflow level`,
            fix: { description: 'add a permissions: block with only what the job needs' },
          },
          doc.range(job.path, true),
        ),
      );
    } else if (p.kind === 'read-all' || p.kind === 'write-all') {
      out.push(
        doc.finding(
          {
            rule,
            severity: p.kind === 'write-all' ? 'high' : 'medium',
            confidence: 'high',
            persona,
            message: `job ${job.id} uses ${p.kind} permissions`,
          },
          doc.range([...job.path, 'permissions'], true),
        ),
      );
    }
  }
  return out;
}

/** A comment on the line of a permission (`id-token: write # sign with cosign`) documents it. */
function documented(doc: CiDocument, path: Path): boolean {
  const { start } = doc.range(path, true);
  const lineEnd = doc.text.indexOf('\n', start);
  const line = doc.text.slice(start, lineEnd < 0 ? doc.text.length : lineEnd);
  return /\s#\s*\S/.test(line);
}

export function undocumentedPermissions(doc: CiDocument): CiFinding[] {
  if (doc.kind !== 'workflow') return [];
  const out: CiFinding[] = [];
  const blocks: Path[] = [['permissions'], ...doc.jobs().map((j) => [...j.path, 'permissions'])];
  for (const path of blocks) {
    const perms = doc.get(path);
    if (!isObj(perms)) continue;
    const missing = Object.entries(perms)
      .filter(([name, level]) => !(name === 'contents' && level === 'read'))
      .map(([name]) => name)
      .filter((name) => !documented(doc, [...path, name]));
    const first = missing[0];
    if (first === undefined) continue;
    out.push(
      doc.finding(
        {
          rule: 'undocumented-permissions',
          severity: 'low',
          confidence: 'high',
          persona: 'pedantic',
          message: `permissions without an explanatory comment: ${missing.join(', ')}`,
        },
        doc.range([...path, first], true),
      ),
    );
  }
  return out;
}

/** Actions that use the job's OIDC token: signing, attestation, cloud and registry federation. */
const OIDC_ACTIONS = new Set([
  'sigstore/cosign-installer',
  'sigstore/gh-action-sigstore-python',
  'actions/attest-build-provenance',
  'actions/attest-sbom',
  'actions/attest',
  'aws-actions/configure-aws-credentials',
  'google-github-actions/auth',
  'azure/login',
  'hashicorp/vault-action',
  'pypa/gh-action-pypi-publish',
  'rubygems/release-gem',
  'rubygems/configure-rubygems-credentials',
  'slsa-framework/slsa-github-generator',
  'octo-sts/action',
  'docker/login-action',
  'codecov/codecov-action',
  'changesets/action',
  'actions/deploy-pages',
  'ossf/scorecard-action',
  'goreleaser/goreleaser-action',
  'rust-lang/crates-io-auth-action',
  'jfrog/setup-jfrog-cli',
]);

/** Commands that fetch or use the OIDC token. */
/**
 * Commands that fetch or use the OIDC token. Deliberately broad (any `sign`, `attest`, `sigstore` or
 * `cosign` command word, any publish): a project's own signing CLI must not be reported, and a missed
 * job costs less than a false alarm on the job that signs. The rule's confidence is low for that reason.
 */
const OIDC_COMMANDS =
  /\b(cosign|sigstore|attest|sign|sign-blob|ACTIONS_ID_TOKEN_REQUEST_(URL|TOKEN)|gh\s+attestation|npm\s+publish|yarn\s+npm\s+publish|pnpm\s+publish|gcloud\s+auth|az\s+login|aws\s+sts\s+assume-role-with-web-identity|twine\s+upload|uv\s+publish|cargo\s+publish|gem\s+push)\b/;

function jobUsesOidc(doc: CiDocument, job: Job): boolean {
  if (typeof job.value['uses'] === 'string') return true; // a reusable workflow may need it
  for (const step of doc.jobSteps(job)) {
    const uses = step.value['uses'];
    if (typeof uses === 'string') {
      const u = parseUses(uses);
      if (u?.kind === 'repository' && OIDC_ACTIONS.has(repoSlug(u))) return true;
      if (u?.kind === 'local') return true; // a local action may sign; not flagged
    }
    const run = step.value['run'];
    if (typeof run === 'string' && OIDC_COMMANDS.test(run)) return true;
  }
  return false;
}

/**
 * `id-token: write` lets every step of the job mint an OIDC token for any audience: a job that neither
 * signs nor federates should not hold it. Workflow-level `id-token: write` is reported for each job that
 * inherits it without needing it.
 */
export function oidcUnneededIdToken(doc: CiDocument): CiFinding[] {
  if (doc.kind !== 'workflow') return [];
  const out: CiFinding[] = [];
  const wf = doc.root['permissions'];
  const wfWrites = wf === 'write-all' || (isObj(wf) && wf['id-token'] === 'write');
  for (const job of doc.jobs()) {
    const p = job.value['permissions'];
    const jobWrites = p === 'write-all' || (isObj(p) && p['id-token'] === 'write');
    const inherits = p === undefined && wfWrites;
    if (!jobWrites && !inherits) continue;
    if (jobUsesOidc(doc, job)) continue;
    const at = jobWrites
      ? isObj(p)
        ? doc.range([...job.path, 'permissions', 'id-token'], true)
        : doc.range([...job.path, 'permissions'])
      : isObj(wf)
        ? doc.range(['permissions', 'id-token'], true)
        : doc.range(['permissions']);
    out.push(
      doc.finding(
        {
          rule: 'oidc-unneeded-id-token',
          severity: 'medium',
          confidence: 'low',
          message: `job ${job.id} can mint OIDC tokens (id-token: write) but no step signs, attests or federates with a cloud`,
          fix: { description: 'drop id-token: write from this job, or grant it only to the job that signs' },
          properties: { job: job.id },
        },
        at,
      ),
    );
  }
  return out;
}
