import type { Confidence, Severity } from '../finding.js';
import { contextCapability } from './context-capability.js';
import { allContexts, type ContextRef, dataflowContexts, type Expr, parseExpression } from './expressions.js';
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
import { parseUses, usesMatches } from './uses.js';

/**
 * Rules about code a workflow runs and the expressions it expands: template-injection,
 * overprovisioned-secrets, bot-conditions, insecure-commands, github-env, use-trusted-publishing, and
 * vouch's static-cloud-credentials and expression-syntax.
 */

/** Action inputs that are evaluated as code (zizmor's extension of CodeQL's injection sinks). */
const ACTION_SINKS: ReadonlyArray<{ action: string; inputs: readonly string[] }> = [
  { action: 'actions/github-script', inputs: ['script'] },
  { action: 'amadevus/pwsh-script', inputs: ['script'] },
  { action: 'jannekem/run-python-script-action', inputs: ['script'] },
  { action: 'cardinalby/js-eval-action', inputs: ['expression'] },
  { action: 'addnab/docker-run-action', inputs: ['options', 'run'] },
];

/** The code sinks of a step: its `run:`, or the code inputs of a scripting action. */
function sinks(step: Step): Path[] {
  if (typeof step.value['run'] === 'string') return [[...step.path, 'run']];
  const text = step.value['uses'];
  const w = step.value['with'];
  if (typeof text !== 'string' || !isObj(w)) return [];
  const u = parseUses(text);
  if (u?.kind !== 'repository') return [];
  const entry = ACTION_SINKS.find((s) => usesMatches(s.action, u));
  if (!entry) return [];
  return entry.inputs.filter((i) => typeof w[i] === 'string').map((i) => [...step.path, 'with', i]);
}

interface Verdict {
  readonly severity: Severity;
  readonly confidence: Confidence;
  readonly persona: Persona;
}

const FIXED_INPUT_TYPES = new Set(['boolean', 'number', 'choice', 'environment']);

function inputCapability(doc: CiDocument, name: string): 'fixed' | 'arbitrary' | undefined {
  if (doc.kind === 'action') {
    // Action inputs are untyped strings: any declared input is whatever the caller passes.
    const inputs = doc.root['inputs'];
    return isObj(inputs) && inputs[name] !== undefined ? 'arbitrary' : undefined;
  }
  const on = doc.root[doc.onKey()];
  if (!isObj(on)) return undefined;
  for (const ev of ['workflow_dispatch', 'workflow_call']) {
    const e = on[ev];
    const inputs = isObj(e) ? e['inputs'] : undefined;
    const input = isObj(inputs) ? inputs[name] : undefined;
    if (input === undefined) continue;
    const type = isObj(input) ? asString(input['type']) : undefined;
    return type !== undefined && FIXED_INPUT_TYPES.has(type) ? 'fixed' : 'arbitrary';
  }
  return undefined;
}

function envIsStatic(doc: CiDocument, step: Step, name: string): boolean {
  const scopes: unknown[] = [step.value['env'], step.job?.value['env'], doc.root['env']];
  for (const env of scopes) {
    if (!isObj(env) || !(name in env)) continue;
    const v = env[name];
    return !(typeof v === 'string' && v.includes('${{'));
  }
  return false;
}

function matrixIsStatic(step: Step, pattern: string): boolean | undefined {
  const strategy = step.job?.value['strategy'];
  const matrix = isObj(strategy) ? strategy['matrix'] : undefined;
  if (matrix === undefined) return undefined;
  if (!isObj(matrix)) return false;
  const key = pattern.split('.')[1];
  const dyn = (v: unknown): boolean => JSON.stringify(v ?? null).includes('${{');
  if (key === undefined) return !dyn(matrix);
  const include = matrix['include'];
  return !dyn(matrix[key]) && !dyn(include);
}

