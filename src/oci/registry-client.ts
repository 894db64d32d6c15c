import { type Readable, Readable as ReadableStream, pipeline } from 'node:stream';
import { VouchError } from '../errors.js';
import { type Limits, withLimits } from '../limits.js';
import { type Digest, digestAlgorithm, digestOf, isDigest, sha256Digest } from './digest.js';
import { dockerConfigCredentials } from './docker-config.js';
import { nextLink } from './http-link.js';
import { type HttpRequest, type HttpResponse, HttpTransport } from './http-transport.js';
import type { FetchedManifest, ImageReader, ImageWriter } from './image-store.js';
import { type Descriptor, type ImageIndex, parseManifest } from './manifest.js';
import { MANIFEST_ACCEPT, MediaType } from './media-types.js';
import { parseReference, type Reference, registryApiHost } from './reference.js';
import {
  anonymousCredentials,
  type CredentialSource,
  RegistryAuth,
  repositoryScope,
} from './registry-auth.js';
import { filterReferrers, referrerDescriptor, referrersTag, withReferrer } from './referrers-index.js';
import { BlobUploads } from './registry-upload.js';
import {
  contentLength,
  contentType,
  notFound,
  registryError,
  statusError,
  uploadLocation,
} from './registry-response.js';
import { readBounded, readVerified, verifyingStream } from './verified-read.js';

export interface RegistryClientOptions {
  /** Where credentials come from; anonymous when absent. */
  credentials?: CredentialSource;
  /**
   * Registry hosts (`127.0.0.1:5000`) spoken to over plain HTTP. Every other registry is HTTPS only:
   * plain HTTP lets anyone on the path swap tags, so it is only ever used when asked for by name.
   */
  insecureRegistries?: readonly string[];
  limits?: Partial<Limits>;
  /** The clock, for token expiry and Retry-After. */
  now: () => Date;
  /** Debug lines (retries, dropped upload sessions); never called with credentials. */
  debug?: (message: string) => void;
  /**
   * When set, blobs larger than this are uploaded in PATCH chunks of this size (distribution-spec
   * "Pushing a blob in chunks"), for registries or proxies that cap request bodies. Unset (default):
   * one monolithic PUT whose body streams as the source is read.
   */
  uploadChunkBytes?: number;
}

const TAG_RE = /^[\w][\w.-]{0,127}$/;

/**
 * A distribution-spec v2 client. Hands out one RegistryRepository per repository, all sharing the
 * transport (keep-alive connections), each registry's challenge and the token cache.
 */
export class RegistryClient {
  readonly limits: Limits;
  readonly transport: HttpTransport;
  private readonly auths = new Map<string, RegistryAuth>();
  private readonly pings = new Map<string, Promise<void>>();
  private readonly insecure: ReadonlySet<string>;

  constructor(private readonly opts: RegistryClientOptions) {
    this.limits = withLimits(opts.limits);
    this.transport = new HttpTransport({
      limits: this.limits,
      now: opts.now,
      ...(opts.debug ? { debug: opts.debug } : {}),
    });
    this.insecure = new Set(opts.insecureRegistries ?? []);
  }

  /**
   * The repository `repository` on `registry` (as in a parsed Reference).
   * @throws REFERENCE_INVALID
   */
  repository(ref: Pick<Reference, 'registry' | 'repository'>): RegistryRepository {
    // Names go into URL paths: re-check them with the reference grammar so that a caller passing raw
    // strings cannot reach other endpoints with `..` or `?`.
    const checked = parseReference(`${ref.registry}/${ref.repository}`, { defaultTag: false });
    if (checked.registry !== ref.registry || checked.repository !== ref.repository) {
      throw new VouchError(
        'REFERENCE_INVALID',
        `"${ref.registry}/${ref.repository}" is not a normalised repository`,
      );
    }
    return new RegistryRepository(this, ref.registry, ref.repository, this.opts.uploadChunkBytes);
  }

  /** `https://host` or, for registries marked insecure, `http://host`. */
  baseUrl(registry: string): string {
    const scheme = this.insecure.has(registry) ? 'http' : 'https';
    return `${scheme}://${registryApiHost(registry)}`;
  }

  /** Passes a line to the debug callback, when there is one. */
  debugLog(message: string): void {
    this.opts.debug?.(message);
  }

  isInsecure(registry: string): boolean {
    return this.insecure.has(registry);
  }

