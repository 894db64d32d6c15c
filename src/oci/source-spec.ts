import { VouchError } from '../errors.js';
import { type Digest, parseDigest } from './digest.js';
import { parseReference, type Reference } from './reference.js';

/**
 * Where an image (or a tree of files) is, as users write it on the command line, following syft and
 * skopeo: `registry:ghcr.io/x/y:1` or a bare reference, `oci-dir:path[:tag|@digest]` (also skopeo's
 * `oci:`), `docker-archive:file.tar[:repo:tag]`, `dir:path`.
 */
export type SourceSpec =
  | { kind: 'registry'; ref: Reference; text: string }
  | { kind: 'oci-dir'; path: string; tag?: string; digest?: Digest; text: string }
  | { kind: 'docker-archive'; path: string; tag?: string; text: string }
  | { kind: 'dir'; path: string; text: string };

export type ImageSourceSpec = Exclude<SourceSpec, { kind: 'dir' }>;

/**
 * Parses a source or target string.
 * @throws REFERENCE_INVALID, DIGEST_INVALID, USAGE
 */
export function parseSourceSpec(text: string): SourceSpec {
  const colon = text.indexOf(':');
  const scheme = colon > 0 ? text.slice(0, colon) : '';
  const rest = text.slice(colon + 1);
  switch (scheme) {
    case 'registry':
    case 'docker': {
      // skopeo writes docker://host/repo; accept it.
      const r = rest.startsWith('//') ? rest.slice(2) : rest;
      return { kind: 'registry', ref: parseReference(r), text };
    }
    case 'oci-dir':
    case 'oci': {
      if (rest.length === 0) throw usage(text, 'oci-dir: needs a directory path');
      const at = rest.lastIndexOf('@');
      if (at >= 0) {
        const digest = parseDigest(rest.slice(at + 1), `digest in ${text}`);
        return { kind: 'oci-dir', path: nonEmpty(rest.slice(0, at), text), digest, text };
      }
      const { path, tag } = splitTrailingTag(rest);
      return { kind: 'oci-dir', path: nonEmpty(path, text), ...(tag ? { tag } : {}), text };
    }
    case 'docker-archive': {
      if (rest.length === 0) throw usage(text, 'docker-archive: needs a file path');
      // docker-archive:file.tar[:repo:tag] as skopeo: the first ':' after a '.tar' ends the path.
      const m = /^(.*?\.tar(?:\.gz)?)(?::(.+))?$/.exec(rest);
      if (m?.[2]) return { kind: 'docker-archive', path: m[1] as string, tag: m[2], text };
      return { kind: 'docker-archive', path: rest, text };
    }
    case 'dir':
      if (rest.length === 0) throw usage(text, 'dir: needs a directory path');
      return { kind: 'dir', path: rest, text };
    default:
      return { kind: 'registry', ref: parseReference(text), text };
  }
}

/** Like parseSourceSpec, but refuses `dir:` where an image is required. */
export function parseImageSourceSpec(text: string): ImageSourceSpec {
  const spec = parseSourceSpec(text);
  if (spec.kind === 'dir') {
    throw new VouchError('USAGE', `"${text}" is a directory of files, not an image`, {
      hint: 'use registry:<ref>, oci-dir:<path>[:tag|@digest] or docker-archive:<file.tar>',
    });
  }
  return spec;
}

function splitTrailingTag(s: string): { path: string; tag?: string } {
  const slash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > slash && colon > 0) {
    const tag = s.slice(colon + 1);
    if (/^[\w][\w.-]{0,127}$/.test(tag)) return { path: s.slice(0, colon), tag };
  }
  return { path: s };
}

function nonEmpty(p: string, text: string): string {
  if (p.length === 0) throw usage(text, 'empty path');
  return p;
}

function usage(text: string, why: string): VouchError {
  return new VouchError('USAGE', `invalid source "${text}": ${why}`, {
    hint: 'sources are registry:<ref>, oci-dir:<path>[:tag|@digest], docker-archive:<file.tar>, dir:<path>',
  });
}
