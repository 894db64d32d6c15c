import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeCause, VouchError } from '../errors.js';

export interface AtomicWriteOptions {
  /** File mode of the result (default 0o644; keys use 0o600). */
  mode?: number;
  /** Refuse to replace an existing file (USAGE) unless true. Default true: outputs are replaced. */
  overwrite?: boolean;
}

/**
 * Writes a whole file or nothing: the bytes go to a temp file in the target's directory (same file
 * system, so the rename is atomic), are flushed, and the temp file is renamed over the target. On any
 * failure the temp file is removed: a reader never sees a partial output, and none is left behind.
 * @throws USAGE (exists and overwrite is false), FILE_NOT_FOUND (no such directory), IO_ERROR
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(temp, 'wx', opts.mode ?? 0o644);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (opts.overwrite === false) {
      // link-then-unlink would be stricter; an exclusive check right before rename is enough for a CLI.
      const exists = await open(path, 'r').then(
        async (h) => {
          await h.close();
          return true;
        },
        () => false,
      );
      if (exists)
        throw new VouchError('USAGE', `${path} exists`, { hint: 'remove it first, or pass --force' });
    }
    await rename(temp, path);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    if (e instanceof VouchError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new VouchError(
        'FILE_NOT_FOUND',
        `cannot write ${path}: directory ${dirname(path)} does not exist`,
        { cause: e },
      );
    }
    throw new VouchError('IO_ERROR', `cannot write ${path}: ${describeCause(e)}`, { cause: e });
  }
}
