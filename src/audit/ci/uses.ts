/**
 * `uses:` references as GitHub reads them: a local path (`./.github/actions/x`), a Docker image
 * (`docker://alpine:3.20`), or a repository action `owner/repo[/subpath]@ref` (a reusable workflow is
 * `owner/repo/.github/workflows/x.yml@ref`).
 */
export type Uses =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 'docker'; readonly image: string }
  | {
      readonly kind: 'repository';
      readonly owner: string;
      readonly repo: string;
      readonly subpath: string | undefined;
      readonly ref: string | undefined;
    };

/** A full commit SHA: the only reference GitHub cannot move. */
const COMMIT = /^[0-9a-f]{40}$/i;

/** Parses a `uses:` value; undefined for an empty or malformed one. */
export function parseUses(text: string): Uses | undefined {
  const t = text.trim();
  if (t.length === 0) return undefined;
  if (t.startsWith('./') || t.startsWith('../')) return { kind: 'local', path: t };
  if (t.startsWith('docker://')) return { kind: 'docker', image: t.slice('docker://'.length) };
  const at = t.indexOf('@');
  const name = at < 0 ? t : t.slice(0, at);
  const ref = at < 0 ? undefined : t.slice(at + 1);
  const parts = name.split('/');
  const owner = parts[0] ?? '';
  const repo = parts[1] ?? '';
  if (owner.length === 0 || repo.length === 0) return undefined;
  const subpath = parts.length > 2 ? parts.slice(2).join('/') : undefined;
  return { kind: 'repository', owner, repo, subpath, ref: ref === '' ? undefined : ref };
}

/** True when the reference is a full commit SHA. */
export function isCommitRef(ref: string | undefined): boolean {
  return ref !== undefined && COMMIT.test(ref);
}

/** `owner/repo` lower-cased, for matching against tables of known actions. */
export function repoSlug(u: Extract<Uses, { kind: 'repository' }>): string {
  return `${u.owner}/${u.repo}`.toLowerCase();
}

/** `owner/repo[/subpath]` lower-cased. */
export function actionName(u: Extract<Uses, { kind: 'repository' }>): string {
  return (u.subpath ? `${u.owner}/${u.repo}/${u.subpath}` : `${u.owner}/${u.repo}`).toLowerCase();
}

/**
 * Matches zizmor's `uses` patterns: `owner/*`, `owner/repo`, `owner/repo/*`, `owner/repo/sub`, `*`.
 * Case-insensitive, as GitHub resolves owners and repositories.
 */
export function usesMatches(pattern: string, u: Extract<Uses, { kind: 'repository' }>): boolean {
  const p = pattern.toLowerCase().trim();
  if (p === '*') return true;
  const slug = repoSlug(u);
  if (p.endsWith('/*')) {
    const head = p.slice(0, -2);
    return head.includes('/') ? slug === head : u.owner.toLowerCase() === head;
  }
  if (p.split('/').length > 2) return actionName(u) === p;
  return slug === p;
}

/** A container image reference split into name, tag and digest (`alpine:3.20@sha256:…`). */
export interface ImageRef {
  readonly name: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

export function parseImageRef(image: string): ImageRef {
  const t = image.trim();
  const at = t.indexOf('@');
  const digest = at >= 0 ? t.slice(at + 1) : undefined;
  const rest = at >= 0 ? t.slice(0, at) : t;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const tag = colon > slash ? rest.slice(colon + 1) : undefined;
  const name = colon > slash ? rest.slice(0, colon) : rest;
  return { name, tag, digest };
}