  /** The shared authorization state of one registry. */
  auth(registry: string): RegistryAuth {
    let a = this.auths.get(registry);
    if (!a) {
      a = new RegistryAuth({
        registry,
        transport: this.transport,
        credentials: this.opts.credentials ?? anonymousCredentials,
        now: this.opts.now,
        insecure: this.insecure.has(registry),
      });
      this.auths.set(registry, a);
    }
    return a;
  }

  /**
   * `GET /v2/` (distribution-spec "Determining support"), once per registry: proves the registry is
   * there and learns its challenge before any upload, whose body could not be sent twice.
   * @throws REGISTRY_UNREACHABLE, TIMEOUT, REGISTRY_ERROR
   */
  ping(registry: string): Promise<void> {
    let p = this.pings.get(registry);
    if (!p) {
      p = this.doPing(registry);
      this.pings.set(registry, p);
      // A failed ping is not remembered: the next call tries again.
      p.catch(() => this.pings.delete(registry));
    }
    return p;
  }

  private async doPing(registry: string): Promise<void> {
    const what = `registry ${registry}`;
    const res = await this.transport.send({ method: 'GET', url: `${this.baseUrl(registry)}/v2/`, what });
    if (res.status === 401) {
      this.auth(registry).learn(res.headers.get('www-authenticate'));
      await res.discard();
      return;
    }
    // A 429 still there after the retry budget is an answer too: going on would only start the same
    // retries again on the next request.
    if (res.status >= 500 || res.status === 429) throw await registryError(res, what);
    // 200, and also 404 from servers that do not implement the ping: the calls themselves will tell.
    await res.discard();
  }
}

type Selector = { kind: 'digest'; digest: Digest } | { kind: 'tag'; tag: string };

/**
 * One repository of a registry, readable and writable like every other image store. Every manifest and
 * blob read is hashed and checked before a caller can use it.
 */
export class RegistryRepository implements ImageReader, ImageWriter {
  readonly location: string;
  private readonly base: string;
  private readonly pull: string[];
  private readonly push: string[];
  private readonly uploads: BlobUploads;

  constructor(
    private readonly client: RegistryClient,
    readonly registry: string,
    readonly repository: string,
    uploadChunkBytes: number | undefined,
  ) {
    this.location = `${registry}/${repository}`;
    this.base = `${client.baseUrl(registry)}/v2/${repository}`;
    this.pull = [repositoryScope(repository, 'pull')];
    this.push = [repositoryScope(repository, 'pull,push')];
    this.uploads = new BlobUploads({
      send: (req, scopes) => this.request(req, scopes),
      base: this.base,
      scopes: this.push,
      ...(uploadChunkBytes !== undefined ? { chunkBytes: Math.max(1, uploadChunkBytes) } : {}),
      debug: (m) => this.debug(m),
    });
  }

  private get limits(): Limits {
    return this.client.limits;
  }

  /**
   * Sends a request with the authorization its scopes need; on a 401 learns the new challenge and
   * tries once more with a fresh token. Credentials only go to the registry's own origin: an upload
   * `Location` elsewhere gets the request without them.
   */
  private async request(spec: HttpRequest, scopes: readonly string[]): Promise<HttpResponse> {
    await this.client.ping(this.registry);
    const auth = this.client.auth(this.registry);
    const sameOrigin = new URL(spec.url).origin === new URL(this.base).origin;
    const send = async (wanted: readonly string[], fresh: boolean): Promise<HttpResponse> => {
      const authorization = sameOrigin ? await auth.header(wanted, fresh) : undefined;
      return this.client.transport.send({
        ...spec,
        headers: { ...spec.headers, ...(authorization ? { authorization } : {}) },
      });
    };
    let res = await send(scopes, false);
    if (res.status === 401 && sameOrigin && spec.stream === undefined) {
      const asked = auth.learn(res.headers.get('www-authenticate'));
      await res.discard();
      if (asked === undefined) throw auth.authFailed(scopes.join(' '));
      res = await send([...scopes, ...asked], true);
    }
    if (res.status === 401 || res.status === 403) {
      await res.discard();
      throw auth.authFailed(scopes.join(' '));
    }
    return res;
  }

  private selector(selector: string): Selector {
    if (isDigest(selector)) return { kind: 'digest', digest: selector };
    if (TAG_RE.test(selector)) return { kind: 'tag', tag: selector };
    throw new VouchError('REFERENCE_INVALID', `"${selector}" is neither a tag nor a digest`, {
      hint: 'a tag is up to 128 of [A-Za-z0-9_.-]; a digest is sha256: and 64 lowercase hex characters',
    });
  }