/** zizmor's classification of one context in a code sink. Undefined means "not a finding". */
function classify(doc: CiDocument, step: Step, ref: ContextRef): Verdict | undefined {
  const high: Verdict = { severity: 'high', confidence: 'high', persona: 'regular' };
  const p = ref.pattern;
  if (p === undefined) return { severity: 'info', confidence: 'low', persona: 'regular' };
  switch (contextCapability(p)) {
    case 'fixed':
      return undefined;
    case 'structured':
      return { severity: 'medium', confidence: 'high', persona: 'regular' };
    case 'arbitrary':
      return high;
    case undefined:
      break;
  }
  const parts = p.split('.');
  if (ref.root === 'secrets') return undefined;
  if (/^needs\.[^.]+\.result$/.test(p) || /^steps\.[^.]+\.(outcome|conclusion)$/.test(p)) return undefined;
  if (ref.root === 'inputs') {
    const name = parts.length === 2 ? parts[1] : undefined;
    const cap = name === undefined ? undefined : inputCapability(doc, name);
    if (cap === 'fixed') return { severity: 'low', confidence: 'high', persona: 'pedantic' };
    if (cap === 'arbitrary') return high;
    return { severity: 'low', confidence: 'low', persona: 'regular' };
  }
  if (ref.root === 'env') {
    const name = parts[1];
    const stat = name !== undefined && envIsStatic(doc, step, name.toUpperCase() === name ? name : name);
    return { severity: 'low', confidence: 'high', persona: stat ? 'pedantic' : 'regular' };
  }
  if (ref.root === 'github') return high;
  if (ref.root === 'matrix') {
    const stat = matrixIsStatic(step, p);
    if (stat === undefined || stat) return undefined;
    return { severity: 'medium', confidence: 'medium', persona: 'regular' };
  }
  return { severity: 'info', confidence: 'low', persona: 'regular' };
}

/** `github.event.issue.title` → `GITHUB_EVENT_ISSUE_TITLE`; `env.FOO` → undefined (already a variable). */
export function envVarFor(pattern: string): string | undefined {
  if (pattern.startsWith('env.') || pattern.includes('*')) return undefined;
  if (!/^[a-z0-9_.-]+$/i.test(pattern)) return undefined;
  return pattern.replace(/[.-]/g, '_').toUpperCase();
}

export function templateInjection(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  for (const step of doc.steps()) {
    for (const sink of sinks(step)) {
      const isRun = sink[sink.length - 1] === 'run' && sink.length === step.path.length + 1;
      for (const w of doc.expressionsAt(sink)) {
        if (!w.expr) continue;
        let found = 0;
        for (const ref of dataflowContexts(w.expr)) {
          const v = classify(doc, step, ref);
          if (!v) continue;
          found++;
          const name = ref.pattern ?? w.inner.slice(ref.span.start, ref.span.end);
          const whole = w.expr.span.start === ref.span.start && w.expr.span.end === ref.span.end;
          const envVar = isRun && whole && ref.pattern ? envVarFor(ref.pattern) : undefined;
          out.push(
            doc.finding(
              {
                rule: 'template-injection',
                ...v,
                message: `${name} may expand into attacker-controllable code`,
                fix: envVar
                  ? {
                      description: `pass it through the environment: ${envVar}: \${{ ${ref.pattern} }} and "$${envVar}" in the script`,
                    }
                  : undefined,
                properties: { context: name, ...(envVar ? { envVar, step: step.path } : {}) },
              },
              { start: w.base + ref.span.start, end: w.base + ref.span.end },
            ),
          );
        }
        if (found === 0)
          out.push(
            doc.finding(
              {
                rule: 'template-injection',
                severity: 'low',
                confidence: 'high',
                persona: 'pedantic',
                message: 'expression expanded into code (not attacker-controllable here, but a code smell)',
              },
              // From the first character of the expression text, parentheses included (as zizmor).
              {
                start: w.base + (w.inner.length - w.inner.trimStart().length),
                end: w.base + w.expr.span.end,
              },
            ),
          );
      }
    }
  }
  return out;
}

/** expression-syntax: an expression GitHub would refuse; the file is still audited. */
export function expressionSyntax(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  for (const path of doc.expressionStrings())
    for (const w of doc.expressionsAt(path))
      if (w.error)
        out.push(
          doc.finding(
            {
              rule: 'expression-syntax',
              severity: 'medium',
              confidence: 'high',
              message: `invalid expression: ${w.error.message}`,
            },
            { start: w.base + w.error.offset, end: w.end },
          ),
        );
  return out;
}

const SPOOFABLE_ACTOR = new Set([
  'github.actor',
  'github.triggering_actor',
  'github.event.pull_request.sender.login',
  'github.actor_id',
  'github.event.pull_request.sender.id',
]);

