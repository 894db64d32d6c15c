/**
 * Reading a packaged chart (`name-version.tgz`) as helm's loader does, for what provenance needs: the
 * chart's `Chart.yaml`. Entries are read through vouch's tar reader, which refuses absolute paths, `..`,
 * links out of the archive and device files (a chart is untrusted input), under helm's own size caps.
 */
import { Readable } from 'node:stream';
import { readTar } from '../archive/index.js';
import { VouchError } from '../errors.js';
import { withLimits } from '../limits.js';

/** helm's loader caps: 100 MiB decompressed in all, 5 MiB a file (MaxDecompressedChartSize/FileSize). */
export const CHART_EXPANDED_MAX_BYTES = 100 * 1024 * 1024;
export const CHART_FILE_MAX_BYTES = 5 * 1024 * 1024;

/**
 * The `Chart.yaml` text of a packaged chart: the one in the archive's top directory.
 * @throws UNSAFE_PATH for path traversal or links out of the archive, INPUT_TOO_LARGE, INPUT_MALFORMED
 */
export async function readChartYaml(archive: Uint8Array, what: string): Promise<string> {
  let found: string | undefined;
  let top: string | undefined;
  const limits = withLimits({
    tarExpandedMaxBytes: CHART_EXPANDED_MAX_BYTES,
    tarEntryMaxBytes: CHART_FILE_MAX_BYTES,
  });
  for await (const entry of readTar(Readable.from([Buffer.from(archive)]), { what, limits })) {
    const parts = entry.header.path.split('/');
    const dir = parts[0] ?? '';
    if (entry.header.path === '.' || dir === '') continue;
    top ??= dir;
    if (parts.length === 2 && parts[1] === 'Chart.yaml' && dir === top && entry.header.type === 'file') {
      const chunks: Buffer[] = [];
      for await (const c of entry.body) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
      found = Buffer.concat(chunks).toString('utf8');
    }
  }
  if (found === undefined)
    throw new VouchError('INPUT_MALFORMED', `${what}: no Chart.yaml in the chart's top directory`, {
      hint: 'a chart archive is made by `helm package`; this file is not one',
    });
  return found;
}
