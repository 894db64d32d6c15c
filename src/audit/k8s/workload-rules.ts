/**
 * Rules on the containers of pods and pod templates beyond Pod Security Standards: image provenance
 * (tags instead of digests, `latest`, registries outside an allowlist), a writable root filesystem,
 * host mounts of the container runtime's socket, and runtime isolation (`runtimeClassName`) for
 * workloads marked sensitive. Ids follow kube-linter where it has the check (latest-tag,
 * no-read-only-root-fs).
 */
import type { Finding, InputProblem, RuleInfo } from '../finding.js';
import { parseReference } from '../../oci/index.js';
import { apiGroup, isObj, type KubeObject, type Obj, objectFinding, positionOf, valueAt } from './objects.js';
import type { FieldPath } from './pss/pod-view.js';
import { podTemplatePath } from './pss-audit.js';

export const WORKLOAD_RULES: readonly RuleInfo[] = [
  { id: 'latest-tag', severity: 'medium', summary: 'an image uses the latest tag, or no tag at all' },
  {
    id: 'image-not-digest',
    severity: 'medium',
    summary: 'an image is referenced by tag, not by digest: the registry decides what runs',
  },
  {
    id: 'registry-not-allowed',
    severity: 'high',
    summary: 'an image comes from a registry outside --allowed-registries',
  },
  {
    id: 'no-read-only-root-fs',
    severity: 'low',
    summary: 'a container does not set securityContext.readOnlyRootFilesystem: true',
  },
  {
    id: 'runtime-socket-mount',
    severity: 'critical',
    summary: 'a hostPath volume exposes the container runtime socket (docker, containerd, CRI-O)',
  },
  {
    id: 'runtime-class-required',
    severity: 'high',
    summary: 'a workload matching --sensitive runs without a runtimeClassName (no sandbox such as kata)',
  },
  {
    id: 'runtime-class-missing',
    severity: 'medium',
    summary: 'a workload names a RuntimeClass the manifests do not define',
  },
];

/** Runtime sockets and the directories that hold them; a hostPath on any of these reaches the runtime. */
const RUNTIME_SOCKETS = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/var/run/containerd/containerd.sock',
  '/run/containerd/containerd.sock',
  '/var/run/crio/crio.sock',
  '/run/crio/crio.sock',
  '/var/run/cri-dockerd.sock',
  '/run/cri-dockerd.sock',
  '/var/run/dockershim.sock',
];

export function exposesRuntimeSocket(hostPath: string): string | undefined {
  const p = hostPath.replace(/\/+$/, '') || '/';
  return RUNTIME_SOCKETS.find((s) => s === p || s.startsWith(p === '/' ? '/' : `${p}/`));
}

export interface WorkloadRuleOptions {
  /** Registry prefixes (`ghcr.io/acme/`, `registry.example.com`); unset: no allowlist. */
  readonly allowedRegistries?: readonly string[];
  /** Label selector of workloads that must run in a sandboxed RuntimeClass. */
  readonly sensitive?: LabelSelector;
}

/** `k=v`, `k!=v`, `k` (exists) terms, all of which must hold, as `kubectl -l`. */
export type LabelSelector = readonly {
  readonly key: string;
  readonly op: '=' | '!=' | 'exists';
  readonly value?: string;
}[];

/** Parses `app=db,tier!=web,sensitive`. Returns undefined for a term it cannot read. */
export function parseLabelSelector(text: string): LabelSelector | undefined {
  const out: { key: string; op: '=' | '!=' | 'exists'; value?: string }[] = [];
  for (const raw of text.split(',')) {
    const term = raw.trim();
    if (term === '') return undefined;
    const m = /^([A-Za-z0-9./_-]+)\s*(!=|==|=)\s*([A-Za-z0-9._-]*)$/.exec(term);
    if (m?.[1] && m[2]) out.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3] ?? '' });
    else if (/^[A-Za-z0-9./_-]+$/.test(term)) out.push({ key: term, op: 'exists' });
    else return undefined;
  }
  return out;
}

function matches(sel: LabelSelector, labels: ReadonlyMap<string, string>): boolean {
  return sel.every((t) =>
    t.op === 'exists'
      ? labels.has(t.key)
      : t.op === '='
        ? labels.get(t.key) === t.value
        : labels.get(t.key) !== t.value,
  );
}

function labels(meta: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const l = isObj(meta) && isObj(meta.labels) ? meta.labels : {};
  for (const [k, v] of Object.entries(l)) if (typeof v === 'string') out.set(k, v);
  return out;
}

/** `ghcr.io/acme` allows ghcr.io/acme/*; `ghcr.io` allows all of ghcr.io; names are normalised first. */
function registryAllowed(registry: string, repository: string, allowed: readonly string[]): boolean {
  const full = `${registry}/${repository}`;
  return allowed.some((a) => {
    const prefix = a.replace(/\/+$/, '');
    return registry === prefix || full === prefix || full.startsWith(`${prefix}/`);
  });
}

export interface WorkloadAuditResult {
  readonly findings: Finding[];
  readonly problems: InputProblem[];
  /** Service accounts pods run as, for the RBAC view. */
  readonly podServiceAccounts: { namespace: string; name: string }[];
}

