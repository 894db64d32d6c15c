import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { VouchError } from '../errors.js';
import type { Limits } from '../limits.js';
import { runCredentialHelper } from './credential-helper.js';
import { DOCKER_HUB } from './reference.js';
import type { CredentialSource, RegistryCredential } from './registry-auth.js';

/** One `auths` entry of a docker config.json, decoded. */
export interface DockerAuthEntry {
  username?: string;
  password?: string;
  /** OAuth2 refresh token from `docker login` against a token server (`identitytoken`). */
  identityToken?: string;
}

/** The parts of docker's config.json (docker/cli cli/config/configfile) that hold credentials. */
export interface DockerConfig {
  /** Keyed by host as docker wrote it: `https://index.docker.io/v1/`, `ghcr.io`, `http://host:5000`. */
  auths: Record<string, DockerAuthEntry>;
  credsStore?: string;
  credHelpers: Record<string, string>;
}

/** Docker Hub's key in `auths` and what helpers are asked for (docker/cli registry.IndexServer). */
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Parses docker config.json bytes, listing every bad field by path. Unknown fields (proxies,
 * psFormat, plugins...) are ignored: they hold no credentials.
 * @throws INPUT_MALFORMED
 */
export function parseDockerConfig(bytes: Uint8Array, what: string): DockerConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: not valid JSON`, { cause: e });
  }
  if (!isRecord(doc)) throw new VouchError('INPUT_MALFORMED', `${what}: not a JSON object`);
  const bad: string[] = [];
  // Keys come from the file: Object.fromEntries defines own properties, so an `auths["__proto__"]`
  // stays an entry instead of replacing the object's prototype.
  const authList: Array<[string, DockerAuthEntry]> = [];
  const rawAuths = doc['auths'];
  if (rawAuths !== undefined && !isRecord(rawAuths)) bad.push('auths (must be an object)');
  if (isRecord(rawAuths)) {
    for (const [key, v] of Object.entries(rawAuths)) {
      const entry = authEntry(v, `auths["${key}"]`, bad);
      if (entry) authList.push([key, entry]);
    }
  }
  const auths: Record<string, DockerAuthEntry> = Object.fromEntries(authList);
  const credsStore = doc['credsStore'];
  if (credsStore !== undefined && typeof credsStore !== 'string') bad.push('credsStore (must be a string)');
  const helperList: Array<[string, string]> = [];
  const rawHelpers = doc['credHelpers'];
  if (rawHelpers !== undefined && !isRecord(rawHelpers)) bad.push('credHelpers (must be an object)');
  if (isRecord(rawHelpers)) {
    for (const [key, v] of Object.entries(rawHelpers)) {
      if (typeof v === 'string') helperList.push([key, v]);
      else bad.push(`credHelpers["${key}"] (must be a string)`);
    }
  }
  const credHelpers: Record<string, string> = Object.fromEntries(helperList);
  if (bad.length > 0) {
    throw new VouchError('INPUT_MALFORMED', `${what}: invalid docker config: ${bad.join('; ')}`, {
      fields: bad,
    });
  }
  return {
    auths,
    credHelpers,
    ...(typeof credsStore === 'string' && credsStore.length > 0 ? { credsStore } : {}),
  };
}

function authEntry(v: unknown, path: string, bad: string[]): DockerAuthEntry | undefined {
  if (!isRecord(v)) {
    bad.push(`${path} (must be an object)`);
    return undefined;
  }
  const out: DockerAuthEntry = {};
  for (const field of ['auth', 'username', 'password', 'identitytoken'] as const) {
    if (v[field] !== undefined && typeof v[field] !== 'string')
      bad.push(`${path}.${field} (must be a string)`);
  }
  const auth = v['auth'];
  if (typeof auth === 'string' && auth.length > 0) {
    // `auth` is base64("user:password"); the password may itself contain ':' (docker splits once).
    const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(auth) ? Buffer.from(auth, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0) bad.push(`${path}.auth (must be base64 of "username:password")`);
    else {
      out.username = decoded.slice(0, colon);
      out.password = decoded.slice(colon + 1);
    }
  }
  if (typeof v['username'] === 'string' && v['username'].length > 0) out.username = v['username'];
  if (typeof v['password'] === 'string' && v['password'].length > 0) out.password = v['password'];
  if (typeof v['identitytoken'] === 'string' && v['identitytoken'].length > 0) {
    out.identityToken = v['identitytoken'];
  }
  return out;
}

/** docker/cli's ConvertToHostname: `https://host:5000/v1/` -> `host:5000`. */
export function configKeyHost(key: string): string {
  const stripped = key.replace(/^https?:\/\//, '');
  const slash = stripped.indexOf('/');
  return slash >= 0 ? stripped.slice(0, slash) : stripped;
}

function sameRegistry(keyHost: string, registry: string): boolean {
  if (keyHost === registry) return true;
  return DOCKER_HUB_ALIASES.has(keyHost) && DOCKER_HUB_ALIASES.has(registry);
}

export interface DockerCredentialOptions {
  /** Where config.json lives: `$DOCKER_CONFIG` or `~/.docker`, decided by the caller. */
  configDir: string;
  /** Environment for credential helpers (their PATH, HOME...). */
  env: Readonly<Record<string, string | undefined>>;
  limits: Pick<Limits, 'configMaxBytes' | 'fetchTimeoutMs'>;
}

/**
 * Looks up the credential docker would use for `registry` in a parsed config: credHelpers, then
 * credsStore, then the plain `auths` entry; anonymous when none has one.
 * @throws TOOL_MISSING, AUTH_FAILED, TIMEOUT (from a credential helper)
 */
export async function dockerCredentialFor(
  config: DockerConfig,
  registry: string,
  opts: Pick<DockerCredentialOptions, 'env' | 'limits'>,
): Promise<RegistryCredential> {
  const serverUrl =
    DOCKER_HUB_ALIASES.has(registry) || registry === DOCKER_HUB ? DOCKER_HUB_SERVER : registry;
  const helperOpts = { env: opts.env, timeoutMs: opts.limits.fetchTimeoutMs };
  const helperName = Object.entries(config.credHelpers).find(([k]) =>
    sameRegistry(configKeyHost(k), registry),
  )?.[1];
  const fromHelper = async (name: string): Promise<RegistryCredential | undefined> => {
    const got = await runCredentialHelper(name, serverUrl, helperOpts);
    if (!got) return undefined;
    // docker-credential-helpers convention: Username "<token>" means Secret is an identity token.
    if (got.username === '<token>') return { kind: 'identity-token', token: got.secret };
    return { kind: 'basic', username: got.username, password: got.secret };
  };
  if (helperName !== undefined) return (await fromHelper(helperName)) ?? { kind: 'anonymous' };
  if (config.credsStore !== undefined) {
    const got = await fromHelper(config.credsStore);
    if (got) return got;
  }
  const entry = Object.entries(config.auths).find(([k]) => sameRegistry(configKeyHost(k), registry))?.[1];
  if (entry?.identityToken !== undefined) return { kind: 'identity-token', token: entry.identityToken };
  if (entry?.username !== undefined && entry.password !== undefined) {
    return { kind: 'basic', username: entry.username, password: entry.password };
  }
  return { kind: 'anonymous' };
}

/**
 * A CredentialSource over `<configDir>/config.json`: read once (a missing file means anonymous),
 * each registry's answer cached for the life of the source.
 * @throws INPUT_MALFORMED, INPUT_TOO_LARGE, IO_ERROR (config file), TOOL_MISSING, AUTH_FAILED, TIMEOUT
 */
export function dockerConfigCredentials(opts: DockerCredentialOptions): CredentialSource {
  let config: Promise<DockerConfig> | undefined;
  const cache = new Map<string, Promise<RegistryCredential>>();
  return (registry: string) => {
    config ??= loadDockerConfig(opts.configDir, opts.limits.configMaxBytes);
    let hit = cache.get(registry);
    if (!hit) {
      hit = config.then((c) => dockerCredentialFor(c, registry, opts));
      cache.set(registry, hit);
    }
    return hit;
  };
}

/**
 * Reads and parses `<configDir>/config.json`, bounded by maxBytes; an absent file is an empty config.
 * @throws INPUT_MALFORMED, INPUT_TOO_LARGE, IO_ERROR
 */
export async function loadDockerConfig(configDir: string, maxBytes: number): Promise<DockerConfig> {
  const path = join(configDir, 'config.json');
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { auths: {}, credHelpers: {} };
    throw new VouchError('IO_ERROR', `cannot read docker config ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) {
      throw new VouchError('INPUT_TOO_LARGE', `docker config ${path}: more than ${maxBytes} bytes`);
    }
    const bytes = await handle.readFile();
    if (bytes.byteLength > maxBytes) {
      throw new VouchError('INPUT_TOO_LARGE', `docker config ${path}: more than ${maxBytes} bytes`);
    }
    return parseDockerConfig(bytes, `docker config ${path}`);
  } finally {
    await handle.close();
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
