/**
 * The Pod Security Standards checks, one function per versioned check of pod-security-admission
 * (k8s.io/pod-security-admission/policy/check_*.go). The forbidden reasons and details are the ones PSA
 * prints, word for word, including its pluralisation and the order it lists containers in (init
 * containers, containers, ephemeral containers) and values in (sorted, as Go's sets.List does), so a
 * message here reads exactly like the warning `kubectl apply` shows.
 */
import type { ContainerView, FieldPath, PodView, SecurityContextView } from './pod-view.js';

export type CheckOutcome =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      readonly reason: string;
      readonly detail: string;
      /** The offending fields (or, for a missing field, where it should be), first one first. */
      readonly at: readonly FieldPath[];
    };

export type CheckFn = (pod: PodView) => CheckOutcome;

const ALLOWED: CheckOutcome = { allowed: true };

function deny(reason: string, detail: string, at: readonly FieldPath[]): CheckOutcome {
  return { allowed: false, reason, detail, at };
}

/** `"a", "b"` as PSA's joinQuote. */
function joinQuote(items: readonly string[]): string {
  return items.length === 0 ? '' : `"${items.join('", "')}"`;
}

function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

function containers(names: readonly string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}

/** Sorted and deduplicated, as Go's sets.String.List() (byte order). */
function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Go's %q (strconv.Quote) for the annotation values PSA quotes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0x80 && cp < 0xa0) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

const sc = (c: ContainerView): SecurityContextView | undefined => c.securityContext;
const isWindows = (pod: PodView): boolean => pod.osName === 'windows';
/** hostUsers: false runs the pod in a user namespace; some checks relax for it from v1.35. */
const inUserNamespace = (pod: PodView): boolean => pod.hostUsers === false;

// privileged v1.0
export function privileged(pod: PodView): CheckOutcome {
  const bad = pod.containers.filter((c) => sc(c)?.privileged === true);
  if (bad.length === 0) return ALLOWED;
  return deny(
    'privileged',
    `${containers(bad.map((c) => c.name))} must not set securityContext.privileged=true`,
    bad.map((c) => [...c.path, 'securityContext', 'privileged']),
  );
}

// hostNamespaces v1.0
export function hostNamespaces(pod: PodView): CheckOutcome {
  const set: string[] = [];
  const at: FieldPath[] = [];
  for (const [field, on] of [
    ['hostNetwork', pod.hostNetwork],
    ['hostPID', pod.hostPID],
    ['hostIPC', pod.hostIPC],
  ] as const) {
    if (on) {
      set.push(`${field}=true`);
      at.push([...pod.specPath, field]);
    }
  }
  return set.length === 0 ? ALLOWED : deny('host namespaces', set.join(', '), at);
}

// hostPathVolumes v1.0
export function hostPathVolumes(pod: PodView): CheckOutcome {
  const bad = pod.volumes.filter((v) => v.sources.includes('hostPath'));
  if (bad.length === 0) return ALLOWED;
  return deny(
    'hostPath volumes',
    `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad.map((v) => v.name))}`,
    bad.map((v) => [...v.path, 'hostPath']),
  );
}

// hostPorts v1.0
export function hostPorts(pod: PodView): CheckOutcome {
  const bad = pod.containers.filter((c) => c.hostPorts.length > 0);
  if (bad.length === 0) return ALLOWED;
  const ports = sortedSet(bad.flatMap((c) => c.hostPorts.map((p) => String(p.port))));
  return deny(
    'hostPort',
    `${containers(bad.map((c) => c.name))} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', ports.length)} ${ports.join(', ')}`,
    bad.flatMap((c) => c.hostPorts.map((p) => p.path)),
  );
}

// hostProbesAndHostLifecycle v1.34
export function hostProbesAndHostLifecycle(pod: PodView): CheckOutcome {
  const bad = pod.containers.filter((c) => c.probeHosts.length > 0);
  if (bad.length === 0) return ALLOWED;
  const names = sortedSet(bad.map((c) => c.name));
  const hosts = sortedSet(bad.flatMap((c) => c.probeHosts.map((h) => h.host)));
  return deny(
    'probe or lifecycle host',
    `${containers(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', hosts.length)} ${joinQuote(hosts)}`,
    bad.flatMap((c) => c.probeHosts.map((h) => h.path)),
  );
}

