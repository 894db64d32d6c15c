import { parse as parseYaml } from 'yaml';
import { VouchError, describeCause, isVouchError } from '../errors.js';
import { defaultLimits } from '../limits.js';
import type { KubeClient } from './kube-client.js';
import { VerdictCache } from './verdict-cache.js';

export type NamespaceLabelMap = ReadonlyMap<string, Readonly<Record<string, string>>>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function labelsOf(v: unknown, where: string, bad: string[]): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) {
    bad.push(where);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string') out[k] = val;
    else bad.push(`${where}.${k}`);
  }
  return out;
}

/**
 * Parses a `--namespaces` file (YAML or JSON): either `kubectl get namespaces -o yaml` output (a List of
 * Namespace objects) or a plain map `{ <namespace>: { <label>: <value> } }`.
 * @throws INPUT_TOO_LARGE over yamlMaxBytes, INPUT_MALFORMED listing each bad field
 */
export function parseNamespaceLabels(text: string, maxBytes = defaultLimits.yamlMaxBytes): NamespaceLabelMap {
  if (Buffer.byteLength(text) > maxBytes) {
    throw new VouchError('INPUT_TOO_LARGE', `namespaces file: more than ${maxBytes} bytes`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: defaultLimits.yamlMaxAliasCount });
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `namespaces file: not YAML or JSON: ${describeCause(e)}`, {
      cause: e,
    });
  }
  const bad: string[] = [];
  const out = new Map<string, Record<string, string>>();
  if (isRecord(doc) && Array.isArray(doc.items)) {
    doc.items.forEach((item: unknown, i) => {
      const meta = isRecord(item) && isRecord(item.metadata) ? item.metadata : undefined;
      if (meta === undefined || typeof meta.name !== 'string') {
        bad.push(`items[${i}].metadata.name`);
        return;
      }
      out.set(meta.name, labelsOf(meta.labels, `items[${i}].metadata.labels`, bad));
    });
  } else if (isRecord(doc)) {
    for (const [ns, labels] of Object.entries(doc)) out.set(ns, labelsOf(labels, ns, bad));
  } else {
    bad.push('(root)');
  }
  if (bad.length > 0) {
    throw new VouchError('INPUT_MALFORMED', `namespaces file: invalid ${bad.slice(0, 10).join(', ')}`, {
      fields: bad,
      hint: 'use `kubectl get namespaces -o yaml` output or a map of namespace -> labels',
    });
  }
  return out;
}

/** A function giving the labels of a namespace, as the webhook's review takes it. */
export type NamespaceLabelSource = (namespace: string) => Promise<Readonly<Record<string, string>>>;

/** Labels from a parsed `--namespaces` file; an unlisted namespace has no labels. */
export function namespaceLabelsFromMap(map: NamespaceLabelMap): NamespaceLabelSource {
  return async (ns) => map.get(ns) ?? {};
}

/**
 * Labels from the Kubernetes API, cached per namespace (labels change rarely; one GET per namespace per
 * TTL instead of one per admission) with concurrent lookups coalesced. A namespace the API server does not
 * know has no labels; any other failure propagates and becomes an explicit deny/warning.
 * @throws AUTH_FAILED, KUBE_API_ERROR, TIMEOUT from the client
 */
export function namespaceLabelsFromKube(
  client: Pick<KubeClient, 'namespaceLabels'>,
  opts: { ttlMs: number; now: () => number; maxEntries?: number },
): NamespaceLabelSource {
  const cache = new VerdictCache<Readonly<Record<string, string>>>({
    maxEntries: opts.maxEntries ?? 10_000,
    successTtlMs: opts.ttlMs,
    failureTtlMs: opts.ttlMs,
    isSuccess: () => true,
    now: opts.now,
  });
  return (ns) =>
    cache.get(ns, async () => {
      try {
        return await client.namespaceLabels(ns);
      } catch (e) {
        if (isVouchError(e) && e.code === 'NOT_FOUND') return {};
        throw e;
      }
    });
}
