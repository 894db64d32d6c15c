import { rmSync } from 'node:fs';

/**
 * Output that exists only while a command writes it: temp files (`.tmp-*`, `.name.hex.tmp`) and the
 * directories a command created for its output. Writers track them here while they write and untrack
 * them once the output is complete or cleaned up; a process that must exit before its command could
 * clean up (a second SIGINT, a command that ignores cancellation) removes what is left on the way out.
 */
const files = new Set<string>();
const dirs = new Set<string>();

export function trackPartialFile(path: string): void {
  files.add(path);
}

export function untrackPartialFile(path: string): void {
  files.delete(path);
}

/** A directory created for an output: removed with its contents if the process exits before commit. */
export function trackPartialDir(path: string): void {
  dirs.add(path);
}

export function untrackPartialDir(path: string): void {
  dirs.delete(path);
}

/** Removes every partial output still tracked. Synchronous: it runs on the way to process.exit. */
export function removePartialOutputsSync(): void {
  for (const f of files) rmSync(f, { force: true });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  files.clear();
  dirs.clear();
}
