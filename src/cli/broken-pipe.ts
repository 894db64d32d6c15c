/**
 * A reader that goes away early (`vouch sbom dir:. | head -1`) closes the pipe; the next write fails
 * with EPIPE. That is the reader's choice, not an error of vouch's: like a Unix filter killed by SIGPIPE,
 * the command ends quietly with exit 0 instead of printing a stack trace. Writes after the pipe closed
 * fail with ERR_STREAM_DESTROYED and are dropped the same way. Any other stream error still surfaces.
 */
export function guardBrokenPipe(streams: readonly NodeJS.EventEmitter[]): { readonly closed: () => boolean } {
  let closed = false;
  for (const s of streams) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || (closed && e.code === 'ERR_STREAM_DESTROYED')) {
        closed = true;
        return;
      }
      throw e;
    });
  }
  return { closed: () => closed };
}
