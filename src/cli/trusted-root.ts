import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describeCause, VouchError } from '../errors.js';
import type { TrustedRootMaterial } from '../sign/index.js';

/**
 * The Sigstore trust for keyless authorities: `--trusted-root FILE` (air-gapped clusters, private
 * Sigstore), else the public-good root shipped with sigstore-js, read offline. One code path for both.
 * @throws FILE_NOT_FOUND, INPUT_MALFORMED, INPUT_TOO_LARGE
 */
export async function loadTrustedRoot(file: string | undefined, cwd: string): Promise<TrustedRootMaterial> {
  const { parseTrustedRoot, publicGoodTrustedRootBytes } = await import('../sign/keyless/index.js');
  if (!file) return parseTrustedRoot(publicGoodTrustedRootBytes(), 'the public-good trusted root');
  let bytes: Buffer;
  try {
    bytes = await readFile(resolve(cwd, file));
  } catch (e) {
    throw new VouchError('FILE_NOT_FOUND', `cannot read --trusted-root ${file}: ${describeCause(e)}`, {
      cause: e,
    });
  }
  return parseTrustedRoot(bytes, file);
}
