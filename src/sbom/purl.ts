/**
 * Package URLs per ecosystem, built with packageurl-js so encoding follows the purl spec
 * (github.com/package-url/purl-spec, PURL-TYPES.rst). Our code only decides how each ecosystem's
 * coordinates split into namespace / name / qualifiers; the library encodes them.
 */
import { PackageURL } from 'packageurl-js';
import { VouchError } from '../errors.js';
import type { OsInfo } from './model.js';

function build(
  type: string,
  namespace: string | undefined,
  name: string,
  version: string | undefined,
  qualifiers?: Record<string, string>,
): string {
  try {
    const q = qualifiers && Object.keys(qualifiers).length > 0 ? qualifiers : undefined;
    return new PackageURL(type, namespace, name, version || undefined, q, undefined).toString();
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `cannot form a ${type} package URL for "${name}": ${String(e)}`, {
      cause: e,
    });
  }
}

/** npm: a scope `@scope/name` becomes namespace `@scope` (encoded `%40scope`). @throws INPUT_MALFORMED */
export function npmPurl(name: string, version: string): string {
  if (name.startsWith('@')) {
    const slash = name.indexOf('/');
    if (slash > 1) return build('npm', name.slice(0, slash), name.slice(slash + 1), version);
  }
  return build('npm', undefined, name, version);
}

/** PEP 503 normalisation: lowercase, runs of `-`, `_`, `.` become one `-`. */
export function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** pypi: names normalised per PEP 503 so `Django_Rest.Framework` and `django-rest-framework` match. @throws INPUT_MALFORMED */
export function pypiPurl(name: string, version: string): string {
  return build('pypi', undefined, pep503(name), version);
}

/** golang: the module path splits at its last `/` into namespace and name. @throws INPUT_MALFORMED */
export function golangPurl(modulePath: string, version: string): string {
  const slash = modulePath.lastIndexOf('/');
  if (slash <= 0) return build('golang', undefined, modulePath, version);
  return build('golang', modulePath.slice(0, slash), modulePath.slice(slash + 1), version);
}

/** maven: groupId is the namespace, artifactId the name. @throws INPUT_MALFORMED */
export function mavenPurl(groupId: string, artifactId: string, version: string): string {
  return build('maven', groupId || undefined, artifactId, version);
}

/** composer: `vendor/package`. @throws INPUT_MALFORMED */
export function composerPurl(name: string, version: string): string {
  const slash = name.indexOf('/');
  if (slash > 0) return build('composer', name.slice(0, slash), name.slice(slash + 1), version);
  return build('composer', undefined, name, version);
}

/** Types whose coordinates are a bare name: cargo, gem, nuget, hex (Elixir/Erlang), pub (Dart). @throws INPUT_MALFORMED */
export function simplePurl(
  type: 'cargo' | 'gem' | 'nuget' | 'hex' | 'pub',
  name: string,
  version: string,
): string {
  return build(type, undefined, name, version);
}

/** A package from a VCS and no registry: `pkg:generic/name@<commit>?vcs_url=...`. @throws INPUT_MALFORMED */
export function vcsPurl(name: string, commit: string, vcsUrl: string): string {
  return build('generic', undefined, name, commit, { vcs_url: vcsUrl });
}

/**
 * OS packages: `pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12`. The namespace is the
 * distribution's os-release ID (the vendor), the distro qualifier `<ID>-<VERSION_ID>`.
 * @throws INPUT_MALFORMED
 */
export function osPurl(
  type: 'deb' | 'apk' | 'rpm',
  os: OsInfo | undefined,
  name: string,
  version: string,
  arch: string | undefined,
  extra: Record<string, string> = {},
): string {
  const defaultNamespace: Record<typeof type, string> = { deb: 'debian', apk: 'alpine', rpm: 'redhat' };
  const q: Record<string, string> = { ...extra };
  if (arch) q['arch'] = arch;
  if (os) q['distro'] = os.distro;
  // Red Hat's os-release ID is `rhel`; the purl vendor for its packages is `redhat` (PURL-TYPES rpm).
  const vendor = os ? (type === 'rpm' && os.id === 'rhel' ? 'redhat' : os.id) : defaultNamespace[type];
  return build(type, vendor, name, version, q);
}
