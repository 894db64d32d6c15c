import semver from 'semver';
import { defineScheme, type KeyParse, type Ordering, type VersionScheme } from './scheme.js';

/**
 * SemVer 2.0.0 (npm, crates.io, and OSV `SEMVER` ranges). Parsing is loose as npm's is (a leading `v`
 * or `=` and surrounding spaces are tolerated), since SBOM tools copy versions from lockfiles verbatim.
 * Build metadata does not take part in precedence (SemVer §10).
 *
 * Precedence is computed on exact integers (BigInt): SemVer §2 and §11 compare numeric identifiers
 * numerically with no upper bound, and crates.io's semver crate holds them as u64. node-semver refuses a
 * MAJOR/MINOR/PATCH above Number.MAX_SAFE_INTEGER and compares larger numeric prerelease identifiers as
 * doubles (so 9007199254740993 == 9007199254740992); those versions are parsed here by the SemVer 2.0.0
 * grammar instead and ordered exactly. Everything node-semver orders is ordered the same way.
 */
export const semverScheme: VersionScheme = defineScheme('semver', parseSemver, compareSemverKeys);

/** A parsed SemVer: exact release numbers and prerelease identifiers (numeric ones as BigInt). */
export interface SemverKey {
  readonly release: readonly [bigint, bigint, bigint];
  readonly prerelease: ReadonlyArray<bigint | string>;
}

// semver.org's suggested regular expression (SemVer 2.0.0 FAQ), with npm's tolerated `v`/`=` prefix.
const SEMVER_2 =
  /^[v=]?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Parses a SemVer 2.0 version loosely (npm rules), or says why not. */
export function parseSemver(raw: string): KeyParse<SemverKey> {
  const text = raw.trim();
  const v = semver.parse(text, { loose: true });
  if (v) {
    // node-semver keeps a numeric identifier above MAX_SAFE_INTEGER as its digit string: exact here.
    const pre = v.prerelease.map((id) => (typeof id === 'number' || /^\d+$/.test(id) ? BigInt(id) : id));
    return { key: { release: [BigInt(v.major), BigInt(v.minor), BigInt(v.patch)], prerelease: pre } };
  }
  const m = SEMVER_2.exec(text);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) {
    return { reason: 'not MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]' };
  }
  return {
    key: {
      release: [BigInt(m[1]), BigInt(m[2]), BigInt(m[3])],
      prerelease: m[4] === undefined ? [] : m[4].split('.').map((id) => (/^\d+$/.test(id) ? BigInt(id) : id)),
    },
  };
}

/** SemVer 2.0.0 §11 precedence. */
export function compareSemverKeys(a: SemverKey, b: SemverKey): Ordering {
  for (let i = 0; i < 3; i++) {
    const x = a.release[i] ?? 0n;
    const y = b.release[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  // §11.3: a version with a prerelease has lower precedence than the same version without one.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length === 0 ? 1 : -1;
  }
  const n = Math.max(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < n; i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    // §11.4.4: a larger set of fields has higher precedence when all preceding ones are equal.
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    // §11.4.3: numeric identifiers have lower precedence than alphanumeric ones.
    if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : 1;
    if (typeof x === 'bigint') return -1;
    if (typeof y === 'bigint') return 1;
    // §11.4.2: alphanumeric identifiers compare lexically in ASCII order.
    return x < y ? -1 : 1;
  }
  return 0;
}
