import { compareSemverKeys, parseSemver, type SemverKey } from './semver.js';
import { defineScheme, type KeyParse, type VersionScheme } from './scheme.js';

/**
 * Go module versions (golang.org/ref/mod#versions): semantic versions with a `v` prefix, which OSV
 * drops and purls keep, so both spellings parse. `+incompatible` marks a v2+ module without a go.mod
 * and is build metadata for ordering. Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`) are
 * SemVer prereleases whose timestamp sorts correctly under SemVer rules, so no special case is needed.
 * Standard-library versions appear as `go1.21.3` in some SBOMs and as `1.21.3` in OSV.
 */
export const goScheme: VersionScheme = defineScheme('go', parseGo, compareSemverKeys);

const GO_SHORT = /^(\d+)\.(\d+)((?:rc|beta)\d+)?$/;

function parseGo(raw: string): KeyParse<SemverKey> {
  let s = raw.trim();
  if (s.startsWith('go')) s = s.slice(2);
  else if (s.startsWith('v')) s = s.slice(1);
  // Go toolchain versions before 1.21 omit the patch ("go1.20", "go1.20rc1"): treat as x.y.0.
  const short = GO_SHORT.exec(s);
  if (short) s = `${short[1]}.${short[2]}.0${short[3] ? `-${short[3]}` : ''}`;
  if (s.startsWith('v') || s.startsWith('=')) return { reason: 'unexpected prefix' };
  return parseSemver(s);
}
