/**
 * The parts of a pod (metadata annotations + PodSpec) that Pod Security Standards read, taken from
 * decoded YAML/JSON with the path of every field so a finding can point at it. Fields are read with the
 * meaning Go's decoder gives them in pod-security-admission: absent and `null` are both "unset", and a
 * field of the wrong type makes the pod unevaluable (the API server would refuse it; vouch reports "not
 * evaluated" rather than guessing a verdict).
 */

/** Keys and sequence indexes from the object's root to a field. */
export type FieldPath = ReadonlyArray<string | number>;

export interface CapabilitiesView {
  readonly path: FieldPath;
  readonly add: readonly string[];
  readonly drop: readonly string[];
}

export interface TypedProfileView {
  readonly path: FieldPath;
  /** "" when the type is unset, as Go's zero value. */
  readonly type: string;
}

export interface SeLinuxView {
  readonly path: FieldPath;
  readonly type: string;
  readonly user: string;
  readonly role: string;
}

/** Fields of a container or pod securityContext; which exist depends on the level (pod or container). */
export interface SecurityContextView {
  readonly path: FieldPath;
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly procMount?: string;
  readonly capabilities?: CapabilitiesView;
  readonly seLinuxOptions?: SeLinuxView;
  readonly seccompProfile?: TypedProfileView;
  readonly appArmorProfile?: TypedProfileView;
  readonly hostProcess?: boolean;
  /** Pod level only. */
  readonly sysctls: readonly { readonly name: string; readonly path: FieldPath }[];
}

export interface ContainerView {
  readonly name: string;
  readonly path: FieldPath;
  readonly securityContext?: SecurityContextView;
  readonly hostPorts: readonly { readonly port: number; readonly path: FieldPath }[];
  /** Non-empty `host` of httpGet/tcpSocket in probes and lifecycle handlers. */
  readonly probeHosts: readonly { readonly host: string; readonly path: FieldPath }[];
}

export interface VolumeView {
  readonly name: string;
  readonly path: FieldPath;
  /** The volume source keys that are set (after the API server's default of emptyDir). */
  readonly sources: readonly string[];
}

export interface PodView {
  /** Where `metadata` and `spec` of the pod (template) are, from the object's root. */
  readonly metadataPath: FieldPath;
  readonly specPath: FieldPath;
  readonly annotations: ReadonlyMap<string, string>;
  readonly hostNetwork: boolean;
  readonly hostPID: boolean;
  readonly hostIPC: boolean;
  readonly hostUsers?: boolean;
  readonly osName?: string;
  readonly securityContext?: SecurityContextView;
  readonly volumes: readonly VolumeView[];
  /** initContainers, then containers, then ephemeralContainers: pod-security-admission's visit order. */
  readonly containers: readonly ContainerView[];
}

/** A field of the wrong type, with where. */
export interface FieldTypeError {
  readonly path: FieldPath;
  readonly message: string;
}

export type PodViewResult =
  | { readonly ok: true; readonly pod: PodView }
  | { readonly ok: false; readonly errors: readonly FieldTypeError[] };

/** Every inline volume source of core/v1 VolumeSource, by its JSON name. */
export const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
] as const;
const SOURCE_SET: ReadonlySet<string> = new Set(VOLUME_SOURCES);

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else out += out === '' ? step : `.${step}`;
  }
  return out;
}

/** Reads typed fields, collecting every type error instead of stopping at the first. */
class FieldReader {
  readonly errors: FieldTypeError[] = [];

  private bad(path: FieldPath, expected: string, got: unknown): undefined {
    const kind = Array.isArray(got)
      ? 'a list'
      : got === null
        ? 'null'
        : typeof got === 'object'
          ? 'a map'
          : `a ${typeof got}`;
    this.errors.push({ path, message: `${formatPath(path)}: expected ${expected}, found ${kind}` });
    return undefined;
  }

  obj(parent: Obj, key: string, path: FieldPath): Obj | undefined {
    const v = parent[key];
    if (v === undefined || v === null) return undefined;
    return isObj(v) ? v : this.bad([...path, key], 'a map', v);
  }

