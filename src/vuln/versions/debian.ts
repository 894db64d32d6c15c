import { compareDigits, defineScheme, type KeyParse, type Ordering, type VersionScheme } from './scheme.js';

/**
 * Debian package versions as dpkg orders them (Debian Policy §5.6.12; dpkg lib/dpkg/version.c):
 * `[epoch:]upstream[-revision]`, the revision after the last hyphen. Non-digit runs compare
 * character by character with `~` before everything (even the end), then the end, then letters,
 * then everything else; digit runs compare numerically.
 */
export const debianScheme: VersionScheme = defineScheme('debian', parseDebian, compareDebian);

interface DebianKey {
  epoch: string;
  upstream: string;
  revision: string;
}

function parseDebian(raw: string): KeyParse<DebianKey> {
  const s = raw.trim();
  if (s.length === 0) return { reason: 'empty version' };
  const colon = s.indexOf(':');
  const epoch = colon === -1 ? '0' : s.slice(0, colon);
  if (!/^[0-9]+$/.test(epoch)) return { reason: 'epoch is not a number' };
  const rest = s.slice(colon + 1);
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen === -1 ? rest : rest.slice(0, hyphen);
  const revision = hyphen === -1 ? '' : rest.slice(hyphen + 1);
  if (!/^[0-9][A-Za-z0-9.+~:-]*$/.test(upstream))
    return { reason: 'upstream version must start with a digit' };
  if (!/^[A-Za-z0-9.+~]*$/.test(revision)) return { reason: 'revision has characters dpkg rejects' };
  if (hyphen !== -1 && revision === '') return { reason: 'empty revision' };
  return { key: { epoch, upstream, revision } };
}

function order(c: number): number {
  if (Number.isNaN(c)) return 0; // end of string
  if (c === 126) return -1; // '~'
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return c;
  return c + 256;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** dpkg's verrevcmp. */
export function verrevcmp(a: string, b: string): Ordering {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(i < a.length ? a.charCodeAt(i) : Number.NaN);
      const bc = order(j < b.length ? b.charCodeAt(j) : Number.NaN);
      if (ac !== bc) return ac < bc ? -1 : 1;
      i++;
      j++;
    }
    const si = i;
    while (i < a.length && isDigit(a.charCodeAt(i))) i++;
    const sj = j;
    while (j < b.length && isDigit(b.charCodeAt(j))) j++;
    const c = compareDigits(a.slice(si, i) || '0', b.slice(sj, j) || '0');
    if (c !== 0) return c;
  }
  return 0;
}

function compareDebian(a: DebianKey, b: DebianKey): Ordering {
  return (
    compareDigits(a.epoch, b.epoch) || verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision)
  );
}
