import { currentAbortSignal } from '../abort-scope.js';
import { isVouchError, type VouchError, type VouchErrorCode } from '../errors.js';
import type { Digest } from '../oci/index.js';
import type { Descriptor } from '../oci/index.js';
import type { ImageReader } from '../oci/index.js';
import { parseReference, type Reference, repositoryName } from '../oci/index.js';
import type { ImageResolver } from './policy-decider.js';

/** Opens the store that holds one repository: a registry repository, or a repository inside a layout. */
export type RepositoryOpener = (repository: Reference) => ImageReader;

export interface TagResolverOptions {
  /** How long a tag→digest answer is reused. Short: a re-pointed tag must be noticed quickly. */
  ttlMs: number;
  /**
   * How long a failed lookup (registry down, refusing, timing out, tag unknown) is answered from memory
   * with the same error; 0 or absent: failures are not remembered. Short: during an outage every review
   * would otherwise pay the full retry and timeout cost again.
   */
  failureTtlMs?: number;
  maxEntries: number;
  clock: () => number;
}

/**
 * Resolves pod-spec images to digests through a store: a digest written in the reference is the identity
 * as is; a tag is resolved by fetching the manifest and hashing it (never trusting a header), cached
 * briefly, with concurrent lookups of one tag sharing one request.
 */
export class TagResolver implements ImageResolver {
  private readonly cache = new Map<string, { digest: Digest; at: number }>();
  private readonly failures = new Map<string, { error: VouchError; at: number }>();
  private readonly inFlight = new Map<string, Promise<Digest>>();

  constructor(
    private readonly open: RepositoryOpener,
    private readonly opts: TagResolverOptions,
  ) {}

  async resolve(image: string): Promise<Digest> {
    const ref = parseReference(image);
    if (ref.digest) return ref.digest;
    const key = `${repositoryName(ref)}:${ref.tag}`;
    const hit = this.cache.get(key);
    const now = this.opts.clock();
    if (hit && now - hit.at < this.opts.ttlMs) return hit.digest;
    const failed = this.failures.get(key);
    if (failed && now - failed.at < (this.opts.failureTtlMs ?? 0)) throw failed.error;
    let p = this.inFlight.get(key);
    if (!p) {
      p = this.lookup(ref, key).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }

  private async lookup(ref: Reference, key: string): Promise<Digest> {
    let desc: Descriptor;
    try {
      desc = await this.open(ref).resolve(ref.tag ?? 'latest');
    } catch (e) {
      // A lookup cut short by its own request's deadline says nothing about the registry: not remembered.
      if (
        (this.opts.failureTtlMs ?? 0) > 0 &&
        isVouchError(e) &&
        REMEMBERED.has(e.code) &&
        !currentAbortSignal()?.aborted
      ) {
        remember(this.failures, key, { error: e, at: this.opts.clock() }, this.opts.maxEntries);
      }
      throw e;
    }
    this.failures.delete(key);
    remember(this.cache, key, { digest: desc.digest, at: this.opts.clock() }, this.opts.maxEntries);
    return desc.digest;
  }
}

/** Registry answers worth remembering for a short while: the next review would get the same. */
const REMEMBERED: ReadonlySet<VouchErrorCode> = new Set([
  'REGISTRY_UNREACHABLE',
  'REGISTRY_ERROR',
  'TIMEOUT',
  'AUTH_FAILED',
  'NOT_FOUND',
]);

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}
