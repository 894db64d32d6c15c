import { asString, type CiDocument, isObj, type Job, type Obj } from './model.js';
import { parseUses, usesMatches } from './uses.js';

/**
 * What GITHUB_TOKEN permissions well-known actions need, from each action's README and action.yml.
 * The fixer writes a job's `permissions:` only when every step is in this table (or is a `run:` that
 * does not use the token), so an inferred block never takes away a permission a step needed.
 */
type Perms = Readonly<Record<string, 'read' | 'write'>>;

interface Entry {
  readonly uses: string;
  /** Permissions needed, possibly depending on the step's `with:`. */
  readonly needs: (w: Obj) => Perms;
}

const none = (): Perms => ({});
const when = (cond: boolean, p: Perms): Perms => (cond ? p : {});

const TABLE: readonly Entry[] = [
  { uses: 'actions/checkout', needs: () => ({ contents: 'read' }) },
  { uses: 'actions/setup-node', needs: none },
  { uses: 'actions/setup-python', needs: none },
  { uses: 'actions/setup-go', needs: none },
  { uses: 'actions/setup-java', needs: none },
  { uses: 'actions/setup-dotnet', needs: none },
  { uses: 'actions/cache', needs: none },
  { uses: 'actions/upload-artifact', needs: none },
  { uses: 'actions/download-artifact', needs: none },
  { uses: 'docker/setup-buildx-action', needs: none },
  { uses: 'docker/setup-qemu-action', needs: none },
  { uses: 'docker/metadata-action', needs: none },
  {
    uses: 'docker/login-action',
    needs: (w) => when(String(w['registry'] ?? '').startsWith('ghcr.io'), { packages: 'write' }),
  },
  { uses: 'docker/build-push-action', needs: none },
  { uses: 'sigstore/cosign-installer', needs: none },
  { uses: 'anchore/sbom-action', needs: () => ({ contents: 'write' }) },
  { uses: 'actions/attest-build-provenance', needs: () => ({ 'id-token': 'write', attestations: 'write' }) },
  { uses: 'actions/attest-sbom', needs: () => ({ 'id-token': 'write', attestations: 'write' }) },
  {
    uses: 'aws-actions/configure-aws-credentials',
    needs: (w) => when(w['role-to-assume'] !== undefined, { 'id-token': 'write' }),
  },
  {
    uses: 'google-github-actions/auth',
    needs: (w) => when(w['workload_identity_provider'] !== undefined, { 'id-token': 'write' }),
  },
  { uses: 'azure/login', needs: (w) => when(w['creds'] === undefined, { 'id-token': 'write' }) },
  {
    uses: 'pypa/gh-action-pypi-publish',
    needs: (w) => when(w['password'] === undefined, { 'id-token': 'write' }),
  },
  { uses: 'softprops/action-gh-release', needs: () => ({ contents: 'write' }) },
  { uses: 'actions/labeler', needs: () => ({ contents: 'read', 'pull-requests': 'write' }) },
  { uses: 'actions/stale', needs: () => ({ issues: 'write', 'pull-requests': 'write' }) },
  { uses: 'actions/dependency-review-action', needs: () => ({ contents: 'read' }) },
  {
    uses: 'github/codeql-action/*',
    needs: () => ({ 'security-events': 'write', actions: 'read', contents: 'read' }),
  },
  { uses: 'actions/upload-pages-artifact', needs: none },
  { uses: 'actions/configure-pages', needs: () => ({ pages: 'write' }) },
  { uses: 'actions/deploy-pages', needs: () => ({ pages: 'write', 'id-token': 'write' }) },
  {
    uses: 'codecov/codecov-action',
    needs: (w) => when(asString(w['use_oidc']) === 'true', { 'id-token': 'write' }),
  },
];

/** `run:` text that uses the token or the API: the fixer cannot tell what it needs. */
const TOKEN_USE =
  /\bgh\s|\bgit\s+push\b|GITHUB_TOKEN|github\.token|ACTIONS_ID_TOKEN|api\.github\.com|\bcosign\s+(sign|attest)/;

const LEVEL: Readonly<Record<string, number>> = { read: 1, write: 2 };

export type RequiredPermissions =
  | { readonly ok: true; readonly permissions: Perms }
  | { readonly ok: false; readonly reason: string };

/** The least permissions a job needs, or why they cannot be inferred safely. */
export function requiredPermissions(doc: CiDocument, job: Job): RequiredPermissions {
  if (typeof job.value['uses'] === 'string')
    return { ok: false, reason: 'it calls a reusable workflow, whose needs are declared there' };
  const out: Record<string, 'read' | 'write'> = {};
  for (const step of doc.jobSteps(job)) {
    const run = step.value['run'];
    if (typeof run === 'string') {
      if (TOKEN_USE.test(run)) return { ok: false, reason: 'a run: step uses the token or the GitHub API' };
      continue;
    }
    const text = step.value['uses'];
    const u = typeof text === 'string' ? parseUses(text) : undefined;
    if (u?.kind !== 'repository')
      return { ok: false, reason: `step ${step.index + 1} uses ${String(text)}, whose needs are unknown` };
    const entry = TABLE.find((e) => usesMatches(e.uses, u));
    if (!entry) return { ok: false, reason: `${text} is not in the table of known actions` };
    const w = isObj(step.value['with']) ? (step.value['with'] as Obj) : {};
    if (JSON.stringify(w).includes('secrets.GITHUB_TOKEN') && !usesMatches('docker/login-action', u))
      return { ok: false, reason: `${text} is given the token explicitly` };
    for (const [k, v] of Object.entries(entry.needs(w)))
      if ((LEVEL[v] ?? 0) > (LEVEL[out[k] ?? ''] ?? 0)) out[k] = v;
  }
  return { ok: true, permissions: out };
}
