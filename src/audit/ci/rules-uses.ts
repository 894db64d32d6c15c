import type { Confidence } from '../finding.js';
import {
  asString,
  type CiDocument,
  type CiFinding,
  isObj,
  type Obj,
  type Path,
  type Persona,
  type Step,
} from './model.js';
import { isCommitRef, parseImageRef, parseUses, repoSlug, type Uses, usesMatches } from './uses.js';

/**
 * Rules about what a workflow runs: actions and reusable workflows by reference (unpinned-uses,
 * forbidden-uses, secrets-inherit), container images (unpinned-images), where (self-hosted-runner),
 * and the checkout/upload/cache patterns zizmor names artipacked and cache-poisoning.
 */

export interface UsesSite {
  readonly path: Path;
  readonly text: string;
  readonly uses: Uses;
  readonly step: Step | undefined;
}

/** Every `uses:` in the file: steps of jobs and composite actions, and reusable-workflow jobs. */
export function usesSites(doc: CiDocument): UsesSite[] {
  const out: UsesSite[] = [];
  for (const job of doc.jobs()) {
    const text = job.value['uses'];
    if (typeof text === 'string') {
      const uses = parseUses(text);
      if (uses) out.push({ path: [...job.path, 'uses'], text, uses, step: undefined });
    }
  }
  for (const step of doc.steps()) {
    const text = step.value['uses'];
    if (typeof text !== 'string') continue;
    const uses = parseUses(text);
    if (uses) out.push({ path: [...step.path, 'uses'], text, uses, step });
  }
  return out;
}

/** zizmor's default since 1.20: every action pinned by commit SHA ("blanket" hash-pin policy). */
export function unpinnedUses(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  for (const site of usesSites(doc)) {
    const u = site.uses;
    if (u.kind !== 'repository' || isCommitRef(u.ref)) continue;
    out.push(
      doc.finding(
        {
          rule: 'unpinned-uses',
          severity: 'high',
          confidence: 'high',
          message:
            u.ref === undefined
              ? `${site.text} is not pinned to a ref or hash (required by blanket policy)`
              : `${site.text} is not pinned to a hash (required by blanket policy)`,
          fix: { description: 'pin to the full commit SHA with a version comment (vouch audit ci --fix)' },
          properties: { uses: site.text, ref: u.ref ?? null },
        },
        doc.range(site.path),
      ),
    );
  }
  return out;
}

/** Cloud federation actions: they hold the keys to the cloud account, so a moved tag is a takeover. */
const FEDERATION_ACTIONS = new Set([
  'aws-actions/configure-aws-credentials',
  'google-github-actions/auth',
  'azure/login',
  'hashicorp/vault-action',
]);

export function oidcUnpinnedFederation(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  for (const site of usesSites(doc)) {
    const u = site.uses;
    if (u.kind !== 'repository' || !FEDERATION_ACTIONS.has(repoSlug(u)) || isCommitRef(u.ref)) continue;
    out.push(
      doc.finding(
        {
          rule: 'oidc-unpinned-federation',
          severity: 'high',
          confidence: 'high',
          message: `${site.text} exchanges the job's OIDC token for cloud credentials but is not pinned to a commit: whoever moves the tag gets the cloud role`,
          fix: { description: 'pin to the full commit SHA with a version comment (vouch audit ci --fix)' },
          properties: { uses: site.text },
        },
        doc.range(site.path),
      ),
    );
  }
  return out;
}

/** Images a job runs: `container:`, `services:` and `uses: docker://`. */
export function unpinnedImages(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  const check = (image: string, path: Path): void => {
    if (image.includes('${{')) return; // matrix-expanded images are not resolved here
    const ref = parseImageRef(image);
    if (ref.name.length === 0 || ref.digest) return;
    let message: string;
    let persona: Persona;
    if (ref.tag === undefined) {
      message = `container image ${image} is unpinned`;
      persona = 'regular';
    } else if (ref.tag === 'latest') {
      message = `container image ${image} uses the floating 'latest' tag`;
      persona = 'regular';
    } else {
      message = `container image ${image} is not pinned to a SHA256 hash`;
      persona = 'pedantic';
    }
    out.push(
      doc.finding(
        { rule: 'unpinned-images', severity: 'high', confidence: 'high', persona, message },
        doc.range(path, path[path.length - 1] !== 'uses'),
      ),
    );
  };
  for (const job of doc.jobs()) {
    const c = job.value['container'];
    if (typeof c === 'string') check(c, [...job.path, 'container']);
    else if (isObj(c) && typeof c['image'] === 'string')
      check(c['image'], [...job.path, 'container', 'image']);
    const services = job.value['services'];
    if (isObj(services))
      for (const [name, s] of Object.entries(services)) {
        if (typeof s === 'string') check(s, [...job.path, 'services', name]);
        else if (isObj(s) && typeof s['image'] === 'string')
          check(s['image'], [...job.path, 'services', name, 'image']);
      }
  }
  for (const site of usesSites(doc)) if (site.uses.kind === 'docker') check(site.uses.image, site.path);
  return out;
}

