import { join, resolve as resolvePath } from 'node:path';
import { type ConfigMapSet, configMapsFromSet, parseConfigMaps } from '../../admission/index.js';
import { VouchError } from '../../errors.js';
import { defaultLimits } from '../../limits.js';
import type { ImageReader } from '../../oci/index.js';
import { openOciLayout } from '../../oci/index.js';
import { LayoutRepository } from '../../oci/index.js';
import { parseReference, type Reference, registryClientFromEnv } from '../../oci/index.js';
import { resolveExternalPolicies } from '../../evidence/index.js';
import {
  type AuthorityRequirement,
  type CueEngine,
  cueSubset,
  type Evidence,
  type EvidenceCollector,
  type ImageIdentity,
  type ImageUnderReview,
  loadPolicies,
  mergePolicySets,
  objectImages,
  type PolicySet,
  parseYamlDocuments,
  type ResourceContext,
  resourceContext,
  settle,
} from '../../policy/index.js';
import { PEM_MAX_BYTES, readSmallFile } from '../../sign/index.js';
import type { CommandContext } from '../context.js';
import { debugLog } from '../image-options.js';

/**
 * Reads and merges every `-f` policy file; a schema error in any file refuses the run.
 * @throws POLICY_INVALID, FILE_NOT_FOUND, INPUT_TOO_LARGE, INPUT_MALFORMED, IO_ERROR
 */
export async function readPolicyFiles(
  ctx: CommandContext,
  files: readonly string[],
  cue?: { readonly engine: CueEngine; readonly answer?: () => Promise<boolean> },
  configMaps?: ConfigMapSet,
): Promise<PolicySet> {
  if (files.length === 0)
    throw new VouchError('USAGE', 'no policy file given', { hint: 'pass -f policy.yaml' });
  const texts = await Promise.all(
    files.map(async (f) => ({
      f,
      text: await readSmallFile(f, ctx.io.cwd, defaultLimits.yamlMaxBytes, 'policy file'),
    })),
  );
  // Loading is pure; CUE beyond the built-in subset is compiled by real CUE between two passes.
  const opts = cue ? { cue: cue.engine } : {};
  const set = await settle(
    () => mergePolicySets(texts.map(({ f, text }) => loadPolicies(text, f, opts))),
    cue?.answer,
  );
  // policy.remote (fetched, pinned by sha256sum) and configMapRef (from --config-maps) are inlined now,
  // as policy-controller's reconciler inlines them.
  return resolveExternalPolicies(set, cue ?? { engine: cueSubset }, {
    ...(configMaps ? { configMaps: configMapsFromSet(configMaps) } : {}),
  });
}

/**
 * One policy file's text, whole, capped at the YAML limit.
 * @throws FILE_NOT_FOUND, INPUT_TOO_LARGE, IO_ERROR
 */
export async function readPolicyText(ctx: CommandContext, file: string): Promise<string> {
  return (await readSmallFile(file, ctx.io.cwd, defaultLimits.yamlMaxBytes, 'policy file')).toString('utf8');
}

/**
 * `k=v,k2=v2` (repeatable) as a label map.
 * @throws USAGE
 */
