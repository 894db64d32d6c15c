import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeCause, VouchError } from '../errors.js';
import { type Limits, withLimits } from '../limits.js';
import { type BuildResult, buildDatabase } from './db/build.js';

/**
 * `vouch db update`: download OSV's per-ecosystem exports (`<base>/<ecosystem>/all.zip`, the layout of
 * the public bucket https://osv-vulnerabilities.storage.googleapis.com) into a temp directory next to
 * the database, then build from them. Nothing unverified reaches the database path: each download is
 * capped in bytes, every zip entry is CRC-checked as the build reads it, the built file is re-opened
 * and its checksums verified, and only then renamed over the old database (buildDatabase). Any failure
 * leaves the old database as it was and removes the downloads.
 */

export const OSV_BUCKET_URL = 'https://osv-vulnerabilities.storage.googleapis.com';

/** The ecosystems vouch can match (OSV ecosystem names as the bucket spells its directories). */
export const DEFAULT_ECOSYSTEMS: readonly string[] = [
  'AlmaLinux',
  'Alpine',
  'crates.io',
  'Debian',
  'Go',
  'Maven',
  'npm',
  'NuGet',
  'Packagist',
  'PyPI',
  'RubyGems',
];

export interface UpdateOptions {
  /** Base URL; `<base>/<ecosystem>/all.zip` is fetched for each ecosystem. */
  source: string;
  ecosystems: readonly string[];
  out: string;
  now: Date;
  limits?: Partial<Limits>;
  /** Largest download accepted per ecosystem, bytes (default: the zip expansion limit). */
  maxDownloadBytes?: number;
  log?: (line: string) => void;
}

async function download(url: string, dest: string, maxBytes: number, timeoutMs: number): Promise<number> {
  const ac = new AbortController();
  // The timeout covers connecting and the response head; a large body may take longer to stream.
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { signal: ac.signal, redirect: 'follow' });
  } catch (e) {
    throw new VouchError('REGISTRY_UNREACHABLE', `cannot download ${url}: ${describeCause(e)}`, { cause: e });
  } finally {
    clearTimeout(timer);
  }
  if (!res.ok || res.body === null) {
    await res.body?.cancel().catch(() => undefined);
    throw new VouchError(res.status === 404 ? 'NOT_FOUND' : 'REGISTRY_ERROR', `${url}: HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body.cancel().catch(() => undefined);
    throw new VouchError('INPUT_TOO_LARGE', `${url}: ${declared} bytes, more than ${maxBytes}`);
  }
  let seen = 0;
  // Count as the bytes arrive: Content-Length may be absent or wrong.
  const counted = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>).map(
    (chunk: Buffer) => {
      seen += chunk.byteLength;
      if (seen > maxBytes) throw new VouchError('INPUT_TOO_LARGE', `${url}: more than ${maxBytes} bytes`);
      return chunk;
    },
  );
  try {
    await pipeline(counted, createWriteStream(dest, { flags: 'wx' }));
  } catch (e) {
    if (e instanceof VouchError) throw e;
    throw new VouchError('IO_ERROR', `downloading ${url}: ${describeCause(e)}`, { cause: e });
  }
  return seen;
}

/**
 * Downloads the ecosystems' all.zip files and builds the database from them, atomically.
 * @throws REGISTRY_UNREACHABLE, REGISTRY_ERROR, NOT_FOUND (no export for an ecosystem), INPUT_TOO_LARGE,
 *   INPUT_MALFORMED / DB_CORRUPT (bad zip or CRC, no usable record), IO_ERROR
 */
export async function updateDatabase(o: UpdateOptions): Promise<BuildResult> {
  const lim = withLimits(o.limits);
  const base = o.source.replace(/\/+$/, '');
  const dir = dirname(o.out);
  await mkdir(dir, { recursive: true }).catch((e: unknown) => {
    throw new VouchError('IO_ERROR', `cannot create ${dir}: ${describeCause(e)}`, { cause: e });
  });
  // Same directory as the database: same file system, and no world-readable /tmp staging.
  const tmp = await mkdtemp(join(dir, '.vouch-db-update-')).catch((e: unknown) => {
    throw new VouchError('IO_ERROR', `cannot create a temp directory in ${dir}: ${describeCause(e)}`, {
      cause: e,
    });
  });
  try {
    const paths: string[] = [];
    for (const eco of o.ecosystems) {
      const url = `${base}/${encodeURIComponent(eco)}/all.zip`;
      const dest = join(tmp, `${paths.length}.zip`);
      const n = await download(url, dest, o.maxDownloadBytes ?? lim.zipExpandedMaxBytes, lim.fetchTimeoutMs);
      o.log?.(`downloaded ${url} (${n} bytes)`);
      paths.push(dest);
    }
    return await buildDatabase(
      paths.map((path) => ({ kind: 'path' as const, path })),
      {
        out: o.out,
        builtAt: o.now,
        source: `${base} (${o.ecosystems.join(', ')})`,
        ...(o.limits ? { limits: o.limits } : {}),
      },
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
