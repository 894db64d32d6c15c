import { VouchError } from '../errors.js';
import { configKeyHost } from './docker-config.js';
import { DOCKER_HUB } from './reference.js';

/** Docker Hub's key in `auths` (docker/cli registry.IndexServer). */
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', 'registry-1.docker.io']);

/**
 * The docker config.json with a login for `registry` recorded as `docker login` / `cosign login`
 * record it: `auths[server].auth` = base64("user:password"), Docker Hub under its index URL, every
 * other field of the file kept as it was. `existing` is the current file (undefined when absent).
 * A registry whose credentials belong to a credential helper (credHelpers, credsStore) is refused:
 * writing the password in plain text next to a configured helper would be a silent downgrade.
 * @throws INPUT_MALFORMED (the current file is not a JSON object), UNSUPPORTED (a credential helper)
 */
export function recordLogin(
  existing: Buffer | undefined,
  registry: string,
  username: string,
  password: string,
  what: string,
): Buffer {
  let doc: Record<string, unknown> = {};
  if (existing !== undefined && existing.byteLength > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(existing.toString('utf8'));
    } catch (e) {
      throw new VouchError('INPUT_MALFORMED', `${what}: not valid JSON`, { cause: e });
    }
    if (!isRecord(parsed)) throw new VouchError('INPUT_MALFORMED', `${what}: not a JSON object`);
    doc = parsed;
  }
  const host = DOCKER_HUB_ALIASES.has(configKeyHost(registry)) ? DOCKER_HUB : configKeyHost(registry);
  const helpers = isRecord(doc['credHelpers']) ? doc['credHelpers'] : {};
  const helper = typeof helpers[host] === 'string' ? helpers[host] : doc['credsStore'];
  if (typeof helper === 'string' && helper !== '') {
    throw new VouchError(
      'UNSUPPORTED',
      `${what}: credentials for ${host} are kept by docker-credential-${helper}`,
      {
        hint: `log in with \`docker login ${host}\`, which stores them through the helper`,
      },
    );
  }
  const server = host === DOCKER_HUB ? DOCKER_HUB_SERVER : host;
  const auths = isRecord(doc['auths']) ? { ...doc['auths'] } : {};
  auths[server] = { auth: Buffer.from(`${username}:${password}`, 'utf8').toString('base64') };
  return Buffer.from(`${JSON.stringify({ ...doc, auths }, null, '\t')}\n`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