// appArmorProfile v1.0
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
export function appArmorProfile(pod: PodView): CheckOutcome {
  const allowedType = (t: string) => t === 'RuntimeDefault' || t === 'Localhost';
  const allowedAnnotation = (v: string) =>
    v.length === 0 || v === 'runtime/default' || v.startsWith('localhost/');
  const setters: string[] = [];
  const values = new Set<string>();
  const at: FieldPath[] = [];
  const podProfile = pod.securityContext?.appArmorProfile;
  if (podProfile && !allowedType(podProfile.type)) {
    setters.push('pod');
    values.add(podProfile.type);
    at.push([...podProfile.path, 'type']);
  }
  const bad: string[] = [];
  for (const c of pod.containers) {
    const p = sc(c)?.appArmorProfile;
    if (p && !allowedType(p.type)) {
      bad.push(c.name);
      values.add(p.type);
      at.push([...p.path, 'type']);
    }
  }
  if (bad.length > 0) setters.push(containers(bad));
  const forbiddenAnnotations: string[] = [];
  for (const [k, v] of pod.annotations) {
    if (k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAnnotation(v)) {
      forbiddenAnnotations.push(`${k}=${goQuote(v)}`);
      at.push([...pod.metadataPath, 'annotations', k]);
    }
  }
  const valueList = sortedSet(values);
  if (forbiddenAnnotations.length > 0) {
    valueList.push(...forbiddenAnnotations.sort());
    setters.push(pluralize('annotation', 'annotations', forbiddenAnnotations.length));
  }
  if (setters.length === 0) return ALLOWED;
  return deny(
    pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', valueList.length),
    `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(valueList)}`,
    at,
  );
}

// capabilities_baseline v1.0
const DEFAULT_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
export function capabilitiesBaseline(pod: PodView): CheckOutcome {
  const bad: string[] = [];
  const caps = new Set<string>();
  const at: FieldPath[] = [];
  for (const c of pod.containers) {
    const capabilities = sc(c)?.capabilities;
    if (!capabilities) continue;
    let valid = true;
    for (const [i, cap] of capabilities.add.entries()) {
      if (!DEFAULT_CAPABILITIES.has(cap)) {
        valid = false;
        caps.add(cap);
        at.push([...capabilities.path, 'add', i]);
      }
    }
    if (!valid) bad.push(c.name);
  }
  if (bad.length === 0) return ALLOWED;
  return deny(
    'non-default capabilities',
    `${containers(bad)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`,
    at,
  );
}

