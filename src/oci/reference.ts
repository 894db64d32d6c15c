import { VouchError } from '../errors.js';
import { type Digest, parseDigest } from './digest.js';

/**
 * An image reference after Docker normalisation: `nginx` is `docker.io/library/nginx:latest`.
 * `tag` and `digest` may both be present (`repo:tag@sha256:…`); the digest then wins for reads.
 */
export interface Reference {
  /** Registry host as the user wrote it, normalised: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  readonly registry: string;
  /** Repository path within the registry: `library/nginx`, `a/b`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

export const DOCKER_HUB = 'docker.io';
const DEFAULT_TAG = 'latest';
const NAME_TOTAL_MAX = 255;

// distribution/reference grammar (reference.go), anchored pieces.
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6 = /^\[[a-fA-F0-9:.]+(?:%[a-zA-Z0-9._-]+)?\]$/;
const PORT = /^[0-9]+$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export interface ParseReferenceOptions {
  /** Add `:latest` when neither tag nor digest is given (default true, as docker does). */
  defaultTag?: boolean;
}

/**
 * Parses an image reference with the distribution grammar and Docker's normalisation rules.
 * @throws REFERENCE_INVALID naming the part that is wrong, DIGEST_INVALID for a bad digest
 */
export function parseReference(input: string, opts: ParseReferenceOptions = {}): Reference {
  const fail = (why: string, hint?: string): never => {
    throw new VouchError('REFERENCE_INVALID', `invalid image reference "${clip(input)}": ${why}`, {
      hint:
        hint ?? 'expected [registry[:port]/]repository[:tag][@sha256:<64 hex>], e.g. ghcr.io/org/app:1.2.3',
    });
  };
  if (input.length === 0) fail('empty');
  if (/\s/.test(input)) fail('contains whitespace');

  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (d.includes('@')) fail('more than one "@"');
    try {
      digest = parseDigest(d, 'digest');
    } catch (e) {
      fail(`digest part: ${(e as Error).message}`);
    }
  }

  // A tag is the text after the last ':' that comes after the last '/' (so a port is not a tag).
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    const candidate = rest.slice(lastColon + 1);
    const beforeColon = rest.slice(0, lastColon);
    // `[::1]:5000` with no path: the colon belongs to the host, and there is no repository.
    if (!(lastSlash < 0 && beforeColon.startsWith('['))) {
      tag = candidate;
      rest = beforeColon;
      if (!TAG.test(tag)) {
        fail(
          tag.length > 128
            ? 'tag is longer than 128 characters'
            : `tag "${clip(tag)}" has characters tags may not have`,
          'a tag is up to 128 of [A-Za-z0-9_.-], not starting with "." or "-"',
        );
      }
    }
  }

  if (rest.length === 0) fail('missing repository name');

  let registry = DOCKER_HUB;
  let path = rest;
  const firstSlash = rest.indexOf('/');
  if (firstSlash >= 0) {
    const first = rest.slice(0, firstSlash);
    if (looksLikeHost(first)) {
      registry = first;
      path = rest.slice(firstSlash + 1);
      checkHost(first, fail);
    }
  } else if (rest.startsWith('[') || (rest.includes(':') && !rest.includes('/'))) {
    fail('a registry host needs a repository path after it');
  }
  if (path.length === 0) fail('missing repository name');
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;

  for (const component of path.split('/')) {
    if (component.length === 0) fail('empty path component (double "/" or trailing "/")');
    if (!PATH_COMPONENT.test(component)) {
      if (component.toLowerCase() !== component && PATH_COMPONENT.test(component.toLowerCase())) {
        fail(`repository name must be lowercase ("${clip(component)}")`);
      }
      fail(
        `path component "${clip(component)}" is not valid`,
        'path components are lowercase letters and digits, separated by ".", "_", "__" or "-"',
      );
    }
  }
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  const fullName = `${registry}/${path}`;
  if (fullName.length > NAME_TOTAL_MAX) fail(`name is longer than ${NAME_TOTAL_MAX} characters`);

  if (tag === undefined && digest === undefined && opts.defaultTag !== false) tag = DEFAULT_TAG;
  return { registry, repository: path, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

function looksLikeHost(component: string): boolean {
  return (
    component.includes('.') ||
    component.includes(':') ||
    component === 'localhost' ||
    component.startsWith('[')
  );
}

function checkHost(host: string, fail: (why: string, hint?: string) => never): void {
  let h = host;
  let port: string | undefined;
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    if (close < 0) fail(`registry host "${clip(host)}" has an unclosed "["`);
    port = h.slice(close + 1);
    h = h.slice(0, close + 1);
    if (!IPV6.test(h)) fail(`registry host "${clip(host)}" is not a valid IPv6 address`);
    if (port.length > 0) {
      if (!port.startsWith(':')) fail(`registry host "${clip(host)}" has text after "]"`);
      port = port.slice(1);
    } else port = undefined;
  } else {
    const colon = h.indexOf(':');
    if (colon >= 0) {
      port = h.slice(colon + 1);
      h = h.slice(0, colon);
    }
    for (const part of h.split('.')) {
      if (!DOMAIN_COMPONENT.test(part)) fail(`registry host "${clip(host)}" is not a valid host name`);
    }
  }
  if (port !== undefined) {
    if (!PORT.test(port) || Number(port) > 65535 || Number(port) === 0) {
      fail(`registry port "${clip(port)}" is not a number from 1 to 65535`);
    }
  }
}

/** `registry/repository` without tag or digest. */
export function repositoryName(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The fully qualified string form: `docker.io/library/nginx:latest`, `host/repo@sha256:…`. */
export function formatReference(ref: Reference): string {
  let s = repositoryName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** The same repository pinned to a digest, dropping any tag: what vouch speaks after resolution. */
export function withDigest(ref: Reference, digest: Digest): Reference {
  return { registry: ref.registry, repository: ref.repository, digest };
}

export function withTag(ref: Reference, tag: string): Reference {
  if (!TAG.test(tag)) {
    throw new VouchError('REFERENCE_INVALID', `invalid tag "${clip(tag)}"`);
  }
  return { registry: ref.registry, repository: ref.repository, tag };
}

/** What the manifest endpoint is asked for: the digest when pinned, else the tag. */
export function manifestSelector(ref: Reference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/** The host to speak the distribution API to: Docker Hub's API lives on registry-1.docker.io. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

/** The short form people type: `nginx`, `myorg/app`, `ghcr.io/x/y`. */
export function familiarName(ref: Reference): string {
  if (ref.registry === DOCKER_HUB) {
    return ref.repository.startsWith('library/') ? ref.repository.slice('library/'.length) : ref.repository;
  }
  return repositoryName(ref);
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
