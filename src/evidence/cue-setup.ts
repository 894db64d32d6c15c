import { answeredCue, CueAnswers, type CueEngine, type CueMode, cueSubset } from '../policy/index.js';
import { CuelangRunner, type CuelangRunnerOptions } from './cuelang-runner.js';

/** What an edge (a CLI command, the webhook) needs to evaluate CUE policies in one mode. */
export interface CueSetup {
  readonly mode: CueMode;
  readonly engine: CueEngine;
  /** Lets real CUE answer the open questions; absent in `builtin` mode. See `settle`. */
  readonly answer?: () => Promise<boolean>;
  /** The runner, when there is one (its run count is a metric). */
  readonly runner?: CuelangRunner;
  close(): Promise<void>;
}

/** The engine for a mode; real CUE's worker starts on the first question, not here. */
export function cueSetup(mode: CueMode, opts: CuelangRunnerOptions = {}): CueSetup {
  if (mode === 'builtin') return { mode, engine: cueSubset, close: async () => {} };
  const book = new CueAnswers();
  const runner = new CuelangRunner(opts);
  return {
    mode,
    engine: answeredCue(book, mode),
    answer: () => runner.answer(book),
    runner,
    close: () => runner.close(),
  };
}