/**
 * From the `uses:` value to the `secrets: inherit` line: zizmor reports both places, and an ignore
 * comment on either silences the finding.
 */
function secretsInheritSpan(doc: CiDocument, job: Path): { start: number; end: number } {
  const uses = doc.range([...job, 'uses']);
  const secrets = doc.range([...job, 'secrets']);
  return { start: uses.start, end: Math.max(uses.end, secrets.end) };
}

export function secretsInherit(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  for (const job of doc.jobs()) {
    if (typeof job.value['uses'] !== 'string' || job.value['secrets'] !== 'inherit') continue;
    out.push(
      doc.finding(
        {
          rule: 'secrets-inherit',
          severity: 'medium',
          confidence: 'high',
          message: `job ${job.id} passes every secret of the repository to ${job.value['uses']} (secrets: inherit)`,
          fix: { description: 'pass only the secrets the called workflow declares, by name' },
        },
        secretsInheritSpan(doc, job.path),
      ),
    );
  }
  return out;
}

/**
 * self-hosted-runner (auditor), as zizmor 1.32 decides it: a runner group (high), `self-hosted` as the
 * first label (high), a first label that is an expression (low), or a whole `runs-on:` expression whose
 * matrix values include `self-hosted` (high).
 */
export function selfHostedRunner(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  for (const job of doc.jobs()) {
    const r = job.value['runs-on'];
    const first = Array.isArray(r) ? r[0] : r;
    let verdict: [Confidence, string] | undefined;
    if (isObj(r)) {
      if (r['group'] !== undefined) verdict = ['high', 'runs on a runner group (self-hosted runners)'];
    } else if (typeof r === 'string' && /^\s*\$\{\{[\s\S]*\}\}\s*$/.test(r)) {
      const strategy = job.value['strategy'];
      const matrix = isObj(strategy) ? strategy['matrix'] : undefined;
      if (JSON.stringify(matrix ?? null).includes('self-hosted'))
        verdict = ['high', 'runs on a self-hosted runner picked from its matrix'];
    } else if (first === 'self-hosted') verdict = ['high', 'runs on a self-hosted runner'];
    else if (typeof first === 'string' && /^\s*\$\{\{[\s\S]*\}\}\s*$/.test(first))
      verdict = ['low', 'picks its runner from an expression, which may be self-hosted'];
    if (!verdict) continue;
    out.push(
      doc.finding(
        {
          rule: 'self-hosted-runner',
          severity: 'medium',
          confidence: verdict[0],
          persona: 'auditor',
          message: `job ${job.id} ${verdict[1]}`,
        },
        doc.range([...job.path, 'runs-on'], true),
      ),
    );
  }
  return out;
}

function stepUses(step: Step): Extract<Uses, { kind: 'repository' }> | undefined {
  const text = step.value['uses'];
  if (typeof text !== 'string') return undefined;
  const u = parseUses(text);
  return u?.kind === 'repository' ? u : undefined;
}

function stepsByJob(doc: CiDocument): Step[][] {
  if (doc.kind === 'action') return [doc.steps()];
  return doc.jobs().map((j) => doc.jobSteps(j));
}

function majorVersion(ref: string | undefined): number | undefined {
  const m = /^v?(\d+)/.exec(ref ?? '');
  return m ? Number(m[1]) : undefined;
}

function dangerousUploadPath(path: string): boolean {
  return path.split('\n').some((line) => {
    const p = line.trim();
    if (p === '.' || p === './' || p === '..' || p === '../') return true;
    return /^\$\{\{\s*github\.workspace\s*\}\}\/?$/.test(p);
  });
}

/**
 * artipacked: actions/checkout keeps the token in .git/config unless `persist-credentials: false`;
 * uploading the workspace afterwards publishes it. Severities as zizmor's determine_severity: v6 of
 * checkout stores the token outside .git/config, so it drops one level; a commit ref's version is
 * unknown offline and counts as older.
 */
