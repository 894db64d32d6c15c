import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../fs/index.js';
import { describeCause, VouchError } from '../../errors.js';
import { type Limits, withLimits } from '../../limits.js';
import { type OsvVulnerability, parseOsv } from '../osv.js';
import { type DatabaseMeta, encodeDatabase } from './format.js';
import { openDatabase } from './open.js';
import { listZip, readZipEntry } from './zip-reader.js';

/** Where records come from: parsed JSON values, or a directory / all.zip / .json file on disk. */
export type BuildInput =
  | { kind: 'records'; name: string; records: readonly unknown[] }
  | { kind: 'path'; path: string };

export interface BuildOptions {
  /** The database file to write (atomically: temp file in the same directory, then rename). */
  out: string;
  /** The build time recorded in the metadata; the caller's clock. */
  builtAt: Date;
  /** Recorded as the database's source; defaults to the input names. */
  source?: string;
  limits?: Partial<Limits>;
}

export interface SkippedRecord {
  /** File, zip entry or `name[index]` the record came from. */
  readonly where: string;
  readonly problems: readonly string[];
}

export interface BuildResult {
  readonly path: string;
  readonly meta: DatabaseMeta;
  /** The first skipped records (at most 100) with their problems; `meta.skipped` has the count. */
  readonly skipped: readonly SkippedRecord[];
  /** Records kept with some fields dropped (bad ranges, events, severities). */
  readonly partial: number;
  /** Records replaced by a newer copy of the same id. */
  readonly duplicates: number;
}

class Collector {
  readonly byId = new Map<string, OsvVulnerability>();
  readonly skipped: SkippedRecord[] = [];
  skippedCount = 0;
  partial = 0;
  duplicates = 0;

  add(value: unknown, where: string): void {
    const r = parseOsv(value);
    if (!r.ok) {
      this.skip(where, r.problems);
      return;
    }
    if (r.problems.length > 0) this.partial++;
    const prev = this.byId.get(r.record.id);
    if (prev) {
      this.duplicates++;
      if (Date.parse(prev.modified) >= Date.parse(r.record.modified)) return;
    }
    this.byId.set(r.record.id, r.record);
  }

  addJson(bytes: Buffer, where: string): void {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      this.skip(where, [`not JSON: ${describeCause(e)}`]);
      return;
    }
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) this.add(v, `${where}[${i}]`);
    } else this.add(value, where);
  }

  skip(where: string, problems: readonly string[]): void {
    this.skippedCount++;
    if (this.skipped.length < 100) this.skipped.push({ where, problems });
  }
}

function ioError(path: string, e: unknown): VouchError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT')
    return new VouchError('FILE_NOT_FOUND', `${path}: no such file or directory`, { cause: e });
  return new VouchError('IO_ERROR', `${path}: ${describeCause(e)}`, { cause: e });
}

async function collectPath(path: string, c: Collector, lim: Limits): Promise<void> {
  const st = await lstat(path).catch((e: unknown) => {
    throw ioError(path, e);
  });
  if (st.isDirectory()) {
    const entries = await readdir(path, { withFileTypes: true }).catch((e: unknown) => {
      throw ioError(path, e);
    });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      // Symlinks are not followed: a record tree is plain files, and a link could point anywhere.
      if (entry.isDirectory()) await collectPath(join(path, entry.name), c, lim);
      else if (entry.isFile() && (entry.name.endsWith('.json') || entry.name.endsWith('.zip'))) {
        await collectPath(join(path, entry.name), c, lim);
      }
    }
    return;
  }
  if (!st.isFile()) throw new VouchError('INPUT_MALFORMED', `${path}: not a file or directory`);
  if (path.endsWith('.zip')) {
    if (st.size > lim.zipExpandedMaxBytes) {
      throw new VouchError(
        'INPUT_TOO_LARGE',
        `${path}: ${st.size} bytes, more than ${lim.zipExpandedMaxBytes}`,
      );
    }
    const zip = await readFile(path).catch((e: unknown) => {
      throw ioError(path, e);
    });
    for (const entry of listZip(zip, path, lim)) {
      if (entry.isDirectory || !entry.name.endsWith('.json')) continue;
      if (entry.size > lim.osvRecordMaxBytes) {
        c.skip(`${path}!${entry.name}`, [`larger than ${lim.osvRecordMaxBytes} bytes`]);
        continue;
      }
      c.addJson(readZipEntry(zip, entry, path), `${path}!${entry.name}`);
    }
    return;
  }
  if (st.size > lim.osvRecordMaxBytes) {
    c.skip(path, [`larger than ${lim.osvRecordMaxBytes} bytes`]);
    return;
  }
  c.addJson(
    await readFile(path).catch((e: unknown) => {
      throw ioError(path, e);
    }),
    path,
  );
}

/**
 * Writes bytes to `path` atomically: a temp file in the same directory, renamed over the target.
 * @throws IO_ERROR, FILE_NOT_FOUND
 */
export async function writeAtomic(path: string, bytes: Buffer): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true }).catch((e: unknown) => {
    throw ioError(dir, e);
  });
  await writeFileAtomic(path, bytes);
}

/**
 * Builds a database file from OSV records. Unusable records are skipped and counted; the build fails
 * only when no record is usable. The new file is checked by opening it before it replaces the old one.
 * @throws INPUT_MALFORMED (no usable record), INPUT_TOO_LARGE, UNSAFE_PATH, UNSUPPORTED, FILE_NOT_FOUND, IO_ERROR
 */
export async function buildDatabase(inputs: readonly BuildInput[], opts: BuildOptions): Promise<BuildResult> {
  const lim = withLimits(opts.limits);
  const c = new Collector();
  for (const input of inputs) {
    if (input.kind === 'records') {
      for (const [i, r] of input.records.entries()) c.add(r, `${input.name}[${i}]`);
    } else await collectPath(input.path, c, lim);
  }
  if (c.byId.size === 0) {
    throw new VouchError(
      'INPUT_MALFORMED',
      `no usable OSV records in the input (${c.skippedCount} skipped)`,
      {
        hint: 'point at a directory of OSV JSON files or at an OSV all.zip',
        fields: c.skipped.slice(0, 10).map((s) => s.where),
      },
    );
  }
  const source = opts.source ?? inputs.map((i) => (i.kind === 'path' ? i.path : i.name)).join(', ');
  const bytes = encodeDatabase([...c.byId.values()], {
    builtAt: opts.builtAt.toISOString(),
    source,
    skipped: c.skippedCount,
  });
  const tmp = join(dirname(opts.out), `.${basename(opts.out)}.${randomBytes(6).toString('hex')}.check`);
  await writeAtomic(tmp, bytes);
  try {
    // Read back through the same checks `scan` uses before the old database is replaced.
    const db = openDatabase(tmp);
    const meta = db.meta;
    db.verify();
    db.close();
    await rename(tmp, opts.out).catch((e: unknown) => {
      throw ioError(opts.out, e);
    });
    return { path: opts.out, meta, skipped: c.skipped, partial: c.partial, duplicates: c.duplicates };
  } finally {
    await unlink(tmp).catch(() => undefined); // gone already after a successful rename
  }
}
