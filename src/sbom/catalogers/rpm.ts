/**
 * RPM databases. `rpmdb.sqlite` (rpm >= 4.16: Fedora 33+, RHEL 9, Amazon Linux 2023) is read: the
 * `Packages` table holds one header blob per package as headerExport writes it (rpm lib/header.c: a
 * big-endian index count and data length, 16-byte index entries, then the data store). BerkeleyDB
 * `Packages` (RHEL <= 8, CentOS 7) and NDB `Packages.db` (SUSE) are not read yet: they produce a
 * warning so an image never silently loses its OS packages.
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft } from '../model.js';
import { osPurl } from '../purl.js';
import { type CatalogResult, type Cataloger, baseName } from './cataloger.js';
import { readSqliteTable } from './sqlite-table.js';

const RPMDB = /^(?:var\/lib\/rpm|usr\/lib\/sysimage\/rpm)\/(?:rpmdb\.sqlite|Packages|Packages\.db)$/;

// rpm lib/rpmtag.h
const TAG = {
  name: 1000,
  version: 1001,
  release: 1002,
  epoch: 1003,
  license: 1014,
  arch: 1022,
  sourcerpm: 1044,
};
const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const INDEX_ENTRIES_MAX = 100_000;

interface RpmHeader {
  strings: Map<number, string>;
  ints: Map<number, number>;
}

/** Decodes the tags vouch needs from one exported header blob. @throws INPUT_MALFORMED */
export function parseRpmHeader(blob: Uint8Array, what: string): RpmHeader {
  const bad = (why: string): VouchError => new VouchError('INPUT_MALFORMED', `${what}: ${why}`);
  if (blob.length < 8) throw bad('header blob too short');
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const il = dv.getUint32(0);
  const dl = dv.getUint32(4);
  if (il > INDEX_ENTRIES_MAX) throw bad(`${il} index entries`);
  const dataStart = 8 + il * 16;
  if (dataStart + dl > blob.length) throw bad('header data store overruns the blob');
  const h: RpmHeader = { strings: new Map(), ints: new Map() };
  const wanted = new Set(Object.values(TAG));
  for (let i = 0; i < il; i++) {
    const e = 8 + i * 16;
    const tag = dv.getUint32(e);
    if (!wanted.has(tag)) continue;
    const type = dv.getUint32(e + 4);
    const off = dv.getInt32(e + 8);
    if (off < 0 || off >= dl) throw bad(`tag ${tag} points outside the data store`);
    const at = dataStart + off;
    if (type === TYPE_STRING) {
      const end = blob.indexOf(0, at);
      if (end < 0 || end > dataStart + dl) throw bad(`tag ${tag} string is not terminated`);
      h.strings.set(tag, new TextDecoder().decode(blob.subarray(at, end)));
    } else if (type === TYPE_INT32) {
      if (at + 4 > dataStart + dl) throw bad(`tag ${tag} overruns the data store`);
      h.ints.set(tag, dv.getInt32(at));
    }
  }
  return h;
}

export const rpmCataloger: Cataloger = {
  name: 'rpm-db-cataloger',
  needsOs: true,
  matches: (path) => RPMDB.test(path),
  catalog(input, ctx): CatalogResult {
    const base = baseName(input.path);
    if (base !== 'rpmdb.sqlite') {
      const kind = base === 'Packages.db' ? 'NDB' : 'BerkeleyDB';
      return {
        components: [],
        warnings: [
          `${input.path}: RPM ${kind} databases are not read yet; this SBOM lists no rpm packages from it`,
        ],
      };
    }
    let rows: ReturnType<typeof readSqliteTable>;
    try {
      rows = readSqliteTable(input.bytes, 'Packages', input.path);
    } catch (e) {
      if (e instanceof VouchError && e.code === 'NOT_FOUND')
        throw new VouchError('INPUT_MALFORMED', e.message, { cause: e });
      throw e;
    }
    const out: ComponentDraft[] = [];
    for (const [i, row] of rows.entries()) {
      const blob = row[1];
      if (!(blob instanceof Uint8Array)) continue;
      const h = parseRpmHeader(blob, `${input.path} row ${i + 1}`);
      const name = h.strings.get(TAG.name);
      const version = h.strings.get(TAG.version);
      const release = h.strings.get(TAG.release);
      // gpg-pubkey pseudo-packages record imported signing keys, not software.
      if (!name || !version || name === 'gpg-pubkey') continue;
      const full = release ? `${version}-${release}` : version;
      const extra: Record<string, string> = {};
      const epoch = h.ints.get(TAG.epoch);
      if (epoch !== undefined && epoch !== 0) extra['epoch'] = String(epoch);
      const srpm = h.strings.get(TAG.sourcerpm);
      if (srpm) extra['upstream'] = srpm;
      const license = h.strings.get(TAG.license);
      out.push({
        name,
        version: epoch ? `${epoch}:${full}` : full,
        purl: osPurl('rpm', ctx.os, name, full, h.strings.get(TAG.arch), extra),
        ...(license ? { license } : {}),
      });
    }
    return { components: out, warnings: [] };
  },
};