export function artipacked(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  for (const steps of stepsByJob(doc)) {
    const checkouts: { step: Step; persona: Persona; v6: boolean }[] = [];
    const uploads: Step[] = [];
    for (const step of steps) {
      const u = stepUses(step);
      if (!u) continue;
      const withV = step.value['with'];
      if (withV !== undefined && !isObj(withV)) continue;
      const w: Obj = isObj(withV) ? withV : {};
      if (usesMatches('actions/checkout', u)) {
        const pc = asString(w['persist-credentials']);
        const v6 = !isCommitRef(u.ref) && (majorVersion(u.ref) ?? 0) >= 6;
        if (pc === 'false') continue;
        if (pc === 'true') checkouts.push({ step, persona: 'auditor', v6 });
        else if (pc?.includes('${{')) checkouts.push({ step, persona: 'pedantic', v6 });
        else checkouts.push({ step, persona: 'regular', v6 });
      } else if (usesMatches('actions/upload-artifact', u)) {
        const p = w['path'];
        if (typeof p === 'string' && dangerousUploadPath(p)) uploads.push(step);
      }
    }
    const fix = (step: Step) => ({
      description: 'set persist-credentials: false on the checkout (vouch audit ci --fix)',
      properties: { step: step.path },
    });
    if (uploads.length === 0) {
      for (const c of checkouts)
        out.push(
          doc.finding(
            {
              rule: 'artipacked',
              severity: c.v6 ? 'low' : 'medium',
              confidence: 'low',
              persona: c.persona,
              message: 'actions/checkout does not set persist-credentials: false',
              fix: { description: fix(c.step).description },
            },
            doc.range(c.step.path),
          ),
        );
    } else {
      for (const c of checkouts)
        for (const up of uploads) {
          if (c.step.index >= up.index) continue;
          out.push(
            doc.finding(
              {
                rule: 'artipacked',
                severity: c.v6 ? 'medium' : 'high',
                confidence: 'high',
                persona: c.persona,
                message:
                  'actions/checkout persists the token in .git/config and the workspace is uploaded as an artifact afterwards',
                fix: { description: fix(c.step).description },
              },
              doc.range(c.step.path),
            ),
          );
        }
    }
  }
  return out;
}

const PUBLISHING_TRIGGERS = new Set(['release']);

/** Actions that restore a cache by default or when asked, and the input that turns it on or off. */
const CACHE_AWARE: ReadonlyArray<{ action: string; input: string; onByDefault: boolean }> = [
  { action: 'actions/cache', input: '', onByDefault: true },
  { action: 'actions/setup-node', input: 'cache', onByDefault: false },
  { action: 'actions/setup-python', input: 'cache', onByDefault: false },
  { action: 'actions/setup-java', input: 'cache', onByDefault: false },
  { action: 'actions/setup-go', input: 'cache', onByDefault: true },
  { action: 'actions/setup-dotnet', input: 'cache', onByDefault: false },
  { action: 'astral-sh/setup-uv', input: 'enable-cache', onByDefault: true },
  { action: 'swatinem/rust-cache', input: '', onByDefault: true },
  { action: 'ruby/setup-ruby', input: 'bundler-cache', onByDefault: false },
  { action: 'pnpm/action-setup', input: 'cache', onByDefault: false },
  { action: 'mozilla-actions/sccache-action', input: '', onByDefault: true },
];

function isReleaseWorkflow(doc: CiDocument): boolean {
  const on = doc.root[doc.onKey()];
  for (const t of doc.triggers()) {
    if (PUBLISHING_TRIGGERS.has(t)) return true;
    if (t === 'push' && isObj(on)) {
      const push = on['push'];
      if (!isObj(push)) continue;
      if (push['tags'] !== undefined) return true;
      // A push to a release branch publishes too.
      const branches = push['branches'];
      const list = typeof branches === 'string' ? [branches] : Array.isArray(branches) ? branches : [];
      if (list.some((b) => typeof b === 'string' && b.toLowerCase().includes('release'))) return true;
    }
  }
  return false;
}

/** Actions that publish what the job built: a job using one is a release job whatever the trigger. */
const PUBLISHERS = [
  'pypa/gh-action-pypi-publish',
  'rubygems/release-gem',
  'jreleaser/release-action',
  'goreleaser/goreleaser-action',
  'softprops/action-gh-release',
  'release-drafter/release-drafter',
  'googleapis/release-please-action',
  'redhat-actions/push-to-registry',
];

function publishes(steps: readonly Step[]): boolean {
  return steps.some((s) => {
    const u = stepUses(s);
    if (!u) return false;
    if (PUBLISHERS.some((p) => usesMatches(p, u))) return true;
    const w = s.value['with'];
    return usesMatches('docker/build-push-action', u) && isObj(w) && asString(w['push']) === 'true';
  });
}

/**
 * cache-poisoning: a workflow that publishes (on a release, a tag push or a push to a release branch),
 * or a job with a publishing step, must not restore a cache that a less trusted workflow could have
 * written. High severity, low confidence, as in zizmor.
 */