/** The `if:` of every job and step, as an expression with its file offset. */
function conditions(doc: CiDocument): { path: Path; expr: Expr; base: number }[] {
  const out: { path: Path; expr: Expr; base: number }[] = [];
  const paths: Path[] = [
    ...doc.jobs().map((j) => [...j.path, 'if']),
    ...doc.steps().map((s) => [...s.path, 'if']),
  ];
  for (const path of paths) {
    const v = doc.get(path);
    if (typeof v !== 'string') continue;
    const fenced = doc.expressionsAt(path);
    if (fenced.length > 0) {
      for (const w of fenced) if (w.expr) out.push({ path, expr: w.expr, base: w.base });
      continue;
    }
    const { start, end } = doc.range(path);
    const raw = doc.text.slice(start, end);
    const quote = raw.startsWith("'") || raw.startsWith('"') ? 1 : 0;
    try {
      out.push({ path, expr: parseExpression(v), base: start + quote });
    } catch {
      // An unparseable bare condition is reported by expression-syntax only when fenced; GitHub
      // rejects it at load time either way.
    }
  }
  return out;
}

/**
 * bot-conditions: `github.actor == 'dependabot[bot]'` is true for anyone who can make the bot act
 * (a comment that triggers a re-run, a PR retargeted by the bot). High severity; high confidence when
 * the check alone can satisfy the condition, medium when it is and-ed with something else.
 */
export function botConditions(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  for (const c of conditions(doc)) {
    const visit = (x: Expr, underAnd: boolean): void => {
      if (x.kind === 'binary' && (x.op === '||' || x.op === '&&')) {
        visit(x.left, underAnd || x.op === '&&');
        visit(x.right, underAnd || x.op === '&&');
        return;
      }
      if (x.kind !== 'binary' || x.op !== '==') return;
      const sides = [x.left, x.right];
      const ctx = sides.find((s) => allContexts(s).some((r) => r.pattern && SPOOFABLE_ACTOR.has(r.pattern)));
      const lit = sides.find((s) => s.kind === 'literal');
      if (!ctx || !lit || lit.kind !== 'literal') return;
      const value = String(lit.value);
      if (!value.endsWith('[bot]') && !/^\d+$/.test(value)) return;
      out.push(
        doc.finding(
          {
            rule: 'bot-conditions',
            severity: 'high',
            confidence: underAnd ? 'medium' : 'high',
            message: `spoofable bot actor check: ${doc.text.slice(c.base + x.span.start, c.base + x.span.end)}`,
            fix: {
              description: 'check github.event.pull_request.user.login (the PR author) instead of the actor',
            },
          },
          { start: c.base + x.span.start, end: c.base + x.span.end },
        ),
      );
    };
    visit(c.expr, false);
  }
  return out;
}

function truthy(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.trim().toLowerCase() === 'true' || v.trim() === '1';
  return false;
}

export function insecureCommands(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  const scopes: Path[] = [
    ['env'],
    ...doc.jobs().map((j) => [...j.path, 'env']),
    ...doc.steps().map((s) => [...s.path, 'env']),
  ];
  for (const path of scopes) {
    const env = doc.get(path);
    if (!isObj(env) || !truthy(env['ACTIONS_ALLOW_UNSECURE_COMMANDS'])) continue;
    out.push(
      doc.finding(
        {
          rule: 'insecure-commands',
          severity: 'high',
          confidence: 'high',
          message:
            'ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables set-env and add-path workflow commands: any log line can set variables',
          fix: {
            description: 'remove ACTIONS_ALLOW_UNSECURE_COMMANDS and write to $GITHUB_ENV / $GITHUB_PATH',
          },
        },
        doc.range([...path, 'ACTIONS_ALLOW_UNSECURE_COMMANDS'], true),
      ),
    );
  }
  return out;
}

const ENV_FILE = /(\$\{?GITHUB_(ENV|PATH)\}?|\$env:GITHUB_(ENV|PATH)|%GITHUB_(ENV|PATH)%)/g;

