import { resolve as resolvePath } from 'node:path';
import type { Limits } from '../limits.js';
import { openDockerArchive } from './docker-archive.js';
import type { ImageReader, ImageWriter } from './image-store.js';
import { createOciLayoutWriter, openOciLayout } from './layout-dir.js';
import { manifestSelector, repositoryName } from './reference.js';
import { type RegistryClient, registryClientFromEnv } from './registry-client.js';
import type { ImageSourceSpec } from './source-spec.js';
import { VouchError } from '../errors.js';

/** What the edge knows about the environment, as data: where credentials live, which hosts are HTTP. */
export interface OpenContext {
  dockerConfigDir?: string;
  /** Hosts spoken to over plain HTTP: with `--insecure-registry`, the registries the command names. */
  insecureRegistries?: readonly string[];
  /** Base for relative oci-dir/docker-archive paths. */
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
  limits?: Partial<Limits>;
  now?: () => Date;
  log?: (line: string) => void;
  /** Shared by every reader/writer opened with this context: one token cache, one connection pool. */
  client?: RegistryClient;
}

export interface OpenedReader {
  reader: ImageReader;
  /** What to ask the reader for: a tag or a digest. */
  selector: string;
  /** The name to print before `@sha256:…`: `host/repo`, `oci-dir:/path`. */
  name: string;
  /** The tag the source was named with, carried to the destination of a copy. */
  tag?: string;
  registry?: string;
  repository?: string;
}

export interface OpenedWriter {
  writer: ImageWriter;
  name: string;
  tag?: string;
  registry?: string;
  repository?: string;
}

function clientFor(ctx: OpenContext): RegistryClient {
  ctx.client ??= registryClientFromEnv({
    ...(ctx.dockerConfigDir ? { dockerConfigDir: ctx.dockerConfigDir } : {}),
    ...(ctx.env ? { env: ctx.env } : {}),
    insecureRegistries: ctx.insecureRegistries ?? [],
    ...(ctx.limits ? { limits: ctx.limits } : {}),
    now: ctx.now ?? (() => new Date()),
    ...(ctx.log ? { debug: ctx.log } : {}),
  });
  return ctx.client;
}

/**
 * Opens any image source for reading.
 * @throws FILE_NOT_FOUND, INPUT_MALFORMED, USAGE
 */
export async function openImageReader(spec: ImageSourceSpec, ctx: OpenContext): Promise<OpenedReader> {
  const limits = ctx.limits ? { limits: ctx.limits } : {};
  switch (spec.kind) {
    case 'registry': {
      const repo = clientFor(ctx).repository(spec.ref);
      return {
        reader: repo,
        selector: manifestSelector(spec.ref),
        name: repositoryName(spec.ref),
        ...(spec.ref.tag && !spec.ref.digest ? { tag: spec.ref.tag } : {}),
        registry: spec.ref.registry,
        repository: spec.ref.repository,
      };
    }
    case 'oci-dir': {
      const dir = resolvePath(ctx.cwd ?? '.', spec.path);
      const reader = await openOciLayout(dir, limits);
      let selector = spec.digest ?? spec.tag;
      if (!selector) {
        // cosign's `sha256-<hex>[.sig|.att|.sbom]` tags are attachments, not images to choose from.
        const tags = (await reader.listTags()).filter((t) => !/^sha(256|512)-[a-f0-9]+(\.[a-z]+)?$/.test(t));
        if (tags.length === 1) selector = tags[0] as string;
        else if (tags.length === 0) {
          throw new VouchError('NOT_FOUND', `${spec.text}: the layout has no tagged image`, {
            hint: 'name one with oci-dir:<path>@sha256:<digest>',
          });
        } else {
          throw new VouchError('USAGE', `${spec.text}: the layout holds ${tags.length} tags; say which`, {
            hint: `use oci-dir:${spec.path}:<tag>, one of: ${tags.slice(0, 10).join(', ')}`,
          });
        }
      }
      return {
        reader,
        selector,
        name: `oci-dir:${spec.path}`,
        ...(spec.tag ? { tag: spec.tag } : !spec.digest && selector ? { tag: selector } : {}),
      };
    }
    case 'docker-archive': {
      const file = resolvePath(ctx.cwd ?? '.', spec.path);
      const reader = await openDockerArchive(file, { ...(spec.tag ? { tag: spec.tag } : {}), ...limits });
      return {
        reader,
        selector: reader.manifestDigest,
        name: `docker-archive:${spec.path}`,
      };
    }
  }
}

/**
 * Opens any image target for writing (registry or OCI layout; docker-archive is read-only).
 * @throws USAGE, INPUT_MALFORMED, IO_ERROR
 */
export async function openImageWriter(spec: ImageSourceSpec, ctx: OpenContext): Promise<OpenedWriter> {
  switch (spec.kind) {
    case 'registry': {
      const repo = clientFor(ctx).repository(spec.ref);
      if (spec.ref.digest) {
        throw new VouchError('USAGE', `${spec.text}: a copy destination takes a tag, not a digest`, {
          hint: 'the digest is kept by construction; name the destination repository[:tag]',
        });
      }
      return {
        writer: repo,
        name: repositoryName(spec.ref),
        ...(spec.ref.tag ? { tag: spec.ref.tag } : {}),
        registry: spec.ref.registry,
        repository: spec.ref.repository,
      };
    }
    case 'oci-dir': {
      const dir = resolvePath(ctx.cwd ?? '.', spec.path);
      const writer = await createOciLayoutWriter(dir, ctx.limits ? { limits: ctx.limits } : {});
      return { writer, name: `oci-dir:${spec.path}`, ...(spec.tag ? { tag: spec.tag } : {}) };
    }
    case 'docker-archive':
      throw new VouchError('UNSUPPORTED', `${spec.text}: docker-archive is read-only in vouch`, {
        hint: 'copy to oci-dir:<path> or a registry instead',
      });
  }
}
