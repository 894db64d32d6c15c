import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeCause, VouchError } from '../errors.js';
import { trackPartialFile, untrackPartialFile } from './partial-output.js';

export interface AtomicWriteOptions {
  /** File mode of the result (default 0o644; keys use 0o600). */
  mode?: number;
  /**
   * Replace an existing file (default true: outputs are replaced). When false, an existing file is a
   * USAGE error and is left untouched.
   */
  overwrite?: boolean;
}

/**
 * Writes a whole file or nothing: the bytes go to a temp file in the target's directory (same file
 * system), are fsynced, and appear under the final name in one step: rename(2), or link(2) when
 * overwriting is not allowed, which fails if the name exists, so a concurrent writer cannot be clobbered
 * either. On any failure the temp file is removed: a reader never sees a partial output, and none is
 * left behind. The one atomic writer of vouch: outputs, keys, reports, databases.
 * @throws USAGE (exists and overwrite is false), IO_ERROR
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array | Iterable<string>,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const overwrite = opts.overwrite ?? true;
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  trackPartialFile(temp);
  try {
    const handle = await open(temp, 'wx', opts.mode ?? 0o644);
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
      // Chunks (a document too large to hold as one string) are written one after another.
      else for (const chunk of data) await handle.writeFile(chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (overwrite) await rename(temp, path);
    else await link(temp, path);
  } catch (e) {
    // Tidying up after the failure that matters: the temp file may not even exist yet.
    await unlink(temp).catch(() => undefined);
    if (e instanceof VouchError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new VouchError('USAGE', `${path} already exists`, {
        hint: 'remove it first, or ask to overwrite it',
        cause: e,
      });
    }
    const why = code === 'ENOENT' ? `directory ${dirname(path)} does not exist` : describeCause(e);
    throw new VouchError('IO_ERROR', `cannot write ${path}: ${why}`, { cause: e });
  } finally {
    untrackPartialFile(temp);
  }
  // After link(2) the temp name is a second link to the same file.
  if (!overwrite) await unlink(temp).catch(() => undefined);
}