/** A write with `echo`/`printf` of literal text only (no expansion) cannot carry attacker data. */
function literalEcho(line: string, at: number): boolean {
  const head = line.slice(0, at);
  const cmd = /^\s*(echo|printf)\s+(.*?)(>>?|\|\s*tee\b.*)\s*["']?$/.exec(head);
  if (!cmd) return false;
  return !/[$`]/.test(cmd[2] ?? '');
}

/**
 * github-env: in a workflow triggered by pull_request_target or workflow_run, writing to GITHUB_ENV
 * or GITHUB_PATH from anything but literal text lets untrusted data set LD_PRELOAD, PATH and friends
 * for the rest of the job. High severity, low confidence, as in zizmor.
 */
export function githubEnv(doc: CiDocument): CiFinding[] {
  const t = doc.triggers();
  if (!t.includes('pull_request_target') && !t.includes('workflow_run')) return [];
  const out: CiFinding[] = [];
  for (const step of doc.steps()) {
    if (typeof step.value['run'] !== 'string') continue;
    const { start, end } = doc.range([...step.path, 'run']);
    const raw = doc.text.slice(start, end);
    for (const line of raw.split('\n')) {
      for (const m of line.matchAll(ENV_FILE)) {
        const idx = m.index ?? 0;
        if (!/(>>|>|tee|Out-File|Add-Content|Set-Content)/i.test(line)) continue;
        if (literalEcho(line, idx)) continue;
        out.push(
          doc.finding(
            {
              rule: 'github-env',
              severity: 'high',
              confidence: 'low',
              message: `write to GITHUB_${m[2] ?? m[3] ?? m[4] ?? 'ENV'} may allow code execution: this workflow runs on untrusted triggers`,
            },
            doc.range([...step.path, 'run'], true),
          ),
        );
      }
    }
  }
  return out;
}

const PUBLISH_COMMAND =
  /\b(cargo\s+publish(?![^\n]*--dry-run)|twine\s+upload|uv\s+publish(?![^\n]*--dry-run)|poetry\s+publish(?![^\n]*--dry-run)|hatch\s+publish|pdm\s+publish|gem\s+push|npm\s+publish(?![^\n]*--dry-run))\b/g;

/**
 * use-trusted-publishing: registries that accept OIDC (PyPI, RubyGems, crates.io, npm) should not be
 * given a long-lived token. Informational, high confidence, as in zizmor.
 */
export function useTrustedPublishing(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  const finding = (message: string, at: { start: number; end: number }) =>
    doc.finding({ rule: 'use-trusted-publishing', severity: 'info', confidence: 'high', message }, at);
  for (const step of doc.steps()) {
    const text = step.value['uses'];
    const w: Obj = isObj(step.value['with']) ? (step.value['with'] as Obj) : {};
    if (typeof text === 'string') {
      const u = parseUses(text);
      if (u?.kind !== 'repository') continue;
      if (usesMatches('pypa/gh-action-pypi-publish', u) && w['password'] !== undefined) {
        const repo = asString(w['repository-url'] ?? w['repository_url']);
        if (repo === undefined || /(^|\/\/)(test\.)?pypi\.org/.test(repo))
          out.push(
            finding(
              'publishes to PyPI with a token: PyPI supports trusted publishing (OIDC)',
              doc.range([...step.path, 'uses'], true),
            ),
          );
      } else if (
        usesMatches('rubygems/release-gem', u) &&
        asString(w['setup-trusted-publisher']) === 'false'
      ) {
        out.push(
          finding(
            'publishes to RubyGems without trusted publishing',
            doc.range([...step.path, 'uses'], true),
          ),
        );
      } else if (usesMatches('rubygems/configure-rubygems-credentials', u) && w['api-token'] !== undefined) {
        out.push(
          finding(
            'configures a RubyGems API token: RubyGems supports trusted publishing (OIDC)',
            doc.range([...step.path, 'uses'], true),
          ),
        );
      }
      continue;
    }
    // As zizmor: commands are only checked in workflow jobs without id-token: write, since most
    // publishing tools use trusted publishing by themselves when the token is there.
    if (typeof step.value['run'] !== 'string' || !step.job || jobHasIdToken(doc, step.job.value)) continue;
    const { start, end } = doc.range([...step.path, 'run']);
    const raw = doc.text.slice(start, end);
    for (const m of raw.matchAll(PUBLISH_COMMAND)) {
      const idx = m.index ?? 0;
      out.push(
        finding(
          `${m[0].split(/\s+/).slice(0, 2).join(' ')} can use trusted publishing (OIDC) instead of a stored token`,
          { start: start + idx, end: start + idx + m[0].length },
        ),
      );
    }
  }
  return out;
}

function grantsIdToken(p: unknown): boolean {
  return p === 'write-all' || (isObj(p) && p['id-token'] === 'write');
}

/** True when the job's token can mint OIDC tokens (its own permissions, else the workflow's). */
export function jobHasIdToken(doc: CiDocument, job: Obj): boolean {
  const p = job['permissions'];
  return p !== undefined ? grantsIdToken(p) : grantsIdToken(doc.root['permissions']);
}