export function parseLabels(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of values.flatMap((v) => v.split(','))) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new VouchError('USAGE', `--namespace-labels ${part}: expected key=value`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/**
 * The workload of `--resource`: one Kubernetes object, its images and its policy context. With
 * `policies`, a kind their Kyverno imageExtractors name has the images those find (any kind).
 * @throws USAGE (several documents), INPUT_MALFORMED, UNSUPPORTED, FILE_NOT_FOUND, INPUT_TOO_LARGE
 */
export async function readResource(
  ctx: CommandContext,
  file: string,
  opts: { namespace?: string; namespaceLabels: Record<string, string>; policies?: PolicySet },
): Promise<{ images: ImageUnderReview[]; resource: ResourceContext }> {
  const bytes = await readSmallFile(file, ctx.io.cwd, defaultLimits.yamlMaxBytes, 'resource');
  const docs = parseYamlDocuments(bytes, file).filter((d) => d.value !== null && d.value !== undefined);
  const [doc, ...more] = docs;
  if (doc === undefined || more.length > 0) {
    throw new VouchError('USAGE', `${file}: expected exactly one Kubernetes object, found ${docs.length}`, {
      hint: 'split the file; policy test judges one workload at a time',
    });
  }
  const value: unknown = doc.value;
  const kind =
    typeof value === 'object' && value !== null && 'kind' in value && typeof value.kind === 'string'
      ? value.kind
      : '';
  const set: PolicySet = opts.policies ?? { cips: [], kyverno: [], trustRoots: [] };
  const images = objectImages(set, kind, value, { strict: true }).map((w) => ({
    ref: w.image,
    container: w.container,
    pointer: w.pointer,
  }));
  const resource = resourceContext(doc.value, {
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
    namespaceLabels: opts.namespaceLabels,
  });
  return { images, resource };
}

/**
 * Opens the store that holds a repository: with `--oci-dir`, a layout (one holding `repo:tag` names
 * for several repositories, as an air-gapped mirror does, or plain tags for one); else the registry.
 * @throws FILE_NOT_FOUND, INPUT_MALFORMED for an unreadable layout
 */
export async function repositoryOpener(
  ctx: CommandContext,
  opts: { ociDir?: string; insecureRegistries: readonly string[]; now: Date },
): Promise<(ref: Pick<Reference, 'registry' | 'repository'>) => ImageReader> {
  if (opts.ociDir !== undefined) {
    const layout = await openOciLayout(resolvePath(ctx.io.cwd, opts.ociDir));
    const multi = (await layout.listTags()).some((t) => t.includes(':'));
    return (ref) => {
      const name = `${ref.registry}/${ref.repository}`;
      return new MirroredRepository(multi ? new LayoutRepository(layout, name) : layout, name);
    };
  }
  const env = ctx.io.env;
  const log = debugLog(ctx);
  const dockerConfigDir = env['DOCKER_CONFIG'] ?? (env['HOME'] ? join(env['HOME'], '.docker') : undefined);
  const client = registryClientFromEnv({
    // Credentials as every image command finds them (image-options.ts openContext).
    ...(dockerConfigDir ? { dockerConfigDir } : {}),
    env,
    insecureRegistries: opts.insecureRegistries,
    now: () => opts.now,
    ...(log ? { debug: log } : {}),
  });
  return (ref) => client.repository(ref);
}

/**
 * A layout standing in for a registry repository, as `--oci-dir` asks: reads go to the layout, and
 * what is read reports the repository it stands for, so a policy's "signatures live in the image's
 * repository" check judges the mirror as the repository it mirrors.
 */
class MirroredRepository implements ImageReader {
  constructor(
    private readonly store: ImageReader,
    readonly location: string,
  ) {}
  fetchManifest(selector: string): ReturnType<ImageReader['fetchManifest']> {
    return this.store.fetchManifest(selector);
  }
  resolve(selector: string): ReturnType<ImageReader['resolve']> {
    return this.store.resolve(selector);
  }
  fetchBlob(desc: Parameters<ImageReader['fetchBlob']>[0]): ReturnType<ImageReader['fetchBlob']> {
    return this.store.fetchBlob(desc);
  }
  fetchBlobBytes(desc: Parameters<ImageReader['fetchBlobBytes']>[0], maxBytes?: number): Promise<Buffer> {
    return this.store.fetchBlobBytes(desc, maxBytes);
  }
  listTags(): Promise<string[]> {
    return this.store.listTags();
  }
  referrers(
    subject: Parameters<ImageReader['referrers']>[0],
    artifactType?: string,
  ): ReturnType<ImageReader['referrers']> {
    return this.store.referrers(subject, artifactType);
  }
}

/** Registry hosts a run may read from: the images' and the policies' signature repositories. */
export function registriesOf(refs: readonly string[], extraRepositories: readonly string[]): string[] {
  const hosts = new Set<string>();
  for (const r of [...refs, ...extraRepositories]) {
    try {
      hosts.add(parseReference(r).registry);
    } catch {
      // An unparseable name cannot be read from at all; evaluation reports it.
    }
  }
  return [...hosts];
}

/**
 * Gives policies' key references (`k8s://ns/secret`, `awskms://…`) a public key from `--key-ref
 * ref=file`, so they can be verified offline; other requirements pass through untouched.
 */
export class KeyRefCollector implements EvidenceCollector {
  constructor(
    private readonly inner: EvidenceCollector,
    private readonly keys: ReadonlyMap<string, string>,
  ) {}

  collect(image: ImageIdentity, req: AuthorityRequirement): Promise<Evidence> {
    if (req.kind === 'key' && req.publicKeyPem === undefined && req.keyRef !== undefined) {
      const pem = this.keys.get(req.keyRef);
      if (pem !== undefined) return this.inner.collect(image, { ...req, publicKeyPem: pem });
    }
    return this.inner.collect(image, req);
  }
}

/**
 * `--key-ref ref=file` values read into a map of reference to PEM.
 * @throws USAGE, FILE_NOT_FOUND, INPUT_TOO_LARGE
 */
export async function readKeyRefs(
  ctx: CommandContext,
  values: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    if (eq <= 0 || eq === v.length - 1) {
      throw new VouchError('USAGE', `--key-ref ${v}: expected <reference>=<public key file>`, {
        hint: 'e.g. --key-ref k8s://cosign-system/signing-key=cosign.pub',
      });
    }
    const pem = await readSmallFile(
      v.slice(eq + 1),
      ctx.io.cwd,
      PEM_MAX_BYTES,
      `--key-ref ${v.slice(0, eq)}`,
    );
    out.set(v.slice(0, eq), pem.toString('utf8'));
  }
  return out;
}

/**
 * A `--config-maps` file (`kubectl get configmap -o yaml`, or ConfigMap documents), capped at the YAML
 * limit before it is parsed.
 * @throws FILE_NOT_FOUND, INPUT_TOO_LARGE, INPUT_MALFORMED, IO_ERROR
 */
export async function readConfigMapsFile(ctx: CommandContext, file: string): Promise<ConfigMapSet> {
  const bytes = await readSmallFile(file, ctx.io.cwd, defaultLimits.yamlMaxBytes, '--config-maps');
  return parseConfigMaps(bytes, file);
}
