import { registryApiHost } from './reference.js';
import { assertNever, VouchError } from '../errors.js';
import type { HttpResponse, HttpTransport } from './http-transport.js';
import {
  type AuthChallenge,
  bearerChallenge,
  hasBasicChallenge,
  parseWwwAuthenticate,
} from './registry-challenge.js';
import { readBounded } from './verified-read.js';

/** What vouch can present to a registry, as found in a docker config or given by a caller. */
export type RegistryCredential =
  | { kind: 'anonymous' }
  | { kind: 'basic'; username: string; password: string }
  /** An OAuth2 refresh token (`identitytoken`), traded at the token realm for access tokens. */
  | { kind: 'identity-token'; token: string };

/** Finds the credential for a registry host (`ghcr.io`, `127.0.0.1:5000`, `docker.io`). */
export type CredentialSource = (registry: string) => Promise<RegistryCredential>;

export const anonymousCredentials: CredentialSource = () => Promise.resolve({ kind: 'anonymous' });

/** `repository:<name>:pull` or `repository:<name>:pull,push` (docs/spec/auth/scope.md). */
export function repositoryScope(repository: string, actions: 'pull' | 'pull,push' | 'delete'): string {
  return `repository:${repository}:${actions}`;
}

export interface RegistryAuthOptions {
  /** Registry host, for messages and credential lookup. */
  registry: string;
  transport: HttpTransport;
  credentials: CredentialSource;
  now: () => Date;
  /** Whether the registry is spoken to over plain HTTP (then an http realm is no worse). */
  insecure: boolean;
}

interface CachedToken {
  token: string;
  expiresAtMs: number;
}

// Token responses are a JWT plus a few fields; 1 MiB is far beyond any real one.
const TOKEN_RESPONSE_MAX_BYTES = 1024 * 1024;
// Spec (docs/spec/auth/token.md "Token Response Fields"): expires_in defaults to 60 seconds.
const DEFAULT_TOKEN_SECONDS = 60;
// Renew a little early so a token does not expire between our check and the registry's.
const EXPIRY_SKEW_MS = 10_000;

/**
 * Authorization for one registry host: remembers its challenge (from `GET /v2/` or a 401), and for
 * bearer registries trades credentials for tokens per scope set, cached until `expires_in`.
 * Shared by every repository of that registry, so a copy asks the token server once per scope.
 */
export class RegistryAuth {
  private challenges: AuthChallenge[] = [];
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();
  private credential: Promise<RegistryCredential> | undefined;

  constructor(private readonly opts: RegistryAuthOptions) {}

  /**
   * Records the challenges of a 401 (or of the ping). Returns the scopes the challenge asks for (to add
   * to the retry of that one request only), or undefined when no challenge is one we can answer.
   */
  learn(wwwAuthenticate: string | null): string[] | undefined {
    if (!wwwAuthenticate) return undefined;
    const parsed = parseWwwAuthenticate(wwwAuthenticate);
    const bearer = bearerChallenge(parsed);
    if (!bearer && !hasBasicChallenge(parsed)) return undefined;
    this.challenges = parsed;
    return bearer?.scopes ?? [];
  }

  /**
   * The Authorization header value for a request needing `scopes`, or undefined when the registry
   * asked for none. `fresh` skips the token cache (after a 401 with a cached token).
   * @throws AUTH_FAILED, REGISTRY_UNREACHABLE, TIMEOUT, REGISTRY_ERROR
   */
  async header(scopes: readonly string[], fresh = false): Promise<string | undefined> {
    const bearer = bearerChallenge(this.challenges);
    if (bearer) {
      // The challenge's own scope parameter is request-specific: request() passes it in for the retry
      // it belongs to, so it does not leak into every later token request.
      const wanted = [...new Set(scopes)].sort();
      const key = `${bearer.realm} ${bearer.service ?? ''} ${wanted.join(' ')}`;
      if (fresh) this.tokens.delete(key);
      const nowMs = this.opts.now().getTime();
      const cached = this.tokens.get(key);
      if (cached && cached.expiresAtMs > nowMs) return `Bearer ${cached.token}`;
      let p = this.pending.get(key);
      if (!p) {
        p = this.fetchToken(bearer.realm, bearer.service, wanted, key).finally(() =>
          this.pending.delete(key),
        );
        this.pending.set(key, p);
      }
      return `Bearer ${await p}`;
    }
    if (hasBasicChallenge(this.challenges)) {
      const cred = await this.credentialOnce();
      switch (cred.kind) {
        case 'basic':
          return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
        case 'anonymous':
          return undefined;
        case 'identity-token':
          throw new VouchError(
            'AUTH_FAILED',
            `${this.opts.registry} asks for a username and password, but the docker config holds an identity token for it`,
            { hint: `run \`docker login ${this.opts.registry}\` with a username and password` },
          );
        default:
          return assertNever(cred, 'credential kind');
      }
    }
    return undefined;
  }

