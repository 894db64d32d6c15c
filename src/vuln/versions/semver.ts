import semver from 'semver';
import { defineScheme, type KeyParse, sign, type VersionScheme } from './scheme.js';

/**
 * SemVer 2.0.0 (npm, crates.io, and OSV `SEMVER` ranges). Parsing is loose as npm's is (a leading `v`
 * or `=` and surrounding spaces are tolerated), since SBOM tools copy versions from lockfiles verbatim.
 * Build metadata does not take part in precedence (SemVer §10).
 */
export const semverScheme: VersionScheme = defineScheme('semver', parseSemver, (a, b) => sign(a.compare(b)));

/** Parses a SemVer 2.0 version loosely (npm rules) into a node-semver object, or says why not. */
export function parseSemver(raw: string): KeyParse<semver.SemVer> {
  const v = semver.parse(raw.trim(), { loose: true });
  return v ? { key: v } : { reason: 'not MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]' };
}
