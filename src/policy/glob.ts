import { VouchError } from '../errors.js';
import { compileGoRegexp, type LinearRegexp } from './go-regexp.js';

/**
 * ClusterImagePolicy `images[].glob` semantics, as policy-controller's pkg/apis/glob: `*` is any run of
 * non-`/` characters (it does cross `:` and `@`, so `ghcr.io/org/*` matches every tag and digest of
 * every repository directly under org), `**` is any run of characters. The glob is matched against the
 * fully qualified name go-containerregistry gives (`index.docker.io/library/busybox:latest`), then, as a
 * deprecated fallback, against the reference as written. Bare `*` and `*` + `/` + `*` are upgraded to
 * Docker Hub globs as policy-controller does.
 */
const VALID_GLOB = /^[a-zA-Z0-9\-_:/*.]+$/;

export type CompiledGlob = { ok: true; glob: string; re: LinearRegexp } | { ok: false; error: string };

export function compileGlob(input: string): CompiledGlob {
  let glob = input;
  if (glob === '*/*') glob = 'index.docker.io/*/*';
  if (glob === '*') glob = 'index.docker.io/library/*';
  if (!VALID_GLOB.test(glob))
    return { ok: false, error: `invalid glob "${input}": only [a-zA-Z0-9-_:/*.] are allowed` };
  let src = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        src += '.*';
        i++;
      } else src += '[^/]*';
    } else if (c === '.') src += '\\.';
    else src += c;
  }
  // policy-controller compiles the same translation with Go's regexp: RE2 here too, so a glob of many
  // `**` cannot make a long attacker-chosen reference backtrack.
  const c = compileGoRegexp(`^${src}$`);
  if (!c.ok) return { ok: false, error: `invalid glob "${input}": ${c.error}` };
  return { ok: true, glob: input, re: c.re };
}

/**
 * The names a CIP glob is tried against: go-containerregistry's `ref.Name()` (registry `index.docker.io`
 * for Docker Hub, `library/` added, `:latest` when neither tag nor digest), then the text as written.
 * @throws REFERENCE_INVALID when the image is not a valid reference
 */
export function cipMatchNames(image: string): string[] {
  const name = ggcrName(image);
  return name === image ? [name] : [name, image];
}

/** True when the compiled glob matches the image as policy-controller would match it. */
export function globMatches(glob: CompiledGlob & { ok: true }, image: string): boolean {
  return cipMatchNames(image).some((n) => glob.re.test(n));
}

const NAME_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

function ggcrName(image: string): string {
  const fail = (why: string): never => {
    throw new VouchError('REFERENCE_INVALID', `invalid image reference "${image.slice(0, 80)}": ${why}`);
  };
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha(256|384|512):[a-f0-9]{64,128}$/.test(digest)) fail('bad digest');
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) fail('bad tag');
  }
  let registry = 'index.docker.io';
  let repo = rest;
  const first = rest.indexOf('/');
  if (first >= 0) {
    const host = rest.slice(0, first);
    if (host.includes('.') || host.includes(':') || host === 'localhost') {
      registry = host === 'docker.io' ? 'index.docker.io' : host;
      repo = rest.slice(first + 1);
    }
  }
  if (repo === '' || !repo.split('/').every((c) => NAME_COMPONENT.test(c))) fail('bad repository');
  if (registry === 'index.docker.io' && !repo.includes('/')) repo = `library/${repo}`;
  const base = `${registry}/${repo}`;
  if (digest !== undefined) return `${base}@${digest}`;
  return `${base}:${tag ?? 'latest'}`;
}
