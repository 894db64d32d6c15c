import { unlink } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/index.js';

export interface WriteKeyFileOptions {
  /** Replace an existing file; otherwise an existing file is an error and is left untouched. */
  overwrite?: boolean;
  /** File mode; private keys get 0600. */
  mode?: number;
}

/**
 * Writes a key file atomically (src/fs/atomic-file.ts), refusing to replace an existing file unless
 * `overwrite`; private keys get 0600 by default.
 * @throws USAGE (file exists), IO_ERROR
 */
export function writeKeyFileAtomic(
  path: string,
  contents: string,
  opts: WriteKeyFileOptions = {},
): Promise<void> {
  return writeFileAtomic(path, contents, { overwrite: opts.overwrite ?? false, mode: opts.mode ?? 0o600 });
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
