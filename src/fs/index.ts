/** File-system writes shared by the edges: whole files appear at once or not at all. */
export { type AtomicWriteOptions, writeFileAtomic } from './atomic-file.js';
export { trackPartialFile } from './partial-output.js';
export { untrackPartialFile } from './partial-output.js';
export { removePartialOutputsSync } from './partial-output.js';
export { trackPartialDir } from './partial-output.js';
export { untrackPartialDir } from './partial-output.js';
