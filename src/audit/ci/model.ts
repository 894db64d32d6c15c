import type { Confidence, Finding, FindingFix, Severity } from '../finding.js';
import type { SourceDocument } from '../yaml-source.js';
import {
  type Expr,
  ExpressionSyntaxError,
  extractFencedExpressions,
  parseExpression,
} from './expressions.js';

/**
 * One audited CI file with positions: a workflow, a composite (or other) action definition, or a
 * Dependabot configuration. Rules read plain values and ask the document where a path was written.
 */
export type CiKind = 'workflow' | 'action' | 'dependabot';

/** zizmor's personas: regular findings for everyone, pedantic for code smells, auditor for everything. */
export const PERSONAS = ['regular', 'pedantic', 'auditor'] as const;
export type Persona = (typeof PERSONAS)[number];

export type Path = ReadonlyArray<string | number>;
export type Obj = Readonly<Record<string, unknown>>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export interface Step {
  readonly path: Path;
  readonly value: Obj;
  readonly index: number;
  /** The job the step belongs to; undefined for a composite action's step. */
  readonly job: Job | undefined;
}

export interface Job {
  readonly id: string;
  readonly path: Path;
  readonly value: Obj;
}

/** A finding before the file is attached and the persona filter applied. */
export interface CiFinding extends Finding {
  readonly persona: Persona;
}

export class CiDocument {
  private lineStarts: number[] | undefined;
  // Rules ask the same questions many times: answers are kept for the document's lifetime.
  private jobsCache: Job[] | undefined;
  private stepsCache: Step[] | undefined;
  private readonly jobStepsCache = new Map<string, Step[]>();
  private readonly rangeCache = new Map<string, { start: number; end: number }>();
  private readonly exprCache = new Map<string, WrittenExpression[]>();
  private stringsCache: Path[] | undefined;

  constructor(
    readonly file: string,
    readonly kind: CiKind,
    readonly text: string,
    readonly doc: SourceDocument,
    readonly root: Obj,
  ) {}

