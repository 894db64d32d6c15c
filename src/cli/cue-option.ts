import { Option } from 'commander';
import { CUE_MODES, type CueMode } from '../policy/index.js';
import { type CueSetup, cueSetup } from '../evidence/index.js';

/** `--cue <mode>` for every command that evaluates `type: cue` policies. */
export function cueOption(): Option {
  return new Option(
    '--cue <mode>',
    'how CUE policies run: auto (built-in subset, real CUE beyond it), real (always real CUE), builtin (subset only)',
  )
    .choices(CUE_MODES)
    .default('auto');
}

/** Runs a command body with the CUE setup of `mode`, stopping real CUE's worker afterwards. */
export async function withCue<T>(mode: CueMode, body: (cue: CueSetup) => Promise<T>): Promise<T> {
  const cue = cueSetup(mode);
  try {
    return await body(cue);
  } finally {
    await cue.close();
  }
}
