import {
  compareDigits,
  compareStrings,
  defineScheme,
  type KeyParse,
  type Ordering,
  type VersionScheme,
} from './scheme.js';

/**
 * NuGet versions (learn.microsoft.com "NuGet package versioning"): SemVer 2.0 extended to four
 * numeric parts (legacy System.Version `1.0.0.0`), missing parts are 0, leading zeros are ignored,
 * prerelease labels compare case-insensitively (numeric labels numerically, below alphanumeric ones),
 * build metadata is ignored.
 */
export const nugetScheme: VersionScheme = defineScheme('nuget', parseNuget, compareNuget);

interface NugetKey {
  release: string[];
  pre: string[];
}

const PATTERN = /^\s*v?(\d+(?:\.\d+){0,3})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-.]+)?\s*$/;

function parseNuget(raw: string): KeyParse<NugetKey> {
  const m = PATTERN.exec(raw);
  if (!m || m[1] === undefined) return { reason: 'not a NuGet version' };
  return { key: { release: m[1].split('.'), pre: m[2] === undefined ? [] : m[2].toLowerCase().split('.') } };
}

function compareNuget(a: NugetKey, b: NugetKey): Ordering {
  for (let i = 0; i < 4; i++) {
    const c = compareDigits(a.release[i] ?? '0', b.release[i] ?? '0');
    if (c !== 0) return c;
  }
  if (a.pre.length === 0 || b.pre.length === 0) {
    return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  }
  const n = Math.min(a.pre.length, b.pre.length);
  for (let i = 0; i < n; i++) {
    const x = a.pre[i] ?? '';
    const y = b.pre[i] ?? '';
    const xn = /^[0-9]+$/.test(x);
    const yn = /^[0-9]+$/.test(y);
    const c = xn && yn ? compareDigits(x, y) : xn ? -1 : yn ? 1 : compareStrings(x, y);
    if (c !== 0) return c;
  }
  return a.pre.length === b.pre.length ? 0 : a.pre.length < b.pre.length ? -1 : 1;
}