  /** Offset → 1-based line and column. */
  position(offset: number): { line: number; column: number } {
    if (!this.lineStarts) {
      const starts = [0];
      for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) starts.push(i + 1);
      this.lineStarts = starts;
    }
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
  }

  /** Start and end offsets of the node at `path` (or of its key). */
  range(path: Path, key = false): { start: number; end: number } {
    const id = `${key ? 'k' : 'v'}${JSON.stringify(path)}`;
    let r = this.rangeCache.get(id);
    if (!r) {
      const l = this.doc.locate(path, { key });
      r = { start: l.start.offset, end: l.end.offset };
      this.rangeCache.set(id, r);
    }
    return r;
  }

  /** Builds a finding located at [start, end). */
  finding(
    f: {
      rule: string;
      severity: Severity;
      confidence: Confidence;
      persona?: Persona;
      message: string;
      fix?: FindingFix;
      properties?: Record<string, unknown>;
    },
    at: { start: number; end: number },
  ): CiFinding {
    const s = this.position(at.start);
    const e = this.position(Math.max(at.start, trimEnd(this.text, at.start, at.end)));
    return {
      rule: f.rule,
      severity: f.severity,
      confidence: f.confidence,
      persona: f.persona ?? 'regular',
      message: f.message,
      file: this.file,
      line: s.line,
      column: s.column,
      endLine: e.line,
      endColumn: e.column,
      helpUri: helpUri(f.rule),
      ...(f.fix ? { fix: f.fix } : {}),
      ...(f.properties ? { properties: f.properties } : {}),
    };
  }

  /** Where the document's content starts (after leading comments): whole-file findings point here. */
  documentStart(): { start: number; end: number } {
    const { start } = this.range([]);
    return { start, end: start };
  }

  /** A value at `path` from the root, or undefined. */
  get(path: Path): unknown {
    let v: unknown = this.root;
    for (const step of path) {
      if (Array.isArray(v) && typeof step === 'number') v = v[step];
      else if (isObj(v) && typeof step === 'string') v = v[step];
      else return undefined;
    }
    return v;
  }

  jobs(): Job[] {
    this.jobsCache ??= this.readJobs();
    return this.jobsCache;
  }

  private readJobs(): Job[] {
    if (this.kind !== 'workflow') return [];
    const jobs = this.root['jobs'];
    if (!isObj(jobs)) return [];
    return Object.entries(jobs)
      .filter((e): e is [string, Obj] => isObj(e[1]))
      .map(([id, value]) => ({ id, path: ['jobs', id], value }));
  }

  /** Steps of every job, or of a composite action. */
  steps(): Step[] {
    this.stepsCache ??= this.readSteps();
    return this.stepsCache;
  }

  private readSteps(): Step[] {
    const out: Step[] = [];
    if (this.kind === 'workflow') {
      for (const job of this.jobs()) out.push(...this.jobSteps(job));
    } else if (this.kind === 'action') {
      const steps = this.get(['runs', 'steps']);
      if (Array.isArray(steps))
        for (const [index, value] of steps.entries())
          if (isObj(value)) out.push({ path: ['runs', 'steps', index], value, index, job: undefined });
    }
    return out;
  }

  jobSteps(job: Job): Step[] {
    const cached = this.jobStepsCache.get(job.id);
    if (cached) return cached;
    const read = this.readJobSteps(job);
    this.jobStepsCache.set(job.id, read);
    return read;
  }

  private readJobSteps(job: Job): Step[] {
    const steps = job.value['steps'];
    if (!Array.isArray(steps)) return [];
    const out: Step[] = [];
    for (const [index, value] of steps.entries())
      if (isObj(value)) out.push({ path: [...job.path, 'steps', index], value, index, job });
    return out;
  }

  /** The path of every string value with a `${{` in it. */
  expressionStrings(): readonly Path[] {
    if (this.stringsCache) return this.stringsCache;
    const out: Path[] = [];
    const walk = (v: unknown, path: (string | number)[], depth: number): void => {
      if (depth > 64) return;
      if (typeof v === 'string') {
        if (v.includes('${{')) out.push(path);
      } else if (Array.isArray(v)) {
        for (const [i, x] of v.entries()) walk(x, [...path, i], depth + 1);
      } else if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(x, [...path, k], depth + 1);
    };
    walk(this.root, [], 0);
    this.stringsCache = out;
    return out;
  }

  /** The event names in `on:` (string, list or map form). */
  triggers(): string[] {
    if (this.kind !== 'workflow') return [];
    const on = this.root['on'] ?? this.root['true'];
    if (typeof on === 'string') return [on];
    if (Array.isArray(on)) return on.filter((x): x is string => typeof x === 'string');
    if (isObj(on)) return Object.keys(on);
    return [];
  }

  /** The key under which `on:` was written (YAML 1.1 readers see `on` as `true`). */
  onKey(): string {
    return this.root['on'] !== undefined ? 'on' : 'true';
  }

  /**
   * The `${{ … }}` expressions written in the string at `path`, parsed, with file offsets. The source
   * text of the node is scanned (not the decoded value), so offsets are exact for plain, literal and
   * quoted scalars; an expression that does not parse is returned with its error.
   */
  expressionsAt(path: Path): WrittenExpression[] {
    const id = JSON.stringify(path);
    let found = this.exprCache.get(id);
    if (!found) {
      found = this.readExpressions(path);
      this.exprCache.set(id, found);
    }
    return found;
  }

  private readExpressions(path: Path): WrittenExpression[] {
    const value = this.get(path);
    if (typeof value !== 'string' || !value.includes('${{')) return [];
    const { start, end } = this.range(path);
    const raw = this.text.slice(start, end);
    return extractFencedExpressions(raw).map((f) => {
      const base = start + f.innerStart;
      try {
        return {
          start: start + f.start,
          end: start + f.end,
          base,
          inner: f.inner,
          expr: parseExpression(f.inner),
        };
      } catch (e) {
        const offset = e instanceof ExpressionSyntaxError ? e.offset : 0;
        const message = e instanceof Error ? e.message : String(e);
        return {
          start: start + f.start,
          end: start + f.end,
          base,
          inner: f.inner,
          error: { message, offset },
        };
      }
    });
  }
}

export interface WrittenExpression {
  /** File offsets of the whole `${{ … }}`. */
  readonly start: number;
  readonly end: number;
  /** File offset of the first character inside the fence: add an AST span to it. */
  readonly base: number;
  readonly inner: string;
  readonly expr?: Expr;
  readonly error?: { readonly message: string; readonly offset: number };
}

/** The end of a node's text without trailing whitespace and newlines (block scalars include them). */
function trimEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && /\s/.test(text[e - 1] ?? '')) e--;
  return e;
}

/** Where each rule is explained: zizmor's documentation for its ids, ours for vouch's own. */
export function helpUri(rule: string): string {
  return VOUCH_RULES.has(rule)
    ? `https://github.com/vouch-dev/vouch/blob/main/docs/audit-ci.md#${rule}`
    : `https://docs.zizmor.sh/audits/#${rule}`;
}

/** Rule ids vouch defines itself (zizmor has no audit for them). */
export const VOUCH_RULES = new Set([
  'oidc-unneeded-id-token',
  'oidc-unpinned-federation',
  'static-cloud-credentials',
  'unknown-key',
  'expression-syntax',
]);
