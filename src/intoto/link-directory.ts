import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { VouchError } from '../errors.js';
import { type Metadata, parseMetadata } from './metadata.js';
import { INTOTO_LIMITS } from './model.js';
import type { LinkSource } from './verify.js';

async function readCapped(path: string): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new VouchError('IO_ERROR', `${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return undefined;
    if (st.size > INTOTO_LIMITS.metadataMaxBytes) {
      throw new VouchError(
        'INPUT_TOO_LARGE',
        `${path}: ${st.size} bytes is more than the ${INTOTO_LIMITS.metadataMaxBytes} allowed for in-toto metadata`,
      );
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Links from a directory, named as the reference names them: `STEP.KEYID8.link`, and a sublayout's
 * links in `STEP.KEYID8/`. Step names were checked to be plain file names when the layout was read.
 */
export function linkDirectory(dir: string): LinkSource {
  return {
    async load(step: string, keyid: string): Promise<Metadata | undefined> {
      const path = join(dir, `${step}.${keyid.slice(0, 8)}.link`);
      const bytes = await readCapped(path);
      return bytes ? parseMetadata(bytes, path) : undefined;
    },
    sublayout(step: string, keyid: string): LinkSource {
      return linkDirectory(join(dir, `${step}.${keyid.slice(0, 8)}`));
    },
  };
}

/** Reads one metadata file (a layout or a link). @throws FILE_NOT_FOUND, INPUT_TOO_LARGE, INPUT_MALFORMED */
export async function readMetadataFile(path: string): Promise<Metadata> {
  const bytes = await readCapped(path);
  if (!bytes) throw new VouchError('FILE_NOT_FOUND', `${path}: no such file`);
  return parseMetadata(bytes, path);
}
