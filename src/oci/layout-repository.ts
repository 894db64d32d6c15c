import type { Readable } from 'node:stream';
import { isDigest, type Digest } from './digest.js';
import type { FetchedManifest, ImageReader, ImageWriter } from './image-store.js';
import type { Descriptor } from './manifest.js';

/**
 * One repository inside an OCI layout that holds several, the way an air-gapped mirror does: the
 * layout's `org.opencontainers.image.ref.name` values are full references (`demo.local/app:1.0`,
 * `demo.local/app:sha256-<hex>.sig`), and this view answers for one repository with plain tags. Blobs
 * and digests are shared by the whole layout, as they are content-addressed.
 */
export class LayoutRepository implements ImageReader {
  readonly location: string;
  private readonly prefix: string;

  constructor(
    private readonly layout: ImageReader,
    readonly repository: string,
    /** How messages and evidence name this view; a registry-like `host/repo` for a mirror. */
    location = `${layout.location}#${repository}`,
  ) {
    this.prefix = `${repository}:`;
    this.location = location;
  }

  private name(selector: string): string {
    return isDigest(selector) ? selector : `${this.prefix}${selector}`;
  }

  fetchManifest(selector: string): Promise<FetchedManifest> {
    return this.layout.fetchManifest(this.name(selector));
  }

  resolve(selector: string): Promise<Descriptor> {
    return this.layout.resolve(this.name(selector));
  }

  fetchBlob(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<Readable> {
    return this.layout.fetchBlob(desc);
  }

  fetchBlobBytes(desc: Pick<Descriptor, 'digest' | 'size'>, maxBytes?: number): Promise<Buffer> {
    return this.layout.fetchBlobBytes(desc, maxBytes);
  }

  async listTags(): Promise<string[]> {
    const all = await this.layout.listTags();
    return all.filter((t) => t.startsWith(this.prefix)).map((t) => t.slice(this.prefix.length));
  }

  referrers(subject: Digest, artifactType?: string): Promise<Descriptor[]> {
    return this.layout.referrers(subject, artifactType);
  }
}

/** The writing side of LayoutRepository: tags are stored as `<repository>:<tag>`. */
export class LayoutRepositoryWriter implements ImageWriter {
  readonly location: string;

  constructor(
    private readonly layout: ImageWriter,
    readonly repository: string,
  ) {
    this.location = `${layout.location}#${repository}`;
  }

  hasBlob(digest: Digest): Promise<boolean> {
    return this.layout.hasBlob(digest);
  }

  putBlob(desc: Pick<Descriptor, 'digest' | 'size'>, content: Readable | Buffer): Promise<void> {
    return this.layout.putBlob(desc, content);
  }

  putManifest(bytes: Buffer, mediaType: string, tag?: string): Promise<Digest> {
    return this.layout.putManifest(
      bytes,
      mediaType,
      tag === undefined ? undefined : `${this.repository}:${tag}`,
    );
  }

  commit(): Promise<void> {
    return this.layout.commit();
  }

  abort(): Promise<void> {
    return this.layout.abort();
  }
}

/**
 * Opens repository views of an OCI layout that is written to while it is read (a mirror being filled,
 * the drill): each view re-reads index.json on first use, so it sees what was last committed. Views are
 * named by repository, as a registry's repositories are, since policies compare where signatures were
 * found with the image's repository.
 */
export function layoutRepositoryOpener(
  openLayout: () => Promise<ImageReader>,
): (repository: string) => ImageReader {
  return (repository) => {
    let view: Promise<ImageReader> | undefined;
    const open = (): Promise<ImageReader> => {
      view ??= openLayout().then((l) => new LayoutRepository(l, repository, repository));
      return view;
    };
    return {
      location: repository,
      fetchManifest: async (s) => (await open()).fetchManifest(s),
      resolve: async (s) => (await open()).resolve(s),
      fetchBlob: async (d) => (await open()).fetchBlob(d),
      fetchBlobBytes: async (d, m) => (await open()).fetchBlobBytes(d, m),
      listTags: async () => (await open()).listTags(),
      referrers: async (s, t) => (await open()).referrers(s, t),
    };
  };
}
