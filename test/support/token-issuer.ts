import { spawnSync } from 'node:child_process';
import { randomBytes, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TokenIssuerOptions {
  /** `service` the registry expects in `aud`. */
  service?: string;
  /** `iss` the registry trusts. */
  issuer?: string;
  /** user -> password accepted with HTTP Basic on the token endpoint. */
  users?: Record<string, string>;
  /** refresh token (docker config `identitytoken`) -> user, for the OAuth2 POST grant. */
  refreshTokens?: Record<string, string>;
  /** Lifetime of issued tokens, seconds. */
  expiresInSeconds?: number;
}

export interface TokenIssuer {
  /** The `realm` the registry's challenge names. */
  realm: string;
  /** PEM of the self-signed certificate the registry trusts (`auth.token.rootcertbundle`). */
  certPath: string;
  /** Every token request seen, for asserting on caching and scopes. */
  requests: Array<{ method: string; scopes: string[]; user: string | undefined }>;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

/**
 * A token server as distribution's token auth spec (docs/spec/auth/token.md) describes it: GET with
 * HTTP Basic (or anonymous) and OAuth2 POST with a refresh token. Issues ES256 JWTs whose `x5c` header
 * carries a self-signed certificate that the registry has as its root bundle, so the real registry
 * verifies every token. Authenticated users get the actions they ask for; anonymous callers get a
 * token with no access, as Docker Hub does for private repositories.
 */
export async function startTokenIssuer(
  t: Pick<TestContext, 'after'>,
  opts: TokenIssuerOptions = {},
): Promise<TokenIssuer> {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-token-issuer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=vouch-test-token-issuer',
    ],
    { encoding: 'utf8' },
  );
  if (made.error || made.status !== 0) {
    throw new Error(
      `openssl could not make the issuer certificate (apt-get install -y openssl): ${made.stderr}`,
    );
  }
  const key = readFileSync(keyPath);
  const x5c = new X509Certificate(readFileSync(certPath)).raw.toString('base64');
  const users = opts.users ?? {};
  const refreshTokens = opts.refreshTokens ?? {};
  const expiresIn = opts.expiresInSeconds ?? 300;
  const requests: TokenIssuer['requests'] = [];

  const issue = (user: string | undefined, service: string, scopes: string[]): string => {
    const access: Access[] = user === undefined ? [] : scopes.flatMap(parseScope);
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [x5c] };
    const claims = {
      iss: opts.issuer ?? 'vouch-test-issuer',
      sub: user ?? '',
      aud: service,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    // JWS ES256 signatures are r||s (RFC 7518 section 3.4), not DER.
    const sig = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${sig.toString('base64url')}`;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500).end(String(e));
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://issuer');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    let user: string | undefined;
    let scopes: string[];
    let service: string;
    if (req.method === 'POST') {
      const form = new URLSearchParams(await readAll(req));
      scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      service = form.get('service') ?? '';
      if (form.get('grant_type') === 'refresh_token') {
        user = refreshTokens[form.get('refresh_token') ?? ''];
      } else if (form.get('grant_type') === 'password') {
        const u = form.get('username') ?? '';
        if (users[u] !== undefined && users[u] === form.get('password')) user = u;
      }
      if (user === undefined) {
        requests.push({ method: 'POST', scopes, user });
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
        return;
      }
    } else {
      scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ').filter(Boolean));
      service = url.searchParams.get('service') ?? '';
      const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
      if (basic?.[1]) {
        const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        const u = decoded.slice(0, colon);
        if (colon < 0 || users[u] === undefined || users[u] !== decoded.slice(colon + 1)) {
          requests.push({ method: 'GET', scopes, user: undefined });
          res
            .writeHead(401, { 'content-type': 'application/json' })
            .end('{"details":"incorrect username or password"}');
          return;
        }
        user = u;
      }
    }
    requests.push({ method: req.method ?? 'GET', scopes, user });
    const token = issue(user, service, scopes);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token, access_token: token, expires_in: expiresIn }));
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return { realm: `http://127.0.0.1:${port}/token`, certPath, requests };
}

/** `repository:app:pull,push` -> access entry; other resource types are granted as asked too. */
function parseScope(scope: string): Access[] {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return [];
  return [
    {
      type: scope.slice(0, first),
      name: scope.slice(first + 1, last),
      actions: scope.slice(last + 1).split(','),
    },
  ];
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