/** Runs the workload rules on every object with a pod. */
export function auditWorkloads(
  objects: readonly KubeObject[],
  opts: WorkloadRuleOptions,
): WorkloadAuditResult {
  const findings: Finding[] = [];
  const problems: InputProblem[] = [];
  const podServiceAccounts: { namespace: string; name: string }[] = [];
  const runtimeClasses = new Set(objects.filter((o) => o.ref.kind === 'RuntimeClass').map((o) => o.ref.name));
  for (const o of objects) {
    const template = podTemplatePath(apiGroup(o.ref.apiVersion), o.ref.kind);
    if (!template) continue;
    const spec = valueAt(o.value, [...template, 'spec']);
    if (!isObj(spec)) continue; // reported as not evaluated by the Pod Security Standards pass
    const specPath = [...template, 'spec'];
    const add = (rule: string, severity: Finding['severity'], field: FieldPath, message: string) =>
      findings.push(objectFinding(o, rule, severity, field, message));
    const sa =
      (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName) ||
      (typeof spec.serviceAccount === 'string' && spec.serviceAccount) ||
      'default';
    podServiceAccounts.push({ namespace: o.ref.namespace ?? 'default', name: sa });
    for (const key of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
      const list = Array.isArray(spec[key]) ? spec[key] : [];
      for (const [i, c] of list.entries()) {
        if (!isObj(c)) continue;
        const cPath = [...specPath, key, i];
        const name = typeof c.name === 'string' ? c.name : `${key}[${i}]`;
        checkImage(c, cPath, name, opts, add, (message) => {
          const pos = positionOf(o, [...cPath, 'image']);
          problems.push({
            file: o.file,
            line: pos.line,
            column: pos.column,
            code: 'REFERENCE_INVALID',
            message,
          });
        });
        if (key !== 'ephemeralContainers') {
          const ro = valueAt(c, ['securityContext', 'readOnlyRootFilesystem']);
          if (ro !== true)
            add(
              'no-read-only-root-fs',
              'low',
              [...cPath, 'securityContext', 'readOnlyRootFilesystem'],
              `container "${name}" does not set securityContext.readOnlyRootFilesystem: true`,
            );
        }
      }
    }
    const volumes = Array.isArray(spec.volumes) ? spec.volumes : [];
    for (const [i, v] of volumes.entries()) {
      const path = valueAt(v, ['hostPath', 'path']);
      if (typeof path !== 'string') continue;
      const socket = exposesRuntimeSocket(path);
      if (socket)
        add(
          'runtime-socket-mount',
          'critical',
          [...specPath, 'volumes', i, 'hostPath', 'path'],
          `volume "${String(valueAt(v, ['name']) ?? i)}" mounts ${path} from the host, which exposes ${socket}: control of every container on the node`,
        );
    }
    const runtimeClass = typeof spec.runtimeClassName === 'string' ? spec.runtimeClassName : undefined;
    if (opts.sensitive) {
      const podLabels = labels(valueAt(o.value, [...template, 'metadata']));
      const objLabels = labels(o.value.metadata);
      const sensitive = matches(opts.sensitive, podLabels) || matches(opts.sensitive, objLabels);
      if (sensitive && !runtimeClass)
        add(
          'runtime-class-required',
          'high',
          [...specPath, 'runtimeClassName'],
          `${o.ref.kind} ${o.ref.name} matches --sensitive but sets no runtimeClassName: it shares the node's kernel instead of running in a sandbox (e.g. kata)`,
        );
    }
    if (runtimeClass && !runtimeClasses.has(runtimeClass))
      add(
        'runtime-class-missing',
        'medium',
        [...specPath, 'runtimeClassName'],
        `RuntimeClass "${runtimeClass}" is not defined in these manifests; the pod will not start unless the cluster has it`,
      );
  }
  return { findings, problems, podServiceAccounts };
}

function checkImage(
  c: Obj,
  cPath: FieldPath,
  name: string,
  opts: WorkloadRuleOptions,
  add: (rule: string, severity: Finding['severity'], field: FieldPath, message: string) => void,
  invalid: (message: string) => void,
): void {
  const image = c.image;
  if (typeof image !== 'string' || image === '') {
    invalid(`container "${name}" has no image; not evaluated`);
    return;
  }
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(image);
  } catch (e) {
    invalid(`container "${name}": ${(e as Error).message}; not evaluated`);
    return;
  }
  const field = [...cPath, 'image'];
  if (!ref.digest) {
    if (!ref.tag || ref.tag === 'latest')
      add(
        'latest-tag',
        'medium',
        field,
        `container "${name}" runs ${image}${ref.tag ? '' : ' (no tag: latest)'}: whatever was pushed last`,
      );
    add(
      'image-not-digest',
      'medium',
      field,
      `container "${name}" runs ${image} by tag; pin it by digest (@sha256:…) so the image that was reviewed is the one that runs`,
    );
  }
  if (opts.allowedRegistries && !registryAllowed(ref.registry, ref.repository, opts.allowedRegistries))
    add(
      'registry-not-allowed',
      'high',
      field,
      `container "${name}" runs ${image} from ${ref.registry}/${ref.repository}, outside the allowed registries (${opts.allowedRegistries.join(', ')})`,
    );
}
