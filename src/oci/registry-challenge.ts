/**
 * One authentication challenge from a `WWW-Authenticate` header (RFC 7235 section 4.1). The scheme is
 * lowercased (schemes are case-insensitive); parameter names are lowercased, values kept verbatim.
 */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when the challenge has one instead of parameters. */
  token68?: string;
}

/** The parts of a `Bearer` challenge the distribution token flow needs (docs/spec/auth/token.md). */
export interface BearerChallenge {
  realm: string;
  service?: string;
  /** Scopes the registry says the request needs, space-separated in the header. */
  scopes: string[];
}

const TCHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/**
 * Parses every challenge in a `WWW-Authenticate` header value (or several values joined by ", ", as
 * fetch's Headers.get does). Follows the RFC 7235 grammar: auth-params are `name = token` or
 * `name = quoted-string` (RFC 7230 section 3.2.6, with `\` escapes), so a quoted scope such as
 * `"repository:a:pull,push"` keeps its comma. Malformed tails are dropped rather than guessed at: a
 * challenge we cannot read is one we do not answer.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let i = 0;
  const n = header.length;
  const skipWs = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && TCHAR.test(header[i] as string)) i++;
    return header.slice(start, i);
  };
  const readQuoted = (): string | undefined => {
    // header[i] is the opening quote.
    i++;
    let v = '';
    while (i < n) {
      const c = header[i] as string;
      if (c === '\\' && i + 1 < n) {
        v += header[i + 1];
        i += 2;
      } else if (c === '"') {
        i++;
        return v;
      } else {
        v += c;
        i++;
      }
    }
    return undefined; // unterminated
  };

  let current: AuthChallenge | undefined;
  while (i < n) {
    skipWs();
    if (header[i] === ',') {
      i++;
      continue;
    }
    const start = i;
    const word = readToken();
    if (word.length === 0) break; // not a token: stop, keep what was read
    skipWs();
    if (header[i] === '=' && current !== undefined) {
      // An auth-param of the current challenge.
      i++;
      skipWs();
      let value: string | undefined;
      if (header[i] === '"') value = readQuoted();
      else value = readToken();
      if (value === undefined) break;
      const name = word.toLowerCase();
      // Header text is the server's: a `__proto__` parameter must stay data, never reach the prototype.
      if (name !== '__proto__') current.params[name] = value;
      skipWs();
      if (i < n && header[i] !== ',') break;
      continue;
    }
    // A new challenge: the scheme, then a token68 or a list of params.
    i = start + word.length;
    current = { scheme: word.toLowerCase(), params: {} };
    out.push(current);
    skipWs();
    // token68 (RFC 7235 section 2.1) only when nothing but a comma or the end follows it; otherwise
    // `realm=` would be mistaken for a token68 with padding.
    const t68 = /^[A-Za-z0-9._~+/-]+=*/.exec(header.slice(i));
    if (t68) {
      const after = header.slice(i + t68[0].length).trimStart();
      if (after.length === 0 || after.startsWith(',')) {
        current.token68 = t68[0];
        i += t68[0].length;
      }
    }
  }
  return out;
}

/**
 * The first `Bearer` challenge with a usable realm, or undefined. The realm must be an http(s) URL:
 * anything else is a hostile or broken registry, and we would be sending credentials there.
 */
export function bearerChallenge(challenges: readonly AuthChallenge[]): BearerChallenge | undefined {
  for (const c of challenges) {
    if (c.scheme !== 'bearer') continue;
    const realm = c.params['realm'];
    if (realm === undefined) continue;
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      continue; // not a URL: not a challenge we can answer
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') continue;
    const scope = c.params['scope'];
    return {
      realm,
      ...(c.params['service'] !== undefined ? { service: c.params['service'] } : {}),
      scopes: scope ? scope.split(' ').filter((s) => s.length > 0) : [],
    };
  }
  return undefined;
}

/** Whether the challenges include HTTP Basic (RFC 7617). */
export function hasBasicChallenge(challenges: readonly AuthChallenge[]): boolean {
  return challenges.some((c) => c.scheme === 'basic');
}
