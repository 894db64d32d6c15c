/**
 * Every limit vouch applies to outside input, in one place, with its unit in its name. Each can be
 * overridden per call by spreading `{ ...defaultLimits, ...overrides }`. A size taken from
 * content-addressed data (a descriptor's `size`) wins over these: it is then both the limit and the
 * expected length.
 */
export interface Limits {
  /** OCI manifests and indexes. 4 MiB is what distribution and containerd accept. */
  manifestMaxBytes: number;
  /** Image config blobs and other small JSON blobs read whole into memory. */
  configMaxBytes: number;
  /** A single blob streamed through vouch when no descriptor size bounds it. */
  blobMaxBytes: number;
  /** Tar archives: number of entries. */
  tarEntriesMax: number;
  /** Tar archives: sum of the sizes of all entries. */
  tarExpandedMaxBytes: number;
  /** Tar archives: one entry. */
  tarEntryMaxBytes: number;
  /** A file a cataloger buffers whole (lockfile, package.json, METADATA, status). */
  catalogFileMaxBytes: number;
  /** YAML documents (policies, manifests, charts). */
  yamlMaxBytes: number;
  /** YAML alias expansions before a document counts as a bomb. */
  yamlMaxAliasCount: number;
  /** JSON documents read whole (SBOMs, VEX, bundles, predicates). */
  jsonMaxBytes: number;
  /** An AdmissionReview request body. The API server caps requests at 3 MiB; we allow a little more. */
  admissionBodyMaxBytes: number;
  /** One HTTP request to a registry or other server. */
  fetchTimeoutMs: number;
  /** Retries of idempotent reads on 5xx, 408, 429 and connection errors. */
  fetchRetries: number;
  /** First retry backoff; doubled each time. */
  fetchRetryBaseMs: number;
  /** Longest wait before a retry, whatever a server's Retry-After asks for. */
  fetchRetryMaxDelayMs: number;
  /** Pages followed through `Link` headers when listing tags or catalogs. */
  paginationPagesMax: number;
  /** Parallel blob transfers in a copy. */
  copyConcurrency: number;
  /** Nested indexes followed before an image counts as hostile. */
  indexDepthMax: number;
  /** Zip archives (OSV all.zip): number of entries. OSV's largest ecosystem archive has ~200k. */
  zipEntriesMax: number;
  /** Zip archives: one entry, uncompressed. */
  zipEntryMaxBytes: number;
  /** Zip archives: sum of uncompressed entry sizes (zip-bomb guard). */
  zipExpandedMaxBytes: number;
  /** One OSV record file. */
  osvRecordMaxBytes: number;
  /** One manifest file or stdin for `vouch audit k8s` (a whole cluster export). */
  k8sManifestMaxBytes: number;
  /**
   * One HTTP request from its start to the last byte of a small body (see fetchSmallBodyMaxBytes), or
   * to the response head of a large one, redirects and all: a server that drips cannot stretch it.
   */
  fetchTotalTimeoutMs: number;
  /** Bodies up to this size (manifests, configs, signatures) must arrive within fetchTotalTimeoutMs. */
  fetchSmallBodyMaxBytes: number;
  /** Larger bodies (layers) must arrive at least this fast, averaged over each fetchRateWindowMs. */
  fetchMinBytesPerSecond: number;
  fetchRateWindowMs: number;
  /** Total time one request may spend waiting between its retries (Retry-After included). */
  fetchRetryBudgetMs: number;
}

export const defaultLimits: Readonly<Limits> = Object.freeze({
  manifestMaxBytes: 4 * 1024 * 1024,
  configMaxBytes: 8 * 1024 * 1024,
  blobMaxBytes: 16 * 1024 * 1024 * 1024,
  tarEntriesMax: 1_000_000,
  tarExpandedMaxBytes: 64 * 1024 * 1024 * 1024,
  tarEntryMaxBytes: 16 * 1024 * 1024 * 1024,
  catalogFileMaxBytes: 64 * 1024 * 1024,
  yamlMaxBytes: 4 * 1024 * 1024,
  yamlMaxAliasCount: 100,
  jsonMaxBytes: 256 * 1024 * 1024,
  admissionBodyMaxBytes: 4 * 1024 * 1024,
  fetchTimeoutMs: 30_000,
  fetchRetries: 3,
  fetchRetryBaseMs: 200,
  fetchRetryMaxDelayMs: 30_000,
  paginationPagesMax: 1000,
  copyConcurrency: 6,
  indexDepthMax: 4,
  zipEntriesMax: 1_000_000,
  zipEntryMaxBytes: 16 * 1024 * 1024,
  zipExpandedMaxBytes: 8 * 1024 * 1024 * 1024,
  osvRecordMaxBytes: 16 * 1024 * 1024,
  k8sManifestMaxBytes: 256 * 1024 * 1024,
  fetchTotalTimeoutMs: 120_000,
  fetchSmallBodyMaxBytes: 8 * 1024 * 1024,
  fetchMinBytesPerSecond: 1024,
  fetchRateWindowMs: 30_000,
  fetchRetryBudgetMs: 60_000,
});

export function withLimits(overrides: Partial<Limits> | undefined): Limits {
  return { ...defaultLimits, ...(overrides ?? {}) };
}
