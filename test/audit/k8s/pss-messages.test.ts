/**
 * Our own fixture table: one pod per check and case, the level and policy versions it is judged at, and
 * the forbidden reason and detail pod-security-admission prints for it (policy/check_*_test.go wording).
 * A row with `allowed` says the check lets the pod through at those versions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseYamlSource } from '../../../src/audit/index.js';
import {
  admissionWarning,
  collectObjects,
  evaluatePod,
  type PssLevel,
  readPodView,
} from '../../../src/audit/k8s/index.js';

function pod(yaml: string) {
  const body = yaml.startsWith('metadata:\n') ? yaml.slice('metadata:\n'.length) : yaml;
  const parsed = parseYamlSource(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n${body}`, 'pod.yaml');
  assert.ok(parsed.ok, 'fixture parses');
  const o = collectObjects([{ file: 'pod.yaml', documents: parsed.documents, text: '' }]).objects[0];
  assert.ok(o);
  const v = readPodView(o.value.metadata, o.value.spec, ['metadata'], ['spec']);
  assert.ok(v.ok, 'fixture is a pod');
  return v.pod;
}

interface Row {
  check: string;
  level: PssLevel;
  versions: readonly number[];
  pod: string;
  /** `reason (detail)` as PSA prints it, or "allowed". */
  expect: string;
}

const ALL = Array.from({ length: 38 }, (_, i) => i);
const from = (v: number) => ALL.filter((x) => x >= v);
const before = (v: number) => ALL.filter((x) => x < v);

