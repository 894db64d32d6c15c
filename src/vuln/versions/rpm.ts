import {
  compareDigits,
  compareStrings,
  defineScheme,
  type KeyParse,
  type Ordering,
  type VersionScheme,
} from './scheme.js';

/**
 * RPM EVR ordering (rpm rpmio/rpmvercmp.c and rpmdsCompare): epoch numerically (missing = 0), then
 * version and release with rpmvercmp: alphanumeric runs, separators ignored, numeric runs beat
 * alphabetic ones, `~` sorts before everything (even the end: pre-releases), `^` sorts after the end
 * but before anything else (post-release snapshots). A release is compared only when both sides have
 * one, as rpm does for a dependency without release.
 */
export const rpmScheme: VersionScheme = defineScheme('rpm', parseRpm, compareRpm);

interface RpmKey {
  epoch: string;
  version: string;
  release: string | undefined;
}

function parseRpm(raw: string): KeyParse<RpmKey> {
  const s = raw.trim();
  if (s.length === 0) return { reason: 'empty version' };
  const colon = s.indexOf(':');
  const epoch = colon === -1 ? '0' : s.slice(0, colon);
  if (!/^[0-9]+$/.test(epoch)) return { reason: 'epoch is not a number' };
  const vr = s.slice(colon + 1);
  const hyphen = vr.lastIndexOf('-');
  const version = hyphen === -1 ? vr : vr.slice(0, hyphen);
  const release = hyphen === -1 ? undefined : vr.slice(hyphen + 1);
  if (!/^[A-Za-z0-9._+~^]+$/.test(version)) return { reason: 'version has characters rpm rejects' };
  if (release !== undefined && !/^[A-Za-z0-9._+~^]+$/.test(release)) return { reason: 'bad release' };
  return { key: { epoch, version, release } };
}

function isAlnum(c: string): boolean {
  return /^[A-Za-z0-9]$/.test(c);
}

/** rpm's rpmvercmp on one version or release string. */
export function rpmvercmp(a: string, b: string): Ordering {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a.charAt(i)) && a.charAt(i) !== '~' && a.charAt(i) !== '^') i++;
    while (j < b.length && !isAlnum(b.charAt(j)) && b.charAt(j) !== '~' && b.charAt(j) !== '^') j++;
    const ca = a.charAt(i);
    const cb = b.charAt(j);
    if (ca === '~' || cb === '~') {
      if (ca !== '~') return 1;
      if (cb !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (ca === '^' || cb === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (ca !== '^') return 1;
      if (cb !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const si = i;
    const sj = j;
    const numeric = /[0-9]/.test(ca);
    const test = numeric ? /[0-9]/ : /[A-Za-z]/;
    while (i < a.length && test.test(a.charAt(i))) i++;
    while (j < b.length && test.test(b.charAt(j))) j++;
    // One side numeric, the other alphabetic: the numeric segment is newer.
    if (j === sj) return numeric ? 1 : -1;
    const c = numeric
      ? compareDigits(a.slice(si, i), b.slice(sj, j))
      : compareStrings(a.slice(si, i), b.slice(sj, j));
    if (c !== 0) return c;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

function compareRpm(a: RpmKey, b: RpmKey): Ordering {
  const c = compareDigits(a.epoch, b.epoch) || rpmvercmp(a.version, b.version);
  if (c !== 0 || a.release === undefined || b.release === undefined) return c;
  return rpmvercmp(a.release, b.release);
}