  private manifestWhat(sel: Selector): string {
    return sel.kind === 'digest'
      ? `manifest ${this.location}@${sel.digest}`
      : `manifest ${this.location}:${sel.tag}`;
  }

  /**
   * GET a manifest by tag or digest with every manifest media type in Accept. By digest the bytes are
   * checked against it; by tag they are hashed, and a Docker-Content-Digest header that disagrees is
   * tampering (a caching proxy or a registry serving other bytes than it claims).
   * @throws REFERENCE_INVALID, NOT_FOUND, DIGEST_MISMATCH, INPUT_TOO_LARGE, AUTH_FAILED, REGISTRY_ERROR,
   * REGISTRY_UNREACHABLE, TIMEOUT
   */
  async fetchManifest(selector: string): Promise<FetchedManifest> {
    const sel = this.selector(selector);
    const what = this.manifestWhat(sel);
    const ref = sel.kind === 'digest' ? sel.digest : sel.tag;
    const res = await this.request(
      { method: 'GET', url: `${this.base}/manifests/${ref}`, headers: { accept: MANIFEST_ACCEPT }, what },
      this.pull,
    );
    if (res.status === 404) throw await notFound(res, what);
    if (res.status !== 200) throw await registryError(res, what);
    const max = this.limits.manifestMaxBytes;
    // Refuse early on an honest Content-Length; a lying or absent one is caught while reading.
    const declared = contentLength(res);
    if (declared !== undefined && declared > max) {
      await res.discard();
      throw new VouchError('INPUT_TOO_LARGE', `${what}: ${declared} bytes, more than the ${max} allowed`, {
        hint: 'registries refuse manifests over 4 MiB; this one is hostile or broken',
      });
    }
    let digest: Digest;
    let bytes: Buffer;
    if (sel.kind === 'digest') {
      digest = sel.digest;
      bytes = await readVerified(res.body(), { digest, maxBytes: max, what });
    } else {
      bytes = await readBounded(res.body(), max, what);
      digest = sha256Digest(bytes);
      const claimed = res.headers.get('docker-content-digest');
      if (claimed !== null) {
        const ok = isDigest(claimed) && digestOf(bytes, digestAlgorithm(claimed)) === claimed;
        if (!ok) {
          throw new VouchError(
            'DIGEST_MISMATCH',
            `${what}: registry says ${claimed}, content hashes to ${digest}`,
            {
              hint: 'the registry served other bytes than it names; investigate the registry or a proxy in between',
            },
          );
        }
      }
    }
    return { digest, mediaType: manifestMediaType(res, bytes), bytes };
  }

  /**
   * Resolves a tag or digest to a descriptor. A tag is resolved by fetching and hashing the manifest:
   * the digest a HEAD returns is only the registry's word. A digest is checked with HEAD; its size and
   * media type are then the registry's word, verified when the manifest is fetched.
   * @throws as fetchManifest
   */
  async resolve(selector: string): Promise<Descriptor> {
    const sel = this.selector(selector);
    if (sel.kind === 'tag') {
      const m = await this.fetchManifest(selector);
      return { mediaType: m.mediaType, digest: m.digest, size: m.bytes.byteLength };
    }
    const what = this.manifestWhat(sel);
    const res = await this.request(
      {
        method: 'HEAD',
        url: `${this.base}/manifests/${sel.digest}`,
        headers: { accept: MANIFEST_ACCEPT },
        what,
      },
      this.pull,
    );
    await res.discard();
    if (res.status === 404) throw new VouchError('NOT_FOUND', `${what}: not found`);
    if (res.status !== 200) throw statusError(res, what);
    const size = contentLength(res);
    const mediaType = contentType(res);
    const claimed = res.headers.get('docker-content-digest');
    if (claimed !== null && claimed !== sel.digest) {
      throw new VouchError('DIGEST_MISMATCH', `${what}: registry answers for ${claimed}`);
    }
    if (size === undefined || size > this.limits.manifestMaxBytes || !mediaType) {
      const m = await this.fetchManifest(sel.digest);
      return { mediaType: m.mediaType, digest: m.digest, size: m.bytes.byteLength };
    }
    return { mediaType, digest: sel.digest, size };
  }

