/**
 * The edge of `policy.remote`: fetches each remote policy a set names, checks it against its pinned
 * sha256sum, and returns the bodies to inline (see cip/policy-sources.ts). Plain HTTP is accepted, as
 * policy-controller accepts it: the pinned digest, not the transport, is what makes the body trusted.
 */
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { describeCause, VouchError } from '../errors.js';
import {
  checkRemotePolicy,
  configMapPolicyKey,
  configMapPolicyRefs,
  type CueEngine,
  inlineExternalPolicies,
  type PolicySet,
  type RemotePolicyRef,
  remotePolicyRefs,
  settle,
} from '../policy/index.js';

export interface RemoteFetchOptions {
  /** Largest body read. Default 1 MiB (a CUE policy is capped at 64 KiB; Rego can be larger). */
  readonly maxBytes?: number;
  /** Per request, including redirects. Default 10 s. */
  readonly timeoutMs?: number;
  /** Extra trust anchors (PEM) for HTTPS, e.g. a private CA. */
  readonly ca?: string;
  /** Where `configMapRef` policies are read from (a `--config-maps` file, or the API server). */
  readonly configMaps?: (
    namespace: string,
    name: string,
  ) => Promise<Readonly<Record<string, string>> | undefined>;
}

const MAX_REDIRECTS = 5;

/**
 * Fetches and verifies every remote policy of `set`.
 * @returns URL → body, for inlineExternalPolicies
 * @throws POLICY_INVALID naming the policy, the URL and what was wrong (fetch failure, size, digest)
 */
export async function fetchRemotePolicies(
  set: PolicySet,
  opts: RemoteFetchOptions = {},
): Promise<Map<string, string>> {
  const refs = remotePolicyRefs(set);
  const bodies = new Map<string, string>();
  await Promise.all(
    refs.map(async (ref) => {
      const body = await fetchOne(ref, opts);
      const check = checkRemotePolicy(ref, body);
      if (!check.ok) throw new VouchError('POLICY_INVALID', check.message);
      bodies.set(ref.url, Buffer.from(body).toString('utf8'));
    }),
  );
  return bodies;
}

/**
 * The set with its remote policies fetched and verified, and its `configMapRef` policies read, all
 * inlined (a set without any is returned as is).
 * A fetched CUE policy that does not compile refuses the set, as an inline one fails lint.
 * @throws POLICY_INVALID
 */
export async function resolveExternalPolicies(
  set: PolicySet,
  cue: { readonly engine: CueEngine; readonly answer?: () => Promise<boolean> },
  opts: RemoteFetchOptions = {},
): Promise<PolicySet> {
  const cmRefs = configMapPolicyRefs(set);
  if (remotePolicyRefs(set).length === 0 && cmRefs.length === 0) return set;
  const bodies = await fetchRemotePolicies(set, opts);
  await Promise.all(
    cmRefs.map(async (ref) => {
      const what = `${ref.where}: configMapRef ${ref.namespace}/${ref.name}`;
      if (opts.configMaps === undefined)
        throw new VouchError('POLICY_INVALID', `${what}: no ConfigMaps to read it from`, {
          hint: 'pass --config-maps configmaps.yaml, or run in a cluster (--kubeconfig / --in-cluster)',
        });
      const data = await opts.configMaps(ref.namespace, ref.name);
      // policy-controller: "configmap %q does not contain key %s" / NotFound, and the CIP is not loaded.
      if (data === undefined) throw new VouchError('POLICY_INVALID', `${what}: the ConfigMap does not exist`);
      const body = data[ref.key];
      if (body === undefined || body === '')
        throw new VouchError('POLICY_INVALID', `${what}: the ConfigMap has no key "${ref.key}"`);
      bodies.set(configMapPolicyKey(ref), body);
    }),
  );
  const out = await settle(() => inlineExternalPolicies(set, bodies, cue.engine), cue.answer);
  for (const cip of out.cips)
    for (const p of [cip.policy, ...cip.authorities.flatMap((a) => a.attestations.map((x) => x.policy))]) {
      if (p?.source.kind !== 'inline' || p.source.fetchedFrom === undefined) continue;
      if (p.cue && !p.cue.ok && p.cue.kind === 'syntax')
        throw new VouchError(
          'POLICY_INVALID',
          `${cip.name}: ${p.path}: the policy from ${p.source.fetchedFrom} does not compile: ${p.cue.message}`,
        );
    }
  return out;
}

async function fetchOne(ref: RemotePolicyRef, opts: RemoteFetchOptions): Promise<Uint8Array> {
  const maxBytes = opts.maxBytes ?? 1024 * 1024;
  const deadline = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
  let url = ref.url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (e) {
      throw new VouchError('POLICY_INVALID', `${ref.where}: remote policy URL ${url} is not a URL`, {
        cause: e,
      });
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
      throw new VouchError(
        'POLICY_INVALID',
        `${ref.where}: remote policy URL ${url}: only http and https are fetched`,
      );
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req =
        parsed.protocol === 'https:'
          ? httpsGet(parsed, { signal: deadline, ...(opts.ca ? { ca: opts.ca } : {}) }, resolve)
          : httpGet(parsed, { signal: deadline }, resolve);
      req.on('error', reject);
    }).catch((e: unknown) => {
      throw new VouchError(
        'POLICY_INVALID',
        `${ref.where}: fetching remote policy ${url}: ${describeCause(e)}`,
        {
          cause: e,
        },
      );
    });
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      url = new URL(res.headers.location, parsed).href;
      continue;
    }
    if (status < 200 || status > 299) {
      res.resume();
      throw new VouchError('POLICY_INVALID', `${ref.where}: fetching remote policy ${url}: HTTP ${status}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) {
          res.destroy();
          throw new VouchError(
            'POLICY_INVALID',
            `${ref.where}: remote policy ${url} is larger than ${maxBytes} bytes`,
          );
        }
        chunks.push(chunk);
      }
    } catch (e) {
      if (e instanceof VouchError) throw e;
      throw new VouchError(
        'POLICY_INVALID',
        `${ref.where}: reading remote policy ${url}: ${describeCause(e)}`,
        {
          cause: e,
        },
      );
    }
    return Buffer.concat(chunks);
  }
  throw new VouchError(
    'POLICY_INVALID',
    `${ref.where}: remote policy ${ref.url}: more than ${MAX_REDIRECTS} redirects`,
  );
}
