import { type CiDocument, type CiFinding, isObj, type Path } from './model.js';

/**
 * Rules about configuration files and the shape of workflows: dependabot-cooldown,
 * dependabot-execution, concurrency-limits (zizmor's), and vouch's unknown-key.
 */

/** zizmor's default minimum cooldown. */
export const DEPENDABOT_COOLDOWN_DAYS = 7;

export function dependabotCooldown(doc: CiDocument, minimumDays = DEPENDABOT_COOLDOWN_DAYS): CiFinding[] {
  if (doc.kind !== 'dependabot') return [];
  const updates = doc.root['updates'];
  if (!Array.isArray(updates)) return [];
  const out: CiFinding[] = [];
  updates.forEach((u, i) => {
    if (!isObj(u)) return;
    const cooldown = u['cooldown'];
    const days =
      isObj(cooldown) && typeof cooldown['default-days'] === 'number' ? cooldown['default-days'] : undefined;
    if ((days ?? 3) >= minimumDays) return;
    const path: Path = ['updates', i];
    const at =
      days !== undefined
        ? doc.range([...path, 'cooldown', 'default-days'], true)
        : isObj(cooldown)
          ? doc.range([...path, 'cooldown'], true)
          : doc.range(path);
    out.push(
      doc.finding(
        {
          rule: 'dependabot-cooldown',
          severity: 'medium',
          confidence: 'high',
          message:
            days === undefined
              ? `insufficient implicit default-days (less than ${minimumDays}): new releases are proposed the day they appear`
              : `insufficient default-days configured (less than ${minimumDays})`,
          fix: { description: `set cooldown: default-days: ${minimumDays}` },
        },
        at,
      ),
    );
  });
  return out;
}

export function dependabotExecution(doc: CiDocument): CiFinding[] {
  if (doc.kind !== 'dependabot') return [];
  const updates = doc.root['updates'];
  if (!Array.isArray(updates)) return [];
  const out: CiFinding[] = [];
  updates.forEach((u, i) => {
    if (!isObj(u) || u['insecure-external-code-execution'] !== 'allow') return;
    out.push(
      doc.finding(
        {
          rule: 'dependabot-execution',
          severity: 'high',
          confidence: 'high',
          message: 'insecure-external-code-execution: allow lets package manifests run code during updates',
          fix: { description: 'remove insecure-external-code-execution or set it to deny' },
        },
        doc.range(['updates', i, 'insecure-external-code-execution'], true),
      ),
    );
  });
  return out;
}

/**
 * concurrency-limits (pedantic), as zizmor: a bare `concurrency: group` (no cancel-in-progress) at the
 * workflow level; or, without workflow concurrency, jobs with a bare group and jobs with none (one
 * finding each, at `on:`). A mapping is taken as intent, even with `cancel-in-progress: false`.
 * Reusable-only workflows leave concurrency to their caller (zizmor#1511: deadlocks otherwise).
 */
export function concurrencyLimits(doc: CiDocument): CiFinding[] {
  if (doc.kind !== 'workflow') return [];
  const t = doc.triggers();
  if (t.length === 1 && t[0] === 'workflow_call') return [];
  const finding = (message: string, at: { start: number; end: number }) =>
    doc.finding(
      { rule: 'concurrency-limits', severity: 'low', confidence: 'high', persona: 'pedantic', message },
      at,
    );
  const c = doc.root['concurrency'];
  if (typeof c === 'string')
    return [finding('workflow concurrency is missing cancel-in-progress', doc.range(['concurrency'], true))];
  if (c !== undefined) return [];
  const jobs = doc.jobs().filter((j) => typeof j.value['uses'] !== 'string');
  const out: CiFinding[] = [];
  const at = doc.range([doc.onKey()], true);
  if (jobs.some((j) => typeof j.value['concurrency'] === 'string'))
    out.push(finding('jobs have concurrency groups without cancel-in-progress', at));
  if (jobs.some((j) => j.value['concurrency'] === undefined))
    out.push(finding('workflow is missing concurrency setting: superseded runs keep running', at));
  return out;
}

const WORKFLOW_KEYS = new Set([
  'name',
  'run-name',
  'on',
  'true',
  'permissions',
  'env',
  'defaults',
  'concurrency',
  'jobs',
]);
const JOB_KEYS = new Set([
  'name',
  'permissions',
  'needs',
  'if',
  'runs-on',
  'snapshot',
  'environment',
  'concurrency',
  'outputs',
  'env',
  'defaults',
  'steps',
  'timeout-minutes',
  'strategy',
  'continue-on-error',
  'container',
  'services',
  'uses',
  'with',
  'secrets',
]);
const STEP_KEYS = new Set([
  'id',
  'if',
  'name',
  'uses',
  'run',
  'working-directory',
  'shell',
  'with',
  'env',
  'continue-on-error',
  'timeout-minutes',
]);
const ACTION_KEYS = new Set(['name', 'author', 'description', 'inputs', 'outputs', 'runs', 'branding']);

/**
 * unknown-key: a key GitHub does not define (a typo such as `permisions:` silently grants the
 * defaults). Reported, never fatal: the rest of the file is audited as written.
 */
export function unknownKeys(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  const check = (value: unknown, path: Path, known: ReadonlySet<string>, what: string): void => {
    if (!isObj(value)) return;
    for (const key of Object.keys(value)) {
      if (known.has(key)) continue;
      out.push(
        doc.finding(
          {
            rule: 'unknown-key',
            severity: 'low',
            confidence: 'high',
            message: `unknown ${what} key "${key}": GitHub ignores or rejects it`,
          },
          doc.range([...path, key], true),
        ),
      );
    }
  };
  if (doc.kind === 'workflow') {
    check(doc.root, [], WORKFLOW_KEYS, 'workflow');
    for (const job of doc.jobs()) check(job.value, job.path, JOB_KEYS, 'job');
    for (const step of doc.steps()) check(step.value, step.path, STEP_KEYS, 'step');
  } else if (doc.kind === 'action') {
    check(doc.root, [], ACTION_KEYS, 'action');
    for (const step of doc.steps()) check(step.value, step.path, STEP_KEYS, 'step');
  }
  return out;
}

/**
 * anonymous-definition (pedantic): a workflow without `name:` (low) or a job without `name:`
 * (informational) is hard to find in the GitHub UI and in required-check settings.
 */
export function anonymousDefinition(doc: CiDocument): CiFinding[] {
  if (doc.kind !== 'workflow') return [];
  const out: CiFinding[] = [];
  if (doc.root['name'] === undefined)
    out.push(
      doc.finding(
        {
          rule: 'anonymous-definition',
          severity: 'low',
          confidence: 'high',
          persona: 'pedantic',
          message: 'workflow has no name',
        },
        doc.documentStart(),
      ),
    );
  for (const job of doc.jobs())
    if (job.value['name'] === undefined && typeof job.value['uses'] !== 'string')
      out.push(
        doc.finding(
          {
            rule: 'anonymous-definition',
            severity: 'info',
            confidence: 'high',
            persona: 'pedantic',
            message: `job ${job.id} has no name`,
          },
          doc.range(job.path, true),
        ),
      );
  return out;
}
