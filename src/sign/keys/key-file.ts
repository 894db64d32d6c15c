import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VouchError } from '../../errors.js';

export interface WriteKeyFileOptions {
  /** Replace an existing file; otherwise an existing file is an error and is left untouched. */
  overwrite?: boolean;
  /** File mode; private keys get 0600. */
  mode?: number;
}

/**
 * Writes a key file atomically: the bytes go to a temp file beside the target, are fsynced, then
 * appear under the final name in one step. Without `overwrite`, the final step is link(2), which fails
 * if the name exists, so a concurrent writer cannot be clobbered either.
 * @throws USAGE (file exists), IO_ERROR
 */
export async function writeKeyFileAtomic(
  path: string,
  contents: string,
  opts: WriteKeyFileOptions = {},
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', opts.mode ?? 0o600);
    try {
      await fh.writeFile(contents);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (opts.overwrite) await rename(tmp, path);
    else await link(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new VouchError('USAGE', `${path} already exists`, {
        hint: 'remove it first, or ask to overwrite it',
        cause: e,
      });
    }
    throw new VouchError('IO_ERROR', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (!opts.overwrite) await unlink(tmp).catch(() => undefined);
}

/**
 * Writes `<prefix>.key` (0600) and `<prefix>.pub` (0644) as `cosign generate-key-pair` does. Refuses to
 * replace either file unless `overwrite`; when the .pub cannot be written the fresh .key is removed
 * again, so a failed run never leaves half a key pair.
 * @throws USAGE, IO_ERROR
 */
export async function writeKeyPairFiles(
  prefix: string,
  pair: { privatePem: string; publicPem: string },
  opts: { overwrite?: boolean } = {},
): Promise<{ keyPath: string; pubPath: string }> {
  const keyPath = `${prefix}.key`;
  const pubPath = `${prefix}.pub`;
  await writeKeyFileAtomic(keyPath, pair.privatePem, { overwrite: opts.overwrite ?? false, mode: 0o600 });
  try {
    await writeKeyFileAtomic(pubPath, pair.publicPem, { overwrite: opts.overwrite ?? false, mode: 0o644 });
  } catch (e) {
    await unlink(keyPath).catch(() => undefined);
    throw e;
  }
  return { keyPath, pubPath };
}