  private credentialOnce(): Promise<RegistryCredential> {
    this.credential ??= this.opts.credentials(this.opts.registry);
    return this.credential;
  }

  /** docs/spec/auth/token.md (GET with Basic) and oauth.md (POST with a refresh token). */
  private async fetchToken(realm: string, service: string | undefined, scopes: string[], key: string) {
    const cred = await this.credentialOnce();
    const realmUrl = new URL(realm);
    // Sending a password in clear to a token server is only acceptable when the registry itself is
    // plain HTTP by the user's choice; otherwise a tampered challenge could harvest credentials.
    // And even then only to the host named insecure: a registry on a trusted network must not be able to
    // send our password in clear to any host it names.
    const sameHost = realmUrl.hostname === hostnameOf(registryApiHost(this.opts.registry));
    if (realmUrl.protocol === 'http:' && (!this.opts.insecure || !sameHost) && cred.kind !== 'anonymous') {
      throw new VouchError(
        'AUTH_FAILED',
        `${this.opts.registry} sends its token requests to ${realmUrl.origin} over plain HTTP; refusing to send credentials there`,
        {
          hint: this.opts.insecure
            ? 'plain-HTTP credentials go only to the host marked --insecure-registry; use an HTTPS token realm'
            : 'use an HTTPS token realm, or mark the registry insecure only on a trusted network',
        },
      );
    }
    const scopeText = scopes.join(' ');
    let res: HttpResponse;
    const what = `token for ${scopeText || 'registry access'} from ${realmUrl.origin}`;
    if (cred.kind === 'identity-token') {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: cred.token,
        client_id: 'vouch',
      });
      if (service !== undefined) form.set('service', service);
      if (scopeText) form.set('scope', scopeText);
      res = await this.opts.transport.send({
        method: 'POST',
        url: realmUrl.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
        what,
      });
    } else {
      if (service !== undefined) realmUrl.searchParams.set('service', service);
      for (const s of scopes) realmUrl.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (cred.kind === 'basic') {
        headers['authorization'] =
          `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
      }
      res = await this.opts.transport.send({ method: 'GET', url: realmUrl.toString(), headers, what });
    }
    if (res.status === 401 || res.status === 403) {
      await res.discard();
      throw this.authFailed(
        scopeText,
        cred.kind === 'anonymous' ? 'requires credentials' : 'rejected the credentials',
      );
    }
    if (res.status !== 200) {
      await res.discard();
      throw new VouchError('REGISTRY_ERROR', `${what}: token server answered HTTP ${res.status}`);
    }
    const body = await readBounded(res.body(), TOKEN_RESPONSE_MAX_BYTES, what);
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw new VouchError(
        'REGISTRY_ERROR',
        `${what}: token server answered with something other than JSON`,
        {
          cause: e,
        },
      );
    }
    const rec = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : {};
    const token = typeof rec['token'] === 'string' && rec['token'] ? rec['token'] : rec['access_token'];
    if (typeof token !== 'string' || token.length === 0) {
      throw new VouchError('REGISTRY_ERROR', `${what}: token server answered without a token`);
    }
    const expiresIn =
      typeof rec['expires_in'] === 'number' && rec['expires_in'] > 0
        ? rec['expires_in']
        : DEFAULT_TOKEN_SECONDS;
    this.tokens.set(key, {
      token,
      expiresAtMs: this.opts.now().getTime() + expiresIn * 1000 - EXPIRY_SKEW_MS,
    });
    return token;
  }

  /** The error for a request still refused after authenticating. */
  authFailed(scope: string, why = 'refused access'): VouchError {
    return new VouchError('AUTH_FAILED', `${this.opts.registry} ${why} for ${scope || 'registry access'}`, {
      hint: `run \`docker login ${this.opts.registry}\` (vouch reads the docker config) with an account allowed ${
        scope.endsWith('push') ? 'to push' : 'to pull'
      }`,
    });
  }
}

/** The hostname of `host[:port]` (IPv6 literals keep their brackets, as URL.hostname does). */
function hostnameOf(host: string): string {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return host; // not a URL host; compared as written
  }
}