const ROWS: readonly Row[] = [
  {
    check: 'privileged',
    level: 'baseline',
    versions: ALL,
    pod: `spec:
  initContainers: [{name: init, securityContext: {privileged: true}}]
  containers: [{name: a, securityContext: {privileged: false}}, {name: b, securityContext: {privileged: true}}]`,
    expect: 'privileged (containers "init", "b" must not set securityContext.privileged=true)',
  },
  {
    check: 'hostNamespaces',
    level: 'baseline',
    versions: ALL,
    pod: `spec:
  hostNetwork: true
  hostIPC: true
  containers: [{name: a}]`,
    expect: 'host namespaces (hostNetwork=true, hostIPC=true)',
  },
  {
    check: 'hostPorts',
    level: 'baseline',
    versions: ALL,
    pod: `spec:
  containers:
  - {name: a, ports: [{hostPort: 0}]}
  - {name: b, ports: [{hostPort: 0}, {hostPort: 10}, {hostPort: 20}]}
  - {name: c, ports: [{hostPort: 0}, {hostPort: 10}, {hostPort: 30}]}`,
    expect: 'hostPort (containers "b", "c" use hostPorts 10, 20, 30)',
  },
  {
    check: 'hostPathVolumes',
    level: 'baseline',
    versions: ALL,
    pod: `spec:
  containers: [{name: a}]
  volumes: [{name: a, hostPath: {path: /a}}, {name: b, emptyDir: {}}, {name: c, hostPath: {path: /c}}]`,
    expect: 'hostPath volumes (volumes "a", "c")',
  },
  {
    check: 'appArmorProfile',
    level: 'baseline',
    versions: ALL,
    pod: `metadata:
  annotations:
    container.apparmor.security.beta.kubernetes.io/a: unconfined
spec:
  securityContext: {appArmorProfile: {type: Unconfined}}
  containers: [{name: a}]`,
    expect:
      'forbidden AppArmor profiles (pod and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined"")',
  },
  {
    check: 'capabilities_baseline',
    level: 'baseline',
    versions: ALL,
    pod: `spec:
  containers:
  - {name: a, securityContext: {capabilities: {add: [CHOWN, NET_RAW]}}}
  - {name: b, securityContext: {capabilities: {add: [SYS_ADMIN, NET_RAW]}}}`,
    expect:
      'non-default capabilities (containers "a", "b" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add)',
  },
  {
    check: 'seLinuxOptions',
    level: 'baseline',
    versions: ALL,
    pod: `spec:
  securityContext: {seLinuxOptions: {type: foo, user: u, role: r}}
  containers: [{name: e, securityContext: {seLinuxOptions: {type: bar}}}]`,
    expect:
      'seLinuxOptions (pod and container "e" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set)',
  },
  {
    check: 'seLinuxOptions',
    level: 'baseline',
    versions: before(31),
    pod: `spec:
  containers: [{name: a, securityContext: {seLinuxOptions: {type: container_engine_t}}}]`,
    expect:
      'seLinuxOptions (container "a" set forbidden securityContext.seLinuxOptions: type "container_engine_t")',
  },
  {
    check: 'seLinuxOptions',
    level: 'baseline',
    versions: from(31),
    pod: `spec:
  containers: [{name: a, securityContext: {seLinuxOptions: {type: container_engine_t}}}]`,
    expect: 'allowed',
  },
  {
    check: 'procMount',
    level: 'baseline',
    versions: ALL,
    pod: `spec:
  containers: [{name: a, securityContext: {procMount: Unmasked}}, {name: b, securityContext: {procMount: Default}}]`,
    expect: 'procMount (container "a" must not set securityContext.procMount to "Unmasked")',
  },
  {
    check: 'procMount',
    level: 'baseline',
    versions: from(35),
    pod: `spec:
  hostUsers: false
  containers: [{name: a, securityContext: {procMount: Unmasked}}]`,
    expect: 'allowed',
  },
  {
    check: 'procMount_restricted',
    level: 'restricted',
    versions: from(35),
    pod: `spec:
  hostUsers: false
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers: [{name: a, securityContext: {procMount: Unmasked, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]`,
    expect: 'procMount (container "a" must not set securityContext.procMount to "Unmasked")',
  },
  {
    check: 'seccompProfile_baseline',
    level: 'baseline',
    versions: before(19),
    pod: `metadata:
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
    container.seccomp.security.alpha.kubernetes.io/a: unconfined
    container.seccomp.security.alpha.kubernetes.io/b: unknown
spec:
  containers: [{name: a}, {name: b}]`,
    expect:
      'seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", container.seccomp.security.alpha.kubernetes.io/b="unknown", seccomp.security.alpha.kubernetes.io/pod="unconfined")',
  },
  {
    check: 'seccompProfile_baseline',
    level: 'baseline',
    versions: from(19),
    pod: `metadata:
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
spec:
  securityContext: {seccompProfile: {type: Unconfined}}
  containers: [{name: a, securityContext: {seccompProfile: {type: Unconfined}}}]`,
    expect:
      'seccompProfile (pod and container "a" must not set securityContext.seccompProfile.type to "Unconfined")',
  },
  {
    check: 'sysctls',
    level: 'baseline',
    versions: before(27),
    pod: `spec:
  securityContext: {sysctls: [{name: a}, {name: net.ipv4.ip_local_reserved_ports}, {name: kernel.shm_rmid_forced}]}
  containers: [{name: a}]`,
    expect: 'forbidden sysctls (a, net.ipv4.ip_local_reserved_ports)',
  },
  {
    check: 'sysctls',
    level: 'baseline',
    versions: from(27).filter((v) => v < 37),
    pod: `spec:
  securityContext: {sysctls: [{name: net.ipv4.ip_local_reserved_ports}, {name: net.ipv4.tcp_notsent_lowat}]}
  containers: [{name: a}]`,
    expect: 'forbidden sysctls (net.ipv4.tcp_notsent_lowat)',
  },
  {
    check: 'sysctls',
    level: 'baseline',
    versions: from(37),
    pod: `spec:
  securityContext: {sysctls: [{name: net.ipv4.tcp_slow_start_after_idle}, {name: net.ipv4.tcp_notsent_lowat}]}
  containers: [{name: a}]`,
    expect: 'allowed',
  },
  {
    check: 'windowsHostProcess',
    level: 'baseline',
    versions: ALL,
    pod: `spec:
  securityContext: {windowsOptions: {hostProcess: true}}
  containers: [{name: a, securityContext: {windowsOptions: {hostProcess: true}}}, {name: b}]`,
    expect:
      'hostProcess (pod and container "a" must not set securityContext.windowsOptions.hostProcess=true)',
  },
  {
    check: 'hostProbesAndHostLifecycle',
    level: 'baseline',
    versions: from(34),
    pod: `spec:
  containers:
  - name: a
    livenessProbe: {httpGet: {host: localhost, port: 80}}
    readinessProbe: {tcpSocket: {host: 127.0.0.1, port: 80}}
    lifecycle: {preStop: {httpGet: {host: '::1', port: 80}}}`,
    expect:
      'probe or lifecycle host (container "a" uses probe or lifecycle hosts "127.0.0.1", "::1", "localhost")',
  },
  {
    check: 'hostProbesAndHostLifecycle',
    level: 'baseline',
    versions: before(34),
    pod: `spec:
  containers: [{name: a, livenessProbe: {httpGet: {host: localhost, port: 80}}}]`,
    expect: 'allowed',
  },
  {
    check: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: from(8),
    pod: `spec:
  containers: [{name: a}, {name: b, securityContext: {allowPrivilegeEscalation: true}}, {name: c, securityContext: {allowPrivilegeEscalation: false}}]`,
    expect:
      'allowPrivilegeEscalation != false (containers "a", "b" must set securityContext.allowPrivilegeEscalation=false)',
  },
  {
    check: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: from(25),
    pod: `spec:
  os: {name: windows}
  containers: [{name: a}]`,
    expect: 'allowed',
  },
  {
    check: 'capabilities_restricted',
    level: 'restricted',
    versions: from(22),
    pod: `spec:
  containers:
  - {name: a, securityContext: {capabilities: {add: [FOO, BAR]}}}
  - {name: b, securityContext: {capabilities: {add: [BAZ]}}}
  - {name: c, securityContext: {capabilities: {add: [NET_BIND_SERVICE, CHOWN], drop: [ALL, SYS_TIME]}}}`,
    expect:
      'unrestricted capabilities (containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "a", "b", "c" must not include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add)',
  },
  {
    check: 'capabilities_baseline',
    level: 'restricted',
    versions: before(22),
    pod: `spec:
  containers: [{name: a, securityContext: {capabilities: {add: [SYS_ADMIN]}}}]`,
    expect:
      'non-default capabilities (container "a" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
  },
  {
    check: 'runAsNonRoot',
    level: 'restricted',
    versions: ALL,
    pod: `spec:
  securityContext: {runAsNonRoot: false}
  containers: [{name: a}, {name: c, securityContext: {runAsNonRoot: false}}, {name: d, securityContext: {runAsNonRoot: false}}]`,
    expect:
      'runAsNonRoot != true (pod and containers "c", "d" must not set securityContext.runAsNonRoot=false)',
  },
  {
    check: 'runAsNonRoot',
    level: 'restricted',
    versions: ALL,
    pod: `spec:
  containers: [{name: a}, {name: b, securityContext: {runAsNonRoot: true}}]`,
    expect: 'runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true)',
  },
  {
    check: 'runAsUser',
    level: 'restricted',
    versions: from(23),
    pod: `spec:
  securityContext: {runAsUser: 0}
  containers: [{name: a, securityContext: {runAsUser: 0}}, {name: b, securityContext: {runAsUser: 1000}}]`,
    expect: 'runAsUser=0 (pod and container "a" must not set runAsUser=0)',
  },
  {
    check: 'runAsUser',
    level: 'restricted',
    versions: from(35),
    pod: `spec:
  hostUsers: false
  securityContext: {runAsUser: 0}
  containers: [{name: a}]`,
    expect: 'allowed',
  },
  {
    check: 'seccompProfile_restricted',
    level: 'restricted',
    versions: from(19),
    pod: `spec:
  containers: [{name: a}, {name: b, securityContext: {seccompProfile: {type: RuntimeDefault}}}]`,
    expect:
      'seccompProfile (pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  },
  {
    check: 'restrictedVolumes',
    level: 'restricted',
    versions: ALL,
    pod: `spec:
  containers: [{name: a}]
  volumes:
  - {name: a, hostPath: {path: /}}
  - {name: b, nfs: {server: s, path: /}}
  - {name: c, configMap: {name: x}}
  - {name: d}`,
    expect: 'restricted volume types (volumes "a", "b" use restricted volume types "hostPath", "nfs")',
  },
];

for (const row of ROWS) {
  const range =
    row.versions.length === 38
      ? 'every version'
      : `v1.${row.versions[0]}-v1.${row.versions[row.versions.length - 1]}`;
  test(`${row.check} (${row.level}, ${range}): ${row.expect === 'allowed' ? 'allowed' : 'denied as PSA words it'}`, () => {
    const p = pod(row.pod);
    assert.ok(row.versions.length > 0);
    for (const version of row.versions) {
      const found = evaluatePod({ level: row.level, version }, p).find((v) => v.id === row.check);
      const got = found ? `${found.outcome.reason} (${found.outcome.detail})` : 'allowed';
      assert.equal(got, row.expect, `v1.${version}`);
    }
  });
}

test('a check is not run before the policy version that introduced it', () => {
  const p = pod('spec:\n  containers: [{name: a, securityContext: {runAsUser: 0}}]');
  assert.equal(
    evaluatePod({ level: 'restricted', version: 22 }, p).some((v) => v.id === 'runAsUser'),
    false,
  );
  assert.equal(
    evaluatePod({ level: 'restricted', version: 23 }, p).some((v) => v.id === 'runAsUser'),
    true,
  );
});

test('a version newer than the newest known is evaluated as the newest, as PSA does', () => {
  const p = pod(
    'spec:\n  securityContext: {sysctls: [{name: net.ipv4.tcp_notsent_lowat}]}\n  containers: [{name: a}]',
  );
  assert.deepEqual(evaluatePod({ level: 'baseline', version: 99 }, p), []);
  assert.deepEqual(evaluatePod({ level: 'baseline', version: 'latest' }, p), []);
});

test('the object warning reads as the API server prints it', () => {
  const p = pod('spec:\n  hostPID: true\n  containers: [{name: a, securityContext: {privileged: true}}]');
  const policy = { level: 'baseline', version: 'latest' } as const;
  assert.equal(
    admissionWarning(policy, evaluatePod(policy, p)),
    'would violate PodSecurity "baseline:latest": host namespaces (hostPID=true), privileged (container "a" must not set securityContext.privileged=true)',
  );
});
