/** File-system writes shared by the edges: whole files appear at once or not at all. */
export { type AtomicWriteOptions, writeFileAtomic } from './atomic-file.js';
