import { createHash } from 'node:crypto';
import type { CueCompiled, CueEngine, CueResult } from './evaluator.js';
import { cueSubset } from './subset.js';

/**
 * Real CUE without making policy evaluation asynchronous. Evaluation stays a pure, synchronous function;
 * where it needs real CUE's verdict it asks a CueAnswers book. An unanswered question fails closed for
 * now and is recorded; the edge (CLI, webhook) lets a CuelangRunner answer the open questions and runs
 * the pure step once more (`settle`). Both steps are cheap next to one real CUE run, so the second pass
 * costs nothing that matters.
 */
export interface CueQuestion {
  readonly source: string;
  /** The in-toto statement as JSON; absent for "does the policy compile". */
  readonly statement?: string;
}

export type CueAnswer =
  | { readonly ok: true }
  /** `failed`: CUE's own verdict (does not compile, or the statement violates the policy). */
  | { readonly ok: false; readonly kind: 'failed' | 'error'; readonly message: string };

/**
 * How `type: cue` policies are evaluated:
 * - `builtin`: vouch's CUE subset only (no WebAssembly); outside it a policy fails closed;
 * - `auto`: the subset where it compiles the policy, real CUE for everything else (the default);
 * - `real`: real CUE for every policy (what policy-controller does; a cold decision costs ~0.1-0.2 s
 *   per statement).
 */
export type CueMode = 'builtin' | 'auto' | 'real';
export const CUE_MODES: readonly CueMode[] = ['builtin', 'auto', 'real'];

/** Bounded so a stream of distinct statements cannot grow the book without end. */
const MAX_ANSWERS = 4096;
const SOURCE_MAX_CHARS = 64 * 1024;

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/**
 * Counts provisional lookups in this process: questions recorded and one-off error answers served.
 * Evaluation is synchronous, so a step during which this did not move got only final answers, whichever
 * engine compiled its policies, and its result may be memoised.
 */
let provisional = 0;
export function cueProvisionalLookups(): number {
  return provisional;
}

export class CueAnswers {
  readonly #answers = new Map<string, CueAnswer>();
  /** Errors (timeouts, crashes) are served to the next lookup only, so a later decision asks again. */
  readonly #errors = new Map<string, CueAnswer>();
  readonly #open = new Map<string, CueQuestion>();
  /** Real CUE's answer, or undefined after recording the question. */
  lookup(q: CueQuestion): CueAnswer | undefined {
    const key = `${sha256(q.source)}:${q.statement === undefined ? 'compile' : sha256(q.statement)}`;
    const a = this.#answers.get(key);
    if (a) return a;
    const e = this.#errors.get(key);
    if (e) {
      this.#errors.delete(key);
      provisional++;
      return e;
    }
    if (!this.#open.has(key)) {
      this.#open.set(key, q);
      provisional++;
    }
    return undefined;
  }

  open(): { readonly key: string; readonly question: CueQuestion }[] {
    return [...this.#open].map(([key, question]) => ({ key, question }));
  }

  record(key: string, answer: CueAnswer): void {
    this.#open.delete(key);
    if (!answer.ok && answer.kind === 'error') {
      this.#errors.set(key, answer);
      return;
    }
    if (this.#answers.size >= MAX_ANSWERS) {
      const oldest = this.#answers.keys().next();
      if (!oldest.done) this.#answers.delete(oldest.value);
    }
    this.#answers.set(key, answer);
  }
}

const PASSED: CueResult = Object.freeze({ ok: true });

/**
 * The CUE engine for `auto` and `real`: answers come from real CUE through the book. A policy real CUE
 * has not seen yet compiles to "unsupported" until it has, so a caller that loads policies settles the
 * load too.
 */
export function answeredCue(book: CueAnswers, mode: 'auto' | 'real'): CueEngine {
  return {
    name: mode === 'auto' ? 'vouch-cue-subset+cuelang' : 'cuelang',
    compile(source: string): CueCompiled {
      if (mode === 'auto') {
        const s = cueSubset.compile(source);
        if (s.ok) return s;
      }
      if (source.length > SOURCE_MAX_CHARS)
        return {
          ok: false,
          kind: 'unsupported',
          message: `policy longer than ${SOURCE_MAX_CHARS} characters`,
        };
      const compiled = book.lookup({ source });
      if (compiled === undefined)
        return { ok: false, kind: 'unsupported', message: 'real CUE has not compiled this policy yet' };
      if (!compiled.ok)
        return {
          ok: false,
          kind: compiled.kind === 'failed' ? 'syntax' : 'unsupported',
          message: compiled.message,
        };
      return {
        ok: true,
        check(input: unknown): CueResult {
          const a = book.lookup({ source, statement: JSON.stringify(input ?? null) });
          if (a === undefined)
            return {
              ok: false,
              kind: 'unsupported',
              message: 'real CUE has not evaluated this statement yet',
            };
          if (a.ok) return PASSED;
          return { ok: false, kind: a.kind === 'failed' ? 'violation' : 'unsupported', message: a.message };
        },
      };
    },
  };
}

/**
 * Runs a pure step; when real CUE answered questions the step asked, runs it once more with the answers.
 * `answer` resolves to false when nothing was open.
 */
export async function settle<T>(step: () => T, answer: (() => Promise<boolean>) | undefined): Promise<T> {
  const first = step();
  if (answer === undefined || !(await answer())) return first;
  return step();
}