// capabilities_restricted v1.22; v1.25 exempts Windows pods
export function capabilitiesRestricted(pod: PodView): CheckOutcome {
  const missingDropAll: string[] = [];
  const adding: string[] = [];
  const forbidden = new Set<string>();
  const at: FieldPath[] = [];
  for (const c of pod.containers) {
    const capabilities = sc(c)?.capabilities;
    if (!capabilities) {
      missingDropAll.push(c.name);
      at.push([...c.path, 'securityContext', 'capabilities', 'drop']);
      continue;
    }
    if (!capabilities.drop.includes('ALL')) {
      missingDropAll.push(c.name);
      at.push([...capabilities.path, 'drop']);
    }
    let addedForbidden = false;
    for (const [i, cap] of capabilities.add.entries()) {
      if (cap !== 'NET_BIND_SERVICE') {
        addedForbidden = true;
        forbidden.add(cap);
        at.push([...capabilities.path, 'add', i]);
      }
    }
    if (addedForbidden) adding.push(c.name);
  }
  const details: string[] = [];
  if (missingDropAll.length > 0)
    details.push(`${containers(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length > 0)
    details.push(
      `${containers(adding)} must not include ${joinQuote(sortedSet(forbidden))} in securityContext.capabilities.add`,
    );
  return details.length === 0 ? ALLOWED : deny('unrestricted capabilities', details.join('; '), at);
}
export const capabilitiesRestricted125: CheckFn = (pod) =>
  isWindows(pod) ? ALLOWED : capabilitiesRestricted(pod);

// seLinuxOptions v1.0; v1.31 also allows container_engine_t
const SELINUX_TYPES_1_0: ReadonlySet<string> = new Set([
  '',
  'container_t',
  'container_init_t',
  'container_kvm_t',
]);
const SELINUX_TYPES_1_31: ReadonlySet<string> = new Set([...SELINUX_TYPES_1_0, 'container_engine_t']);
function seLinuxOptionsWith(allowedTypes: ReadonlySet<string>): CheckFn {
  return (pod) => {
    const badTypes = new Set<string>();
    let setUser = false;
    let setRole = false;
    const at: FieldPath[] = [];
    const valid = (s: SecurityContextView | undefined): boolean => {
      const o = s?.seLinuxOptions;
      if (!o) return true;
      let ok = true;
      if (!allowedTypes.has(o.type)) {
        ok = false;
        badTypes.add(o.type);
        at.push([...o.path, 'type']);
      }
      if (o.user.length > 0) {
        ok = false;
        setUser = true;
        at.push([...o.path, 'user']);
      }
      if (o.role.length > 0) {
        ok = false;
        setRole = true;
        at.push([...o.path, 'role']);
      }
      return ok;
    };
    const setters: string[] = [];
    if (!valid(pod.securityContext)) setters.push('pod');
    const bad = pod.containers.filter((c) => !valid(sc(c))).map((c) => c.name);
    if (bad.length > 0) setters.push(containers(bad));
    if (setters.length === 0) return ALLOWED;
    const data: string[] = [];
    if (badTypes.size > 0)
      data.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote(sortedSet(badTypes))}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return deny(
      'seLinuxOptions',
      `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`,
      at,
    );
  };
}
export const seLinuxOptions10 = seLinuxOptionsWith(SELINUX_TYPES_1_0);
export const seLinuxOptions131 = seLinuxOptionsWith(SELINUX_TYPES_1_31);

// procMount v1.0 (also procMount_restricted v1.35); baseline v1.35 relaxes for user-namespace pods
export function procMount(pod: PodView): CheckOutcome {
  const bad: string[] = [];
  const types = new Set<string>();
  const at: FieldPath[] = [];
  for (const c of pod.containers) {
    const s = sc(c);
    if (s?.procMount === undefined || s.procMount === 'Default') continue;
    bad.push(c.name);
    types.add(s.procMount);
    at.push([...s.path, 'procMount']);
  }
  if (bad.length === 0) return ALLOWED;
  return deny(
    'procMount',
    `${containers(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`,
    at,
  );
}
export const procMount135Baseline: CheckFn = (pod) => (inUserNamespace(pod) ? ALLOWED : procMount(pod));

// seccompProfile_baseline v1.0: the alpha annotations
const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
export function seccompProfileBaseline10(pod: PodView): CheckOutcome {
  const validValue = (v: string) =>
    v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
  const forbidden = new Set<string>();
  const at: FieldPath[] = [];
  const check = (key: string) => {
    const v = pod.annotations.get(key);
    if (v !== undefined && !validValue(v)) {
      forbidden.add(`${key}=${goQuote(v)}`);
      at.push([...pod.metadataPath, 'annotations', key]);
    }
  };
  check(SECCOMP_POD_ANNOTATION);
  for (const c of pod.containers) check(SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name);
  if (forbidden.size === 0) return ALLOWED;
  return deny(
    'seccompProfile',
    `forbidden ${pluralize('annotation', 'annotations', forbidden.size)} ${sortedSet(forbidden).join(', ')}`,
    at,
  );
}

const validSeccomp = (t: string) => t === 'Localhost' || t === 'RuntimeDefault';

/** The explicit part shared by seccompProfile_baseline v1.19 and seccompProfile_restricted. */
function explicitSeccomp(pod: PodView): {
  setters: string[];
  values: Set<string>;
  at: FieldPath[];
  podSet: boolean;
  implicit: ContainerView[];
} {
  const setters: string[] = [];
  const values = new Set<string>();
  const at: FieldPath[] = [];
  let podSet = false;
  const podProfile = pod.securityContext?.seccompProfile;
  if (podProfile) {
    if (!validSeccomp(podProfile.type)) {
      setters.push('pod');
      values.add(podProfile.type);
      at.push([...podProfile.path, 'type']);
    } else podSet = true;
  }
  const bad: string[] = [];
  const implicit: ContainerView[] = [];
  for (const c of pod.containers) {
    const p = sc(c)?.seccompProfile;
    if (p) {
      if (!validSeccomp(p.type)) {
        bad.push(c.name);
        values.add(p.type);
        at.push([...p.path, 'type']);
      }
    } else if (!podSet) implicit.push(c);
  }
  if (bad.length > 0) setters.push(containers(bad));
  return { setters, values, at, podSet, implicit };
}

// seccompProfile_baseline v1.19: the fields
export function seccompProfileBaseline119(pod: PodView): CheckOutcome {
  const e = explicitSeccomp(pod);
  if (e.setters.length === 0) return ALLOWED;
  return deny(
    'seccompProfile',
    `${e.setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(e.values))}`,
    e.at,
  );
}

// seccompProfile_restricted v1.19; v1.25 exempts Windows pods
export function seccompProfileRestricted(pod: PodView): CheckOutcome {
  const e = explicitSeccomp(pod);
  if (e.setters.length > 0) {
    return deny(
      'seccompProfile',
      `${e.setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(e.values))}`,
      e.at,
    );
  }
  if (e.implicit.length === 0) return ALLOWED;
  return deny(
    'seccompProfile',
    `pod or ${containers(e.implicit.map((c) => c.name))} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    e.implicit.map((c) => [...c.path, 'securityContext', 'seccompProfile']),
  );
}
export const seccompProfileRestricted125: CheckFn = (pod) =>
  isWindows(pod) ? ALLOWED : seccompProfileRestricted(pod);