  /**
   * Streams a blob, following redirects. The stream errors with SIZE_MISMATCH or DIGEST_MISMATCH before
   * it ends if the bytes are not the ones the descriptor names.
   * @throws NOT_FOUND, SIZE_MISMATCH, INPUT_TOO_LARGE, AUTH_FAILED, REGISTRY_ERROR, REGISTRY_UNREACHABLE,
   * TIMEOUT (and the stream errors with DIGEST_MISMATCH, SIZE_MISMATCH, TIMEOUT, REGISTRY_UNREACHABLE)
   */
  async fetchBlob(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<Readable> {
    const what = `blob ${desc.digest} from ${this.location}`;
    if (desc.size > this.limits.blobMaxBytes) {
      throw new VouchError(
        'INPUT_TOO_LARGE',
        `${what}: ${desc.size} bytes, more than the ${this.limits.blobMaxBytes} allowed`,
      );
    }
    const res = await this.openBlob(desc, what);
    const verifier = verifyingStream({
      digest: desc.digest,
      size: desc.size,
      maxBytes: this.limits.blobMaxBytes,
      what,
    });
    // pipeline destroys the verifier with the first error from either side, so a consumer sees the
    // failure as the stream's 'error' and never a clean 'end'.
    pipeline(ReadableStream.from(res.body(), { objectMode: false }), verifier, (err) => {
      if (err) this.debug(`${what}: ${err.message}`);
    });
    return verifier;
  }

  /**
   * Reads a small blob (config, signature payload) whole, verified against its descriptor.
   * @throws INPUT_TOO_LARGE, NOT_FOUND, SIZE_MISMATCH, DIGEST_MISMATCH, AUTH_FAILED, REGISTRY_ERROR,
   * REGISTRY_UNREACHABLE, TIMEOUT
   */
  async fetchBlobBytes(desc: Pick<Descriptor, 'digest' | 'size'>, maxBytes?: number): Promise<Buffer> {
    const what = `blob ${desc.digest} from ${this.location}`;
    const max = maxBytes ?? this.limits.configMaxBytes;
    if (desc.size > max) {
      throw new VouchError(
        'INPUT_TOO_LARGE',
        `${what}: ${desc.size} bytes, more than the ${max} allowed here`,
      );
    }
    const res = await this.openBlob(desc, what);
    return readVerified(res.body(), { digest: desc.digest, size: desc.size, maxBytes: max, what });
  }

  private async openBlob(desc: Pick<Descriptor, 'digest' | 'size'>, what: string): Promise<HttpResponse> {
    const res = await this.request(
      { method: 'GET', url: `${this.base}/blobs/${desc.digest}`, what },
      this.pull,
    );
    if (res.status === 404) throw await notFound(res, what);
    if (res.status !== 200) throw await registryError(res, what);
    const declared = contentLength(res);
    if (declared !== undefined && declared !== desc.size) {
      await res.discard();
      throw new VouchError(
        'SIZE_MISMATCH',
        `${what}: registry announces ${declared} bytes, descriptor states ${desc.size}`,
        {
          hint: 'the registry holds other bytes than the manifest names; re-push, or investigate tampering',
        },
      );
    }
    return res;
  }

  /**
   * All tags, following `Link: <...>; rel="next"` pages (at most paginationPagesMax, same origin only).
   * `pageSize` asks for `?n=` per page.
   * @throws NOT_FOUND (no such repository), INPUT_TOO_LARGE, INPUT_MALFORMED, AUTH_FAILED, REGISTRY_ERROR,
   * REGISTRY_UNREACHABLE, TIMEOUT
   */
  async listTags(opts: { pageSize?: number } = {}): Promise<string[]> {
    const what = `tags of ${this.location}`;
    const origin = new URL(this.base).origin;
    let url: string | undefined =
      `${this.base}/tags/list${opts.pageSize ? `?n=${Math.floor(opts.pageSize)}` : ''}`;
    const tags = new Set<string>();
    for (let page = 0; url !== undefined; page++) {
      if (page >= this.limits.paginationPagesMax) {
        throw new VouchError('INPUT_TOO_LARGE', `${what}: more than ${this.limits.paginationPagesMax} pages`);
      }
      const res = await this.request({ method: 'GET', url, what }, this.pull);
      if (res.status === 404) throw await notFound(res, what);
      if (res.status !== 200) throw await registryError(res, what);
      const body = await readBounded(res.body(), this.limits.configMaxBytes, what);
      for (const t of parseTagList(body, what)) tags.add(t);
      const next = nextLink(res.headers.get('link'), res.url);
      // A next link to another origin would get our token: stop there rather than follow it.
      if (next !== undefined && new URL(next).origin !== origin) {
        throw new VouchError(
          'REGISTRY_ERROR',
          `${what}: next page link points to another server (${new URL(next).origin})`,
        );
      }
      url = next;
    }
    return [...tags];
  }

  /**
   * OCI 1.1 referrers of `subject` (distribution-spec "Listing Referrers"), filtered by artifactType;
   * when the registry has no referrers API (404) reads the `sha256-<hex>` tag schema fallback index.
   * @throws INPUT_MALFORMED, INPUT_TOO_LARGE, DIGEST_MISMATCH, AUTH_FAILED, REGISTRY_ERROR,
   * REGISTRY_UNREACHABLE, TIMEOUT
   */
  async referrers(subject: Digest, artifactType?: string): Promise<Descriptor[]> {
    const what = `referrers of ${this.location}@${subject}`;
    const query = artifactType !== undefined ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const res = await this.request(
      {
        method: 'GET',
        url: `${this.base}/referrers/${subject}${query}`,
        headers: { accept: MediaType.ociIndex },
        what,
      },
      this.pull,
    );
    if (res.status === 404) {
      await res.discard();
      const index = await this.fallbackIndex(subject);
      return filterReferrers(index?.manifests ?? [], artifactType);
    }
    if (res.status !== 200) throw await registryError(res, what);
    const bytes = await readBounded(res.body(), this.limits.manifestMaxBytes, what);
    const index = parseManifest(bytes, MediaType.ociIndex, what);
    if (index.kind !== 'index')
      throw new VouchError('INPUT_MALFORMED', `${what}: the registry answered with a manifest, not an index`);
    // The registry may ignore the filter (no OCI-Filters-Applied header): apply it here either way.
    return filterReferrers(index.manifests, artifactType);
  }

  /** The referrers tag schema index for a subject, or undefined when the tag does not exist. */
  private async fallbackIndex(subject: Digest): Promise<ImageIndex | undefined> {
    const tag = referrersTag(subject);
    let fetched: FetchedManifest;
    try {
      fetched = await this.fetchManifest(tag);
    } catch (e) {
      if (e instanceof VouchError && e.code === 'NOT_FOUND') return undefined;
      throw e;
    }
    const what = `referrers index ${this.location}:${tag}`;
    const parsed = parseManifest(fetched.bytes, fetched.mediaType, what);
    if (parsed.kind !== 'index') {
      throw new VouchError('INPUT_MALFORMED', `${what}: holds a ${parsed.mediaType}, not an index`, {
        hint: 'something other than a referrers index was pushed under this tag',
      });
    }
    return parsed;
  }

  /**
   * Adds a descriptor to the referrers tag schema index of `subject`, creating it when absent
   * (distribution-spec "Pushing Manifests with Subject", for registries without the referrers API).
   * Concurrent writers can lose each other's entries, as the spec acknowledges; vouch pushes one
   * referrer at a time per subject.
   * @throws INPUT_MALFORMED, AUTH_FAILED, REGISTRY_ERROR, REGISTRY_UNREACHABLE, TIMEOUT
   */
  async addReferrerToFallbackIndex(subject: Digest, desc: Descriptor): Promise<void> {
    const existing = await this.fallbackIndex(subject);
    if (existing?.manifests.some((d) => d.digest === desc.digest && d.artifactType === desc.artifactType))
      return;
    await this.putManifest(withReferrer(existing, desc), MediaType.ociIndex, referrersTag(subject));
  }

  /**
   * Pushes a manifest that has a `subject` (signature, attestation, SBOM) by digest, and when the
   * registry does not confirm the referrers API with an `OCI-Subject` header, records it in the
   * fallback index too. Returns the manifest's digest.
   * @throws INPUT_MALFORMED (no subject), MEDIA_TYPE_UNSUPPORTED, and as putManifest
   */
  async putReferrer(bytes: Buffer, mediaType: string): Promise<Digest> {
    const what = `referrer manifest for ${this.location}`;
    const manifest = parseManifest(bytes, mediaType, what);
    if (!manifest.subject) throw new VouchError('INPUT_MALFORMED', `${what}: has no subject`);
    const { digest, subjectHeader } = await this.putManifestTo(bytes, mediaType, undefined);
    if (subjectHeader !== manifest.subject.digest) {
      await this.addReferrerToFallbackIndex(
        manifest.subject.digest,
        referrerDescriptor(manifest, digest, bytes.byteLength),
      );
    }
    return digest;
  }

  /**
   * `HEAD /v2/<name>/blobs/<digest>`: whether the registry has the blob in this repository.
   * @throws AUTH_FAILED, REGISTRY_ERROR, REGISTRY_UNREACHABLE, TIMEOUT
   */
  async hasBlob(digest: Digest): Promise<boolean> {
    const what = `blob ${digest} in ${this.location}`;
    const res = await this.request({ method: 'HEAD', url: `${this.base}/blobs/${digest}`, what }, this.push);
    await res.discard();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw statusError(res, what);
  }

  /**
   * Uploads a blob: one streamed PUT by default, PATCH chunks above uploadChunkBytes when set. The content is
   * checked against the descriptor as it is read, and the registry checks it again before the blob
   * becomes visible (the digest goes in the closing PUT).
   * @throws DIGEST_MISMATCH, SIZE_MISMATCH, AUTH_FAILED, REGISTRY_ERROR, REGISTRY_UNREACHABLE, TIMEOUT
   */
  async putBlob(desc: Pick<Descriptor, 'digest' | 'size'>, content: Readable | Buffer): Promise<void> {
    await this.uploads.upload(desc, content, `blob ${desc.digest} to ${this.location}`);
  }

  /**
   * Cross-repository mount (`POST ?mount=<digest>&from=<repo>`): true when the registry linked the blob
   * (201), false when it offered an upload instead (202), which is dropped so the caller can putBlob.
   * Needs pull on the source repository as well as push here.
   * @throws AUTH_FAILED, REGISTRY_ERROR, REGISTRY_UNREACHABLE, TIMEOUT
   */
  async mountBlob(desc: Pick<Descriptor, 'digest' | 'size'>, fromRepository: string): Promise<boolean> {
    const what = `mount of blob ${desc.digest} from ${this.registry}/${fromRepository} into ${this.location}`;
    const from = this.client.repository({ registry: this.registry, repository: fromRepository }).repository;
    const url = `${this.base}/blobs/uploads/?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(from)}`;
    const res = await this.request({ method: 'POST', url, headers: { 'content-length': '0' }, what }, [
      ...this.push,
      repositoryScope(from, 'pull'),
    ]);
    if (res.status === 201) {
      await res.discard();
      return true;
    }
    if (res.status === 202) {
      await res.discard();
      await this.uploads.drop(uploadLocation(res, what), what);
      return false;
    }
    throw await registryError(res, what);
  }

  /**
   * Stores manifest bytes under `tag`, or by digest when no tag is given. Returns the bytes' digest.
   * @throws INPUT_TOO_LARGE, REFERENCE_INVALID, DIGEST_MISMATCH, AUTH_FAILED, REGISTRY_ERROR,
   * REGISTRY_UNREACHABLE, TIMEOUT
   */
  async putManifest(bytes: Buffer, mediaType: string, tag?: string): Promise<Digest> {
    return (await this.putManifestTo(bytes, mediaType, tag)).digest;
  }

  private async putManifestTo(bytes: Buffer, mediaType: string, tag: string | undefined) {
    const digest = sha256Digest(bytes);
    const ref = tag ?? digest;
    if (tag !== undefined && !TAG_RE.test(tag))
      throw new VouchError('REFERENCE_INVALID', `invalid tag "${tag}"`);
    const what = `manifest ${this.location}${tag !== undefined ? `:${tag}` : `@${digest}`}`;
    if (bytes.byteLength > this.limits.manifestMaxBytes) {
      throw new VouchError(
        'INPUT_TOO_LARGE',
        `${what}: ${bytes.byteLength} bytes, more than ${this.limits.manifestMaxBytes}`,
      );
    }
    const res = await this.request(
      {
        method: 'PUT',
        url: `${this.base}/manifests/${ref}`,
        headers: { 'content-type': mediaType },
        body: bytes,
        what,
      },
      this.push,
    );
    if (res.status !== 201 && res.status !== 200) throw await registryError(res, what);
    await res.discard();
    const claimed = res.headers.get('docker-content-digest');
    if (
      claimed !== null &&
      isDigest(claimed) &&
      digestAlgorithm(claimed) === 'sha256' &&
      claimed !== digest
    ) {
      throw new VouchError(
        'DIGEST_MISMATCH',
        `${what}: registry stored it as ${claimed}, the bytes hash to ${digest}`,
      );
    }
    return { digest, subjectHeader: res.headers.get('oci-subject') };
  }

  /**
   * Deletes a manifest by digest (distribution-spec "Deleting manifests"), which also drops every tag
   * that pointed at it. A registry without deletion enabled answers 405: UNSUPPORTED.
   * @throws UNSUPPORTED, NOT_FOUND, AUTH_FAILED, REGISTRY_ERROR, REGISTRY_UNREACHABLE, TIMEOUT
   */
  async deleteManifest(digest: Digest): Promise<void> {
    const what = `manifest ${this.location}@${digest}`;
    const res = await this.request({ method: 'DELETE', url: `${this.base}/manifests/${digest}`, what }, [
      repositoryScope(this.repository, 'delete'),
    ]);
    if (res.status === 202 || res.status === 200) {
      await res.discard();
      return;
    }
    if (res.status === 405) {
      await res.discard();
      throw new VouchError('UNSUPPORTED', `${what}: the registry does not allow deletes`, {
        hint: 'distribution needs storage.delete.enabled: true',
      });
    }
    throw await registryError(res, what);
  }

  /** Registry writes are visible as soon as each request succeeds: nothing to publish. */
  async commit(): Promise<void> {}

  /** Cancels upload sessions a failed operation left open, so the registry can drop their data. */
  async abort(): Promise<void> {
    await this.uploads.cancelAll(`upload to ${this.location}`);
  }

  private debug(message: string): void {
    this.client.debugLog(message);
  }
}

/** The transport media type, or the document's own when the transport's is missing or generic. */
function manifestMediaType(res: HttpResponse, bytes: Buffer): string {
  const ct = contentType(res);
  if (ct !== undefined && ct !== 'application/json' && ct !== 'text/plain') return ct;
  try {
    const doc: unknown = JSON.parse(bytes.toString('utf8'));
    if (
      typeof doc === 'object' &&
      doc !== null &&
      typeof (doc as Record<string, unknown>)['mediaType'] === 'string'
    ) {
      return (doc as Record<string, string>)['mediaType'] as string;
    }
  } catch {
    // Not JSON: parseManifest will say so with the right code when the caller parses it.
  }
  return ct ?? '';
}

function parseTagList(body: Buffer, what: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: not valid JSON`, { cause: e });
  }
  if (typeof doc !== 'object' || doc === null)
    throw new VouchError('INPUT_MALFORMED', `${what}: not a JSON object`);
  const tags = (doc as Record<string, unknown>)['tags'];
  // distribution answers `"tags": null` for a repository whose tags were all deleted.
  if (tags === null || tags === undefined) return [];
  if (!Array.isArray(tags) || !tags.every((t): t is string => typeof t === 'string')) {
    throw new VouchError('INPUT_MALFORMED', `${what}: "tags" is not a list of strings`, { fields: ['tags'] });
  }
  return tags;
}

export interface RegistryClientFromEnvOptions {
  /** Directory holding docker's config.json (`$DOCKER_CONFIG` or `~/.docker`); anonymous when absent. */
  dockerConfigDir?: string;
  /** Environment handed to docker credential helpers (PATH, HOME). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Hosts spoken to over plain HTTP (`--insecure-registry`). */
  insecureRegistries?: readonly string[];
  limits?: Partial<Limits>;
  now: () => Date;
  debug?: (message: string) => void;
}

/**
 * A RegistryClient configured as the CLI needs it: credentials from the docker config (auths,
 * credsStore, credHelpers) and plain HTTP only for the registries named insecure.
 */
export function registryClientFromEnv(opts: RegistryClientFromEnvOptions): RegistryClient {
  const limits = withLimits(opts.limits);
  const credentials =
    opts.dockerConfigDir !== undefined
      ? dockerConfigCredentials({ configDir: opts.dockerConfigDir, env: opts.env ?? {}, limits })
      : anonymousCredentials;
  return new RegistryClient({
    credentials,
    insecureRegistries: opts.insecureRegistries ?? [],
    limits,
    now: opts.now,
    ...(opts.debug ? { debug: opts.debug } : {}),
  });
}