export function cachePoisoning(doc: CiDocument): CiFinding[] {
  if (doc.kind !== 'workflow') return [];
  const release = isReleaseWorkflow(doc);
  const out: CiFinding[] = [];
  const steps = doc.jobs().flatMap((j) => {
    const js = doc.jobSteps(j);
    return release || publishes(js) ? js : [];
  });
  for (const step of steps) {
    const u = stepUses(step);
    if (!u) continue;
    const entry = CACHE_AWARE.find((c) => usesMatches(c.action, u));
    if (!entry) continue;
    const w = isObj(step.value['with']) ? (step.value['with'] as Obj) : {};
    const setting = entry.input ? asString(w[entry.input]) : undefined;
    const enabled =
      entry.input === ''
        ? true
        : setting === undefined
          ? entry.onByDefault
          : setting !== 'false' && setting !== '';
    if (!enabled) continue;
    out.push(
      doc.finding(
        {
          rule: 'cache-poisoning',
          severity: 'high',
          confidence: 'low',
          message: `${step.value['uses']} restores a cache in a workflow that publishes artifacts`,
          fix: { description: 'disable caching in release workflows' },
        },
        doc.range([...step.path, 'uses'], true),
      ),
    );
  }
  return out;
}

/** What each dangerous trigger does, for the message. */
const DANGEROUS: ReadonlyArray<[string, string]> = [
  ['pull_request_target', "runs with the base repository's secrets and token on pull requests from forks"],
  ['workflow_run', 'runs privileged after workflows that untrusted code may have triggered'],
  ['issue_comment', 'runs privileged on comments anyone can write'],
];

/**
 * dangerous-triggers: pull_request_target, workflow_run and issue_comment (zizmor 1.32) run with the
 * base repository's trust on events outsiders cause. Reported at the trigger's key.
 */
export function dangerousTriggers(doc: CiDocument): CiFinding[] {
  if (doc.kind !== 'workflow') return [];
  const out: CiFinding[] = [];
  const triggers = doc.triggers();
  const on = doc.root[doc.onKey()];
  const at = (trigger: string) =>
    isObj(on) ? doc.range([doc.onKey(), trigger], true) : doc.range([doc.onKey()]);
  const labelerOnly = (): boolean => {
    const jobs = doc.jobs();
    const only = jobs[0];
    if (jobs.length !== 1 || !only) return false;
    const steps = doc.jobSteps(only);
    const first = steps[0];
    const u = first ? stepUses(first) : undefined;
    return steps.length === 1 && u !== undefined && usesMatches('actions/labeler', u);
  };
  const checksOutPr = doc.steps().some((s) => {
    const u = stepUses(s);
    if (!u || !usesMatches('actions/checkout', u)) return false;
    const ref = isObj(s.value['with']) ? asString((s.value['with'] as Obj)['ref']) : undefined;
    return ref !== undefined && /pull_request\.head|head_ref|workflow_run\.head|refs\/pull/.test(ref);
  });
  const extra = checksOutPr ? '; a step checks out the pull request head' : '';
  for (const [trigger, why] of DANGEROUS) {
    if (!triggers.includes(trigger)) continue;
    if (trigger === 'pull_request_target' && labelerOnly()) continue;
    out.push(
      doc.finding(
        {
          rule: 'dangerous-triggers',
          severity: 'high',
          confidence: 'medium',
          message: `use of fundamentally insecure workflow trigger: ${trigger} ${why}${extra}`,
          fix: {
            description:
              'use pull_request, or split privileged work into a workflow that never runs untrusted code',
          },
        },
        at(trigger),
      ),
    );
  }
  return out;
}

/** forbidden-uses: configured allow or deny lists of `uses` patterns (zizmor's configuration shape). */
export interface ForbiddenUsesConfig {
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
}

export function forbiddenUses(doc: CiDocument, cfg: ForbiddenUsesConfig | undefined): CiFinding[] {
  if (!cfg || (!cfg.allow && !cfg.deny)) return [];
  const out: CiFinding[] = [];
  for (const site of usesSites(doc)) {
    const u = site.uses;
    if (u.kind !== 'repository') continue;
    const forbidden = cfg.allow
      ? !cfg.allow.some((p) => usesMatches(p, u))
      : (cfg.deny ?? []).some((p) => usesMatches(p, u));
    if (!forbidden) continue;
    out.push(
      doc.finding(
        {
          rule: 'forbidden-uses',
          severity: 'high',
          confidence: 'high',
          message: `${site.text} is not allowed by the forbidden-uses configuration`,
        },
        doc.range(site.path),
      ),
    );
  }
  return out;
}