// sysctls: the safe set grows with the policy version
const SYSCTLS_1_0 = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [
  ...SYSCTLS_1_27,
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
const SYSCTLS_1_37 = [...SYSCTLS_1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'];
function sysctlsWith(allowed: readonly string[]): CheckFn {
  const set = new Set(allowed);
  return (pod) => {
    const bad = (pod.securityContext?.sysctls ?? []).filter((s) => !set.has(s.name));
    if (bad.length === 0) return ALLOWED;
    return deny(
      'forbidden sysctls',
      bad.map((s) => s.name).join(', '),
      bad.map((s) => s.path),
    );
  };
}
export const sysctls10 = sysctlsWith(SYSCTLS_1_0);
export const sysctls127 = sysctlsWith(SYSCTLS_1_27);
export const sysctls129 = sysctlsWith(SYSCTLS_1_29);
export const sysctls132 = sysctlsWith(SYSCTLS_1_32);
export const sysctls137 = sysctlsWith(SYSCTLS_1_37);

// windowsHostProcess v1.0
export function windowsHostProcess(pod: PodView): CheckOutcome {
  const setters: string[] = [];
  const at: FieldPath[] = [];
  if (pod.securityContext?.hostProcess === true) {
    setters.push('pod');
    at.push([...pod.securityContext.path, 'windowsOptions', 'hostProcess']);
  }
  const bad = pod.containers.filter((c) => sc(c)?.hostProcess === true);
  for (const c of bad) at.push([...c.path, 'securityContext', 'windowsOptions', 'hostProcess']);
  if (bad.length > 0) setters.push(containers(bad.map((c) => c.name)));
  if (setters.length === 0) return ALLOWED;
  return deny(
    'hostProcess',
    `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
    at,
  );
}

// allowPrivilegeEscalation v1.8; v1.25 exempts Windows pods
export function allowPrivilegeEscalation(pod: PodView): CheckOutcome {
  const bad = pod.containers.filter((c) => sc(c)?.allowPrivilegeEscalation !== false);
  if (bad.length === 0) return ALLOWED;
  return deny(
    'allowPrivilegeEscalation != false',
    `${containers(bad.map((c) => c.name))} must set securityContext.allowPrivilegeEscalation=false`,
    bad.map((c) => [...c.path, 'securityContext', 'allowPrivilegeEscalation']),
  );
}
export const allowPrivilegeEscalation125: CheckFn = (pod) =>
  isWindows(pod) ? ALLOWED : allowPrivilegeEscalation(pod);

// runAsNonRoot v1.0; v1.35 relaxes for user-namespace pods
export function runAsNonRoot(pod: PodView): CheckOutcome {
  const setters: string[] = [];
  const at: FieldPath[] = [];
  let podNonRoot = false;
  const podValue = pod.securityContext?.runAsNonRoot;
  if (pod.securityContext && podValue !== undefined) {
    if (!podValue) {
      setters.push('pod');
      at.push([...pod.securityContext.path, 'runAsNonRoot']);
    } else podNonRoot = true;
  }
  const explicit: string[] = [];
  const implicit: ContainerView[] = [];
  for (const c of pod.containers) {
    const v = sc(c)?.runAsNonRoot;
    if (v !== undefined) {
      if (!v) {
        explicit.push(c.name);
        at.push([...c.path, 'securityContext', 'runAsNonRoot']);
      }
    } else if (!podNonRoot) implicit.push(c);
  }
  if (explicit.length > 0) setters.push(containers(explicit));
  if (setters.length > 0)
    return deny(
      'runAsNonRoot != true',
      `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`,
      at,
    );
  if (implicit.length === 0) return ALLOWED;
  return deny(
    'runAsNonRoot != true',
    `pod or ${containers(implicit.map((c) => c.name))} must set securityContext.runAsNonRoot=true`,
    implicit.map((c) => [...c.path, 'securityContext', 'runAsNonRoot']),
  );
}
export const runAsNonRoot135: CheckFn = (pod) => (inUserNamespace(pod) ? ALLOWED : runAsNonRoot(pod));

// runAsUser v1.23; v1.35 relaxes for user-namespace pods
export function runAsUser(pod: PodView): CheckOutcome {
  const setters: string[] = [];
  const at: FieldPath[] = [];
  if (pod.securityContext?.runAsUser === 0) {
    setters.push('pod');
    at.push([...pod.securityContext.path, 'runAsUser']);
  }
  const bad = pod.containers.filter((c) => sc(c)?.runAsUser === 0);
  for (const c of bad) at.push([...c.path, 'securityContext', 'runAsUser']);
  if (bad.length > 0) setters.push(containers(bad.map((c) => c.name)));
  if (setters.length === 0) return ALLOWED;
  return deny('runAsUser=0', `${setters.join(' and ')} must not set runAsUser=0`, at);
}
export const runAsUser135: CheckFn = (pod) => (inUserNamespace(pod) ? ALLOWED : runAsUser(pod));

// restrictedVolumes v1.0
const ALLOWED_VOLUME_SOURCES: ReadonlySet<string> = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
/** PSA's switch order when a volume sets more than one source: the first listed case wins. */
const RESTRICTED_ORDER = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'nfs',
  'iscsi',
  'glusterfs',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'fc',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
];
export function restrictedVolumes(pod: PodView): CheckOutcome {
  const bad: string[] = [];
  const types = new Set<string>();
  const at: FieldPath[] = [];
  for (const v of pod.volumes) {
    if (v.sources.some((s) => ALLOWED_VOLUME_SOURCES.has(s))) continue;
    bad.push(v.name);
    const type = RESTRICTED_ORDER.find((t) => v.sources.includes(t)) ?? 'unknown';
    types.add(type);
    at.push(type === 'unknown' ? v.path : [...v.path, type]);
  }
  if (bad.length === 0) return ALLOWED;
  return deny(
    'restricted volume types',
    `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', types.size)} ${joinQuote(sortedSet(types))}`,
    at,
  );
}
