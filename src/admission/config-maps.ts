import { createHash } from 'node:crypto';
import { isVouchError, VouchError } from '../errors.js';
import type { Limits } from '../limits.js';
import { type ConfigMapLookup, type ConfigMapRef, parseYamlDocuments } from '../policy/index.js';
import type { KubeClient } from './kube-client.js';
import { VerdictCache } from './verdict-cache.js';

/** ConfigMap data by `namespace/name` (JSON-quoted pair, so no name can fake the separator). */
export type ConfigMapSet = ReadonlyMap<string, Readonly<Record<string, string>>>;

function keyOf(namespace: string, name: string): string {
  return JSON.stringify([namespace, name]);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses a `--config-maps` file: `kubectl get configmap -o yaml` output (a List), single ConfigMaps, or
 * several as multi-document YAML. Only `data` is kept (Kyverno's `configMap` context reads `data`); a
 * ConfigMap without a namespace is in `default`, as `kubectl apply` would place it.
 * @throws INPUT_TOO_LARGE over yamlMaxBytes or the alias budget, INPUT_MALFORMED listing each bad field
 */
export function parseConfigMaps(
  input: string | Uint8Array,
  what: string,
  limits?: Partial<Limits>,
): ConfigMapSet {
  const bad: string[] = [];
  const out = new Map<string, Readonly<Record<string, string>>>();
  const add = (item: unknown, at: string): void => {
    if (!isRecord(item) || item['kind'] !== 'ConfigMap') {
      bad.push(`${at}.kind (expected ConfigMap)`);
      return;
    }
    const meta = isRecord(item['metadata']) ? item['metadata'] : undefined;
    const name = meta?.['name'];
    const namespace = meta?.['namespace'] ?? 'default';
    if (typeof name !== 'string' || name === '') bad.push(`${at}.metadata.name`);
    if (typeof namespace !== 'string' || namespace === '') bad.push(`${at}.metadata.namespace`);
    const data = item['data'] ?? {};
    if (!isRecord(data)) {
      bad.push(`${at}.data`);
      return;
    }
    for (const [k, v] of Object.entries(data))
      if (typeof v !== 'string') bad.push(`${at}.data.${k.slice(0, 64)}`);
    if (typeof name !== 'string' || typeof namespace !== 'string') return;
    const key = keyOf(namespace, name);
    if (out.has(key)) bad.push(`${at} (a second ConfigMap ${namespace}/${name})`);
    // fromEntries defines own properties: a key named "__proto__" stays data, never a prototype.
    out.set(
      key,
      Object.fromEntries(Object.entries(data).filter((e): e is [string, string] => typeof e[1] === 'string')),
    );
  };
  for (const doc of parseYamlDocuments(input, what, limits)) {
    const v = doc.value;
    const at = `document ${doc.index + 1}`;
    if (isRecord(v) && (v['kind'] === 'List' || v['kind'] === 'ConfigMapList')) {
      if (!Array.isArray(v['items'])) bad.push(`${at}.items`);
      else for (const [i, item] of v['items'].entries()) add(item, `${at}.items[${i}]`);
    } else add(v, at);
  }
  if (bad.length > 0) {
    throw new VouchError('INPUT_MALFORMED', `${what}: invalid ${bad.slice(0, 10).join(', ')}`, {
      fields: bad,
      hint: 'use `kubectl get configmap -o yaml` output, or ConfigMap documents with metadata.name and string data',
    });
  }
  return out;
}

/** A parsed `--config-maps` file as the engine's synchronous lookup (`policy test`). */
export function configMapLookup(set: ConfigMapSet): ConfigMapLookup {
  return (namespace, name) => set.get(keyOf(namespace, name));
}

/** Where the webhook reads ConfigMaps: data, or undefined when the ConfigMap does not exist. */
export type ConfigMapSource = (
  namespace: string,
  name: string,
) => Promise<Readonly<Record<string, string>> | undefined>;

/** ConfigMaps from a parsed `--config-maps` file (`admission serve` offline). */
export function configMapsFromSet(set: ConfigMapSet): ConfigMapSource {
  return async (namespace, name) => set.get(keyOf(namespace, name));
}

/**
 * ConfigMaps from the Kubernetes API, each cached for `ttlMs` with concurrent reads coalesced. The TTL
 * bounds how long a changed ConfigMap (a rotated key) goes unnoticed: verdicts key on the data read
 * (see `readConfigMaps`), so a change starts new verdicts as soon as it is read. A ConfigMap the API
 * server does not know is undefined (the rule then fails closed); any other failure propagates and
 * becomes an explicit deny or warning.
 * @throws AUTH_FAILED, KUBE_API_ERROR, TIMEOUT, INPUT_MALFORMED from the client
 */
export function configMapsFromKube(
  client: Pick<KubeClient, 'configMapData'>,
  opts: { ttlMs: number; now: () => number; maxEntries?: number },
): ConfigMapSource {
  // Wrapped, so "not found" is a cached value like any other answer.
  const cache = new VerdictCache<{ readonly data: Readonly<Record<string, string>> | undefined }>({
    maxEntries: opts.maxEntries ?? 10_000,
    successTtlMs: opts.ttlMs,
    failureTtlMs: opts.ttlMs,
    isSuccess: () => true,
    now: opts.now,
  });
  return async (namespace, name) => {
    const got = await cache.get(keyOf(namespace, name), async () => {
      try {
        return { data: await client.configMapData(namespace, name) };
      } catch (e) {
        if (isVouchError(e) && e.code === 'NOT_FOUND') return { data: undefined };
        throw e;
      }
    });
    return got.data;
  };
}

/** ConfigMaps read for one decision: the engine's lookup, and a digest of exactly what was read. */
export interface ConfigMapSnapshot {
  readonly lookup: ConfigMapLookup;
  /** sha256 over the refs and their data (or absence), in ref order: a verdict cache key part. */
  readonly fingerprint: string;
}

/**
 * Reads `refs` (in parallel) from a source into a snapshot. Without a source every ConfigMap is absent.
 * @throws whatever the source throws
 */
export async function readConfigMaps(
  refs: readonly ConfigMapRef[],
  source: ConfigMapSource | undefined,
): Promise<ConfigMapSnapshot> {
  const got = await Promise.all(
    refs.map(async (r) => [r, source ? await source(r.namespace, r.name) : undefined] as const),
  );
  const set = new Map<string, Readonly<Record<string, string>>>();
  const hash = createHash('sha256');
  for (const [r, data] of got) {
    if (data !== undefined) set.set(keyOf(r.namespace, r.name), data);
    const sorted =
      data === undefined ? null : Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    hash.update(`${JSON.stringify([r.namespace, r.name, sorted])}\n`);
  }
  return { lookup: configMapLookup(set), fingerprint: hash.digest('hex') };
}
