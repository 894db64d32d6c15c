/**
 * Credentials in URLs never leave vouch. Lockfiles record where a package came from, and a private git
 * or registry URL often carries a token: `git+https://TOKEN@github.com/o/r.git`, `https://u:p@host/`,
 * `?access_token=...`. Everything a cataloger finds (names, versions, purls) and every warning and
 * error message the SBOM path produces is passed through here before it reaches a document, a log or
 * stderr. Redaction keeps the URL's shape (host, path, commit) so the SBOM still says where the
 * package came from.
 */
import { PackageURL } from 'packageurl-js';

export const REDACTED = 'REDACTED';

// scheme://userinfo@ — userinfo is everything up to the first `@` before the host (no `/`, no space).
// Bounded repetitions keep both patterns linear on hostile text (`a.a.a.a…://`, `?aaaa…`).
const USERINFO = /\b([a-z][a-z0-9+.-]{0,31}:\/\/)([^\s/@?#]{1,4096})@/gi;
// Query or fragment parameters; the replacer redacts those whose names say they hold a secret. Each
// name run starts at its own `?`/`&`/`;`/`#`, so matching stays linear.
const PARAM = /([?&;#][\w.-]+)=([^&;#\s"']+)/g;
const SECRET_NAME = /token|auth|pass|pwd|secret|key|sig|credential|session/i;
// ssh logins name an account (`git@github.com`), not a secret; only a password part is redacted there.
const SSH_SCHEME = /^(?:git\+)?ssh:\/\/$/i;

function redactUserinfo(scheme: string, userinfo: string): string {
  if (userinfo === REDACTED) return `${scheme}${userinfo}@`;
  const colon = userinfo.indexOf(':');
  if (SSH_SCHEME.test(scheme) && colon < 0) return `${scheme}${userinfo}@`;
  // `user:password` keeps the user (useful, not secret); a lone https user is almost always a token.
  if (colon > 0 && !/^x-access-token$|^x-oauth-basic$|^oauth2$/i.test(userinfo.slice(0, colon)))
    return `${scheme}${userinfo.slice(0, colon)}:${REDACTED}@`;
  return `${scheme}${REDACTED}@`;
}

/** `text` with every URL user-info secret and secret-named query parameter replaced by `REDACTED`. */
export function redactCredentials(text: string): string {
  if (!text.includes('://') && !text.includes('=')) return text;
  return text
    .replace(USERINFO, (_m, scheme: string, userinfo: string) => redactUserinfo(scheme, userinfo))
    .replace(PARAM, (m, name: string) => (SECRET_NAME.test(name) ? `${name}=${REDACTED}` : m));
}

/** True when `text` holds something redactCredentials would change. */
export function hasCredentials(text: string): boolean {
  return redactCredentials(text) !== text;
}

/**
 * A purl with credentials removed from its namespace, name, version, qualifiers and subpath. purls
 * percent-encode `@` and `:`, so the check runs on the decoded parts.
 */
export function redactPurl(purl: string): string {
  // Fast path: a credential needs a `scheme://` or a `name=value`, which a purl can only hold as
  // literal text or percent-encoded (`%3A%2F%2F`, `%3D`); most purls have neither.
  if (!purl.includes('://') && !purl.includes('=') && !/%3A%2F%2F|%3D/i.test(purl)) return purl;
  let decoded: string;
  try {
    decoded = decodeURIComponent(purl);
  } catch {
    // Not decodable as a whole: redact the raw text, which is never worse than leaking it.
    return redactCredentials(purl);
  }
  if (!hasCredentials(decoded)) return purl;
  let p: PackageURL;
  try {
    p = PackageURL.fromString(purl);
  } catch {
    return redactCredentials(decoded);
  }
  const qualifiers = p.qualifiers
    ? Object.fromEntries(Object.entries(p.qualifiers).map(([k, v]) => [k, redactCredentials(v)]))
    : undefined;
  return new PackageURL(
    p.type,
    p.namespace ? redactCredentials(p.namespace) : undefined,
    redactCredentials(p.name),
    p.version ? redactCredentials(p.version) : undefined,
    qualifiers,
    p.subpath ? redactCredentials(p.subpath) : undefined,
  ).toString();
}
