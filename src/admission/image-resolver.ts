import type { Digest } from '../oci/digest.js';
import type { ImageReader } from '../oci/image-store.js';
import { parseReference, type Reference, repositoryName } from '../oci/reference.js';
import type { ImageResolver } from './policy-decider.js';

/** Opens the store that holds one repository: a registry repository, or a repository inside a layout. */
export type RepositoryOpener = (repository: Reference) => ImageReader;

export interface TagResolverOptions {
  /** How long a tag→digest answer is reused. Short: a re-pointed tag must be noticed quickly. */
  ttlMs: number;
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
    let p = this.inFlight.get(key);
    if (!p) {
      p = this.lookup(ref, key).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }

  private async lookup(ref: Reference, key: string): Promise<Digest> {
    const desc = await this.open(ref).resolve(ref.tag ?? 'latest');
    if (this.cache.size >= this.opts.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, { digest: desc.digest, at: this.opts.clock() });
    return desc.digest;
  }
}
