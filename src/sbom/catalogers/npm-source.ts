/**
 * npm-family lockfiles sometimes record where a package came from instead of its version: a git source
 * (`git+https://host/o/r.git#<commit>`, `github:o/r#<commit>`) or a tarball URL. The commit, or the
 * `name-1.2.3.tgz` file's version, is what identifies the code; the URL itself is not a version and may
 * carry credentials.
 */

const SOURCE = /^(?:git\+|git:|github:|gitlab:|bitbucket:|https?:)/;

/**
 * The version `spec` names for package `name`: itself when it is not a source; the commit or tarball
 * version when it is one; undefined for a source that names neither.
 */
export function versionOfSource(name: string, spec: string): string | undefined {
  if (!SOURCE.test(spec) && !spec.includes('#')) return spec;
  const commit = /#([0-9a-f]{7,40})$/i.exec(spec)?.[1];
  if (commit) return commit;
  const base = name.slice(name.lastIndexOf('/') + 1);
  const tarball = /\/([^/?#]+)\.(?:tgz|tar\.gz)(?:[?#]|$)/.exec(spec)?.[1];
  return tarball?.startsWith(`${base}-`) ? tarball.slice(base.length + 1) : undefined;
}
