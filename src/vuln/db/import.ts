import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeCause, VouchError } from '../../errors.js';
import type { DatabaseMeta } from './format.js';
import { openDatabase } from './open.js';

/**
 * Installs a database file made elsewhere (`vouch db build` on another machine, an air-gapped copy) at
 * `to`, as `grype db import` does: the file is copied next to the target, opened and checked whole
 * (header, key table, record checksum) there, and only then renamed over the old database. A file that
 * fails any check leaves the old database in place and no temp file behind.
 * @throws DB_MISSING (no such file), DB_CORRUPT, IO_ERROR
 */
export async function importDatabase(from: string, to: string): Promise<DatabaseMeta> {
  // Checked before copying: a corrupt or foreign file fails with its own name in the message.
  const source = openDatabase(from);
  source.close();
  await mkdir(dirname(to), { recursive: true });
  const temp = join(dirname(to), `.${basename(to)}.${randomBytes(6).toString('hex')}.import`);
  try {
    await copyFile(from, temp);
    const db = openDatabase(temp);
    try {
      db.verify();
    } finally {
      db.close();
    }
    const meta = db.meta;
    await rename(temp, to);
    return meta;
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    if (e instanceof VouchError) throw e;
    throw new VouchError('IO_ERROR', `cannot install ${from} as ${to}: ${describeCause(e)}`, { cause: e });
  }
}