  list(parent: Obj, key: string, path: FieldPath): readonly unknown[] {
    const v = parent[key];
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : (this.bad([...path, key], 'a list', v) ?? []);
  }

  bool(parent: Obj, key: string, path: FieldPath): boolean | undefined {
    const v = parent[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'boolean' ? v : this.bad([...path, key], 'true or false', v);
  }

  int(parent: Obj, key: string, path: FieldPath): number | undefined {
    const v = parent[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'number' && Number.isInteger(v) ? v : this.bad([...path, key], 'an integer', v);
  }

  str(parent: Obj, key: string, path: FieldPath): string | undefined {
    const v = parent[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : this.bad([...path, key], 'a string', v);
  }

  strings(parent: Obj, key: string, path: FieldPath): string[] {
    const out: string[] = [];
    for (const [i, v] of this.list(parent, key, path).entries()) {
      if (typeof v === 'string') out.push(v);
      else this.bad([...path, key, i], 'a string', v);
    }
    return out;
  }

  entry(item: unknown, path: FieldPath): Obj | undefined {
    if (isObj(item)) return item;
    return this.bad(path, 'a map', item);
  }
}

function readSecurityContext(r: FieldReader, sc: Obj, path: FieldPath): SecurityContextView {
  const caps = r.obj(sc, 'capabilities', path);
  const capsPath = [...path, 'capabilities'];
  const selinux = r.obj(sc, 'seLinuxOptions', path);
  const selinuxPath = [...path, 'seLinuxOptions'];
  const seccomp = r.obj(sc, 'seccompProfile', path);
  const seccompPath = [...path, 'seccompProfile'];
  const apparmor = r.obj(sc, 'appArmorProfile', path);
  const apparmorPath = [...path, 'appArmorProfile'];
  const windows = r.obj(sc, 'windowsOptions', path);
  const sysctls: { name: string; path: FieldPath }[] = [];
  for (const [i, item] of r.list(sc, 'sysctls', path).entries()) {
    const p = [...path, 'sysctls', i];
    const s = r.entry(item, p);
    if (s) sysctls.push({ name: r.str(s, 'name', p) ?? '', path: [...p, 'name'] });
  }
  return {
    path,
    privileged: r.bool(sc, 'privileged', path),
    allowPrivilegeEscalation: r.bool(sc, 'allowPrivilegeEscalation', path),
    runAsNonRoot: r.bool(sc, 'runAsNonRoot', path),
    runAsUser: r.int(sc, 'runAsUser', path),
    procMount: r.str(sc, 'procMount', path),
    capabilities: caps
      ? { path: capsPath, add: r.strings(caps, 'add', capsPath), drop: r.strings(caps, 'drop', capsPath) }
      : undefined,
    seLinuxOptions: selinux
      ? {
          path: selinuxPath,
          type: r.str(selinux, 'type', selinuxPath) ?? '',
          user: r.str(selinux, 'user', selinuxPath) ?? '',
          role: r.str(selinux, 'role', selinuxPath) ?? '',
        }
      : undefined,
    seccompProfile: seccomp
      ? { path: seccompPath, type: r.str(seccomp, 'type', seccompPath) ?? '' }
      : undefined,
    appArmorProfile: apparmor
      ? { path: apparmorPath, type: r.str(apparmor, 'type', apparmorPath) ?? '' }
      : undefined,
    hostProcess: windows ? r.bool(windows, 'hostProcess', [...path, 'windowsOptions']) : undefined,
    sysctls,
  };
}

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const HANDLERS = ['postStart', 'preStop'] as const;

function readHosts(r: FieldReader, handler: Obj, path: FieldPath, out: { host: string; path: FieldPath }[]) {
  for (const kind of ['httpGet', 'tcpSocket'] as const) {
    const h = r.obj(handler, kind, path);
    if (!h) continue;
    const host = r.str(h, 'host', [...path, kind]);
    if (host) out.push({ host, path: [...path, kind, 'host'] });
  }
}

function readContainer(r: FieldReader, c: Obj, path: FieldPath): ContainerView {
  const sc = r.obj(c, 'securityContext', path);
  const hostPorts: { port: number; path: FieldPath }[] = [];
  for (const [i, item] of r.list(c, 'ports', path).entries()) {
    const p = [...path, 'ports', i];
    const port = r.entry(item, p);
    const hp = port ? r.int(port, 'hostPort', p) : undefined;
    if (hp !== undefined && hp !== 0) hostPorts.push({ port: hp, path: [...p, 'hostPort'] });
  }
  const probeHosts: { host: string; path: FieldPath }[] = [];
  for (const probe of PROBES) {
    const pr = r.obj(c, probe, path);
    if (pr) readHosts(r, pr, [...path, probe], probeHosts);
  }
  const lifecycle = r.obj(c, 'lifecycle', path);
  if (lifecycle) {
    for (const h of HANDLERS) {
      const handler = r.obj(lifecycle, h, [...path, 'lifecycle']);
      if (handler) readHosts(r, handler, [...path, 'lifecycle', h], probeHosts);
    }
  }
  return {
    name: r.str(c, 'name', path) ?? '',
    path,
    securityContext: sc ? readSecurityContext(r, sc, [...path, 'securityContext']) : undefined,
    hostPorts,
    probeHosts,
  };
}

function readVolume(r: FieldReader, v: Obj, path: FieldPath): VolumeView {
  const sources: string[] = [];
  let unknownKey = false;
  for (const [key, value] of Object.entries(v)) {
    if (key === 'name') continue;
    if (SOURCE_SET.has(key)) {
      if (value !== null && value !== undefined) sources.push(key);
    } else unknownKey = true;
  }
  // The API server defaults a volume without a source to emptyDir (SetDefaults_Volume); a key it does not
  // know is not silently dropped here, it makes the volume "unknown" as pod-security-admission's default
  // case would.
  if (sources.length === 0) sources.push(unknownKey ? 'unknown' : 'emptyDir');
  return { name: r.str(v, 'name', path) ?? '', path, sources };
}

/**
 * Reads a pod's metadata and spec at the given paths of a decoded object.
 * Returns every wrongly typed field instead of a view when there is one.
 */
export function readPodView(
  metadata: unknown,
  spec: unknown,
  metadataPath: FieldPath,
  specPath: FieldPath,
): PodViewResult {
  const r = new FieldReader();
  if (!isObj(spec)) {
    return {
      ok: false,
      errors: [{ path: specPath, message: `${formatPath(specPath) || 'spec'}: no pod spec` }],
    };
  }
  const annotations = new Map<string, string>();
  if (metadata !== undefined && metadata !== null) {
    const meta = r.entry(metadata, metadataPath);
    const ann = meta ? r.obj(meta, 'annotations', metadataPath) : undefined;
    for (const k of Object.keys(ann ?? {})) {
      const v = ann ? r.str(ann, k, [...metadataPath, 'annotations']) : undefined;
      if (v !== undefined) annotations.set(k, v);
    }
  }
  const containers: ContainerView[] = [];
  for (const key of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    for (const [i, item] of r.list(spec, key, specPath).entries()) {
      const p = [...specPath, key, i];
      const c = r.entry(item, p);
      if (c) containers.push(readContainer(r, c, p));
    }
  }
  const volumes: VolumeView[] = [];
  for (const [i, item] of r.list(spec, 'volumes', specPath).entries()) {
    const p = [...specPath, 'volumes', i];
    const v = r.entry(item, p);
    if (v) volumes.push(readVolume(r, v, p));
  }
  const sc = r.obj(spec, 'securityContext', specPath);
  const os = r.obj(spec, 'os', specPath);
  const pod: PodView = {
    metadataPath,
    specPath,
    annotations,
    hostNetwork: r.bool(spec, 'hostNetwork', specPath) ?? false,
    hostPID: r.bool(spec, 'hostPID', specPath) ?? false,
    hostIPC: r.bool(spec, 'hostIPC', specPath) ?? false,
    hostUsers: r.bool(spec, 'hostUsers', specPath),
    osName: os ? r.str(os, 'name', [...specPath, 'os']) : undefined,
    securityContext: sc ? readSecurityContext(r, sc, [...specPath, 'securityContext']) : undefined,
    volumes,
    containers,
  };
  return r.errors.length > 0 ? { ok: false, errors: r.errors } : { ok: true, pod };
}
