import { describeCause, VouchError } from '../../errors.js';
import type { Pin } from './fix.js';

/**
 * Where pins come from: an offline map (`--pins FILE`) or the GitHub REST API. The API resolves a ref
 * with `GET /repos/{owner}/{repo}/commits/{ref}` and names the commit with its most specific tag from
 * `GET /repos/{owner}/{repo}/tags` (the longest tag on that commit: `v4.2.2` rather than `v4`), as
 * zizmor's fixer does.
 */

/** Reads a pins map: `{"owner/repo@ref": {"sha": "<40 hex>", "version": "v1.2.3"}}`. */
export function parsePinsFile(text: string, what: string): Map<string, Pin> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: not JSON`, { cause: e });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new VouchError('INPUT_MALFORMED', `${what}: expected an object of "owner/repo@ref" keys`);
  const out = new Map<string, Pin>();
  const bad: string[] = [];
  for (const [key, v] of Object.entries(doc)) {
    const entry = v as { sha?: unknown; version?: unknown } | null;
    const sha = entry?.sha;
    const version = entry?.version;
    if (!/^[^@\s]+\/[^@\s]+@[^@\s]+$/.test(key) || typeof sha !== 'string' || !/^[0-9a-f]{40}$/.test(sha)) {
      bad.push(key);
      continue;
    }
    out.set(key.toLowerCase(), {
      sha,
      version: typeof version === 'string' ? version : (key.split('@')[1] ?? ''),
    });
  }
  if (bad.length > 0)
    throw new VouchError('INPUT_MALFORMED', `${what}: bad entries ${bad.slice(0, 5).join(', ')}`, {
      hint: 'each key is owner/repo@ref and each value {"sha": "<40 hex digits>", "version": "v1.2.3"}',
    });
  return out;
}

export interface GitHubApiOptions {
  readonly baseUrl: string;
  readonly token?: string;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

/** At most this many pages of tags (100 each) are read to name a commit. */
const MAX_TAG_PAGES = 10;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Resolves `owner/repo@ref` through the GitHub REST API. A ref GitHub does not know is undefined (the
 * fixer then says it did not pin); an API that cannot be reached or refuses the token is an error.
 * @throws REGISTRY_UNREACHABLE when the API does not answer; AUTH_FAILED on 401/403
 */
export async function resolvePinFromGitHub(
  repo: string,
  ref: string,
  opts: GitHubApiOptions,
): Promise<Pin | undefined> {
  const doFetch = opts.fetch ?? fetch;
  const base = opts.baseUrl.replace(/\/+$/, '');
  const get = async (path: string): Promise<unknown> => {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        headers: {
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        },
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (e) {
      throw new VouchError('REGISTRY_UNREACHABLE', `GitHub API ${base}: ${describeCause(e)}`, { cause: e });
    }
    if (res.status === 404 || res.status === 422) return undefined;
    if (res.status === 401 || res.status === 403)
      throw new VouchError('AUTH_FAILED', `GitHub API ${base}: HTTP ${res.status} for ${path}`, {
        hint: 'set GITHUB_TOKEN to a token that can read the repository (rate limits apply without one)',
      });
    if (!res.ok)
      throw new VouchError('REGISTRY_UNREACHABLE', `GitHub API ${base}: HTTP ${res.status} for ${path}`);
    const text = await res.text();
    if (text.length > MAX_BODY_BYTES)
      throw new VouchError('INPUT_TOO_LARGE', `GitHub API ${base}: answer too large`);
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new VouchError('REGISTRY_UNREACHABLE', `GitHub API ${base}: answer is not JSON`, { cause: e });
    }
  };
  const enc = (s: string) => s.split('/').map(encodeURIComponent).join('/');
  const commit = (await get(`/repos/${enc(repo)}/commits/${encodeURIComponent(ref)}`)) as
    | { sha?: unknown }
    | undefined;
  const sha = commit?.sha;
  if (typeof sha !== 'string' || !/^[0-9a-f]{40}$/.test(sha)) return undefined;
  let best: string | undefined;
  for (let page = 1; page <= MAX_TAG_PAGES; page++) {
    const tags = await get(`/repos/${enc(repo)}/tags?per_page=100&page=${page}`);
    if (!Array.isArray(tags) || tags.length === 0) break;
    for (const t of tags as { name?: unknown; commit?: { sha?: unknown } }[])
      if (
        t.commit?.sha === sha &&
        typeof t.name === 'string' &&
        (best === undefined || t.name.length > best.length)
      )
        best = t.name;
    if (tags.length < 100) break;
  }
  return { sha, version: best ?? ref };
}
