import { PackageURL } from 'packageurl-js';
import { ecosystemBase } from './versions/registry.js';

/**
 * Where a package lives in the vulnerability database: an ecosystem key (OSV ecosystem, with the
 * distro release for OS packages: "Debian:12", "Alpine:v3.19") plus the package name normalised the
 * way that ecosystem compares names. Both database records and purls go through here, so the two
 * sides always agree.
 */
export interface PackageKey {
  readonly ecosystem: string;
  readonly name: string;
}

export interface PurlPackage extends PackageKey {
  readonly purl: string;
  readonly version: string;
}

export type PurlResolution =
  | { ok: true; pkg: PurlPackage }
  | { ok: false; purl: string; reason: 'invalid-purl' | 'no-version' | 'unknown-ecosystem'; detail: string };

/** The key a database indexes by: ecosystem key and normalised name joined by NUL (in neither). */
export function indexKey(k: PackageKey): string {
  return `${k.ecosystem}\u0000${k.name}`;
}

/** PEP 503 name normalisation: lowercase, runs of `-`, `_`, `.` become one `-`. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * Normalises a name as its ecosystem compares names. npm is case-insensitive here although the
 * registry is not: purls lowercase npm names (packageurl-js does), legacy mixed-case packages such as
 * JSONStream keep their case in OSV, and npm has refused new names differing only in case since 2017.
 * NuGet, Packagist and Hex names are case-insensitive; PyPI follows PEP 503; the rest are exact.
 */
export function normalizeName(ecosystem: string, name: string): string {
  switch (ecosystemBase(ecosystem)) {
    case 'PyPI':
      return normalizePypiName(name);
    case 'npm':
    case 'NuGet':
    case 'Packagist':
    case 'Hex':
      return name.toLowerCase();
    default:
      return name;
  }
}

/**
 * The ecosystem key of an OSV ecosystem string: distro ecosystems keep the release part that a purl's
 * `distro` qualifier can name ("Ubuntu:22.04:LTS" -> "Ubuntu:22.04", "Red Hat:enterprise_linux:9::appstream"
 * -> "Red Hat:9"); other ecosystems are kept whole, so "Packagist:https://packages.drupal.org/8" stays
 * apart from Packagist proper.
 */
export function ecosystemKey(ecosystem: string): string {
  const base = ecosystemBase(ecosystem);
  const rest = ecosystem.slice(base.length + 1);
  if (rest === '') return base;
  switch (base) {
    case 'Debian':
    case 'AlmaLinux':
    case 'Rocky Linux':
      return `${base}:${rest.split('.')[0]}`;
    case 'Ubuntu':
      return `${base}:${rest.replace(/:LTS$/, '')}`;
    case 'Red Hat': {
      const release = rest.split(':').find((p) => /^\d+(\.\d+)*$/.test(p));
      return release === undefined ? base : `${base}:${release.split('.')[0]}`;
    }
    default:
      return ecosystem;
  }
}

const DEBIAN_CODENAMES: Record<string, string> = {
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
};
const UBUNTU_CODENAMES: Record<string, string> = {
  xenial: '16.04',
  bionic: '18.04',
  focal: '20.04',
  jammy: '22.04',
  noble: '24.04',
};

// A purl `distro` qualifier in the forms syft, trivy and the purl spec examples use: "debian-12",
// "debian-12.4", "bookworm", "12", "alpine-3.19.1", "3.19.1", "redhat-9.5", "rhel-9".
function distroRelease(distro: string | undefined): string | undefined {
  if (distro === undefined) return undefined;
  const d = distro.toLowerCase();
  const codename = DEBIAN_CODENAMES[d] ?? UBUNTU_CODENAMES[d];
  if (codename !== undefined) return codename;
  const m = /(\d+(?:\.\d+)*)$/.exec(d);
  return m?.[1];
}

function osEcosystem(
  type: string,
  namespace: string | undefined,
  distro: string | undefined,
): string | undefined {
  const ns = (namespace ?? '').toLowerCase();
  const release = distroRelease(distro);
  const parts = release?.split('.') ?? [];
  const major = parts[0];
  switch (type) {
    case 'deb':
      if (ns === 'debian') return major ? `Debian:${major}` : 'Debian';
      if (ns === 'ubuntu') return release ? `Ubuntu:${parts.slice(0, 2).join('.')}` : 'Ubuntu';
      return undefined;
    case 'apk':
      if (ns === 'alpine') return parts.length >= 2 ? `Alpine:v${parts[0]}.${parts[1]}` : 'Alpine';
      if (ns === 'wolfi') return 'Wolfi';
      if (ns === 'chainguard') return 'Chainguard';
      return undefined;
    case 'rpm':
      if (ns === 'redhat') return major ? `Red Hat:${major}` : 'Red Hat';
      if (ns === 'almalinux') return major ? `AlmaLinux:${major}` : 'AlmaLinux';
      if (ns === 'rocky' || ns === 'rockylinux') return major ? `Rocky Linux:${major}` : 'Rocky Linux';
      return undefined;
    default:
      return undefined;
  }
}

const LANGUAGE_ECOSYSTEMS: Record<string, string> = {
  npm: 'npm',
  pypi: 'PyPI',
  golang: 'Go',
  cargo: 'crates.io',
  maven: 'Maven',
  gem: 'RubyGems',
  composer: 'Packagist',
  nuget: 'NuGet',
  hex: 'Hex',
  pub: 'Pub',
};

/** Resolves a purl to its database key and version; a purl that cannot be matched is a value with a reason. */
export function resolvePurl(purl: string): PurlResolution {
  let p: PackageURL;
  try {
    p = PackageURL.fromString(purl);
  } catch (e) {
    return { ok: false, purl, reason: 'invalid-purl', detail: e instanceof Error ? e.message : String(e) };
  }
  const q = p.qualifiers ?? {};
  let version = p.version;
  if (version === undefined || version === '')
    return { ok: false, purl, reason: 'no-version', detail: 'purl has no version' };
  const lang = LANGUAGE_ECOSYSTEMS[p.type];
  if (lang !== undefined) {
    const name =
      p.type === 'maven'
        ? `${p.namespace ?? ''}:${p.name}`
        : p.namespace
          ? `${p.namespace}/${p.name}`
          : p.name;
    if (p.type === 'maven' && !p.namespace) {
      return { ok: false, purl, reason: 'invalid-purl', detail: 'maven purl without a group' };
    }
    return { ok: true, pkg: { purl, ecosystem: lang, name: normalizeName(lang, name), version } };
  }
  const eco = osEcosystem(p.type, p.namespace, q.distro);
  if (eco === undefined) {
    return {
      ok: false,
      purl,
      reason: 'unknown-ecosystem',
      detail: `no OSV ecosystem for pkg:${p.type}/${p.namespace ?? ''}`,
    };
  }
  // OS advisories (DSA, DLA, USN, ALPINE-CVE, RHSA) name source packages; syft and trivy record the
  // source as `upstream=name` or `upstream=name@version` on each binary package.
  const upstream = q.upstream?.trim();
  let name = p.name;
  if (upstream) {
    const at = upstream.indexOf('@');
    name = at === -1 ? upstream : upstream.slice(0, at);
    const srcVersion = at === -1 ? '' : upstream.slice(at + 1);
    if (srcVersion !== '') version = srcVersion;
  }
  if (q.epoch && /^\d+$/.test(q.epoch) && !version.includes(':') && q.epoch !== '0')
    version = `${q.epoch}:${version}`;
  return { ok: true, pkg: { purl, ecosystem: eco, name, version } };
}
