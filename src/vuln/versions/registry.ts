import { alpineScheme } from './alpine.js';
import { composerScheme } from './composer.js';
import { debianScheme } from './debian.js';
import { goScheme } from './go.js';
import { mavenScheme } from './maven.js';
import { nugetScheme } from './nuget.js';
import { pep440Scheme } from './pep440.js';
import { rpmScheme } from './rpm.js';
import { rubygemsScheme } from './rubygems.js';
import type { SchemeName, VersionScheme } from './scheme.js';
import { semverScheme } from './semver.js';

export const schemes: Readonly<Record<SchemeName, VersionScheme>> = Object.freeze({
  semver: semverScheme,
  go: goScheme,
  pep440: pep440Scheme,
  maven: mavenScheme,
  rubygems: rubygemsScheme,
  composer: composerScheme,
  nuget: nugetScheme,
  debian: debianScheme,
  alpine: alpineScheme,
  rpm: rpmScheme,
});

// OSV ecosystem names (ossf/osv-schema, "Defined ecosystems") to the ordering their ECOSYSTEM ranges use.
const BY_ECOSYSTEM: Readonly<Record<string, SchemeName>> = Object.freeze({
  npm: 'semver',
  'crates.io': 'semver',
  Hex: 'semver',
  Pub: 'semver',
  SwiftURL: 'semver',
  Go: 'go',
  PyPI: 'pep440',
  Maven: 'maven',
  RubyGems: 'rubygems',
  Packagist: 'composer',
  NuGet: 'nuget',
  Debian: 'debian',
  Ubuntu: 'debian',
  Alpine: 'alpine',
  Wolfi: 'alpine',
  Chainguard: 'alpine',
  'Red Hat': 'rpm',
  AlmaLinux: 'rpm',
  'Rocky Linux': 'rpm',
  openSUSE: 'rpm',
  SUSE: 'rpm',
  Mageia: 'rpm',
  openEuler: 'rpm',
});

/** The part of an OSV ecosystem before its release suffix: "Debian:12" -> "Debian". */
export function ecosystemBase(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  return colon === -1 ? ecosystem : ecosystem.slice(0, colon);
}

/** The version scheme of an OSV ecosystem ("Debian:12" style suffixes allowed), or undefined if unknown. */
export function schemeForEcosystem(ecosystem: string): VersionScheme | undefined {
  const name = BY_ECOSYSTEM[ecosystemBase(ecosystem)];
  return name === undefined ? undefined : schemes[name];
}

/** The ecosystems vouch knows the version ordering of. */
export const knownEcosystems: readonly string[] = Object.freeze(Object.keys(BY_ECOSYSTEM));
