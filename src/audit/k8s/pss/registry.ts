/**
 * Which checks run for a level and policy version, as pod-security-admission's checkRegistry
 * (policy/registry.go) builds it: each check has versions, each applying from its minimum version until
 * the next; restricted runs every baseline check too, except those a restricted check overrides
 * (capabilities_restricted overrides capabilities_baseline, and so on); a version newer than the newest
 * known one is evaluated as the newest, and `latest` is the newest.
 */
import { VouchError } from '../../../errors.js';
import * as c from './checks.js';
import type { CheckFn, CheckOutcome } from './checks.js';
import type { PodView } from './pod-view.js';

export type PssLevel = 'baseline' | 'restricted';
export const PSS_LEVELS: readonly PssLevel[] = ['baseline', 'restricted'];

/** A policy version: the minor number of v1.N. */
export type PssVersion = number;

/** pod-security-admission at commit 8f84a87 (July 2026): its newest check version is v1.37. */
export const PSS_LATEST_MINOR = 37;

interface VersionedCheck {
  readonly from: PssVersion;
  readonly check: CheckFn;
  readonly overrides?: readonly string[];
}

export interface PssCheckInfo {
  readonly id: string;
  readonly level: PssLevel;
  /** pod-security-admission's one-line description of the control. */
  readonly summary: string;
  readonly versions: readonly VersionedCheck[];
}

export const PSS_CHECKS: readonly PssCheckInfo[] = [
  {
    id: 'appArmorProfile',
    level: 'baseline',
    summary: 'AppArmor profile must not be overridden or disabled (RuntimeDefault, Localhost)',
    versions: [{ from: 0, check: c.appArmorProfile }],
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    summary: 'adding NET_RAW or capabilities beyond the default set is forbidden',
    versions: [{ from: 0, check: c.capabilitiesBaseline }],
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    summary: 'sharing the host network, PID and IPC namespaces is forbidden',
    versions: [{ from: 0, check: c.hostNamespaces }],
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    summary: 'hostPath volumes are forbidden',
    versions: [{ from: 0, check: c.hostPathVolumes }],
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    summary: 'hostPort ports are forbidden',
    versions: [{ from: 0, check: c.hostPorts }],
  },
  {
    id: 'hostProbesAndHostLifecycle',
    level: 'baseline',
    summary: 'probes and lifecycle handlers must not set a host',
    versions: [{ from: 34, check: c.hostProbesAndHostLifecycle }],
  },
  {
    id: 'privileged',
    level: 'baseline',
    summary: 'privileged containers are forbidden',
    versions: [{ from: 0, check: c.privileged }],
  },
  {
    id: 'procMount',
    level: 'baseline',
    summary: 'the default /proc masks are required (unless hostUsers: false, from v1.35)',
    versions: [
      { from: 0, check: c.procMount },
      { from: 35, check: c.procMount135Baseline },
    ],
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    summary: 'setting a custom SELinux user or role, or an unusual type, is forbidden',
    versions: [
      { from: 0, check: c.seLinuxOptions10 },
      { from: 31, check: c.seLinuxOptions131 },
    ],
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    summary: 'seccomp must not be set to Unconfined',
    versions: [
      { from: 0, check: c.seccompProfileBaseline10 },
      { from: 19, check: c.seccompProfileBaseline119 },
    ],
  },
  {
    id: 'sysctls',
    level: 'baseline',
    summary: 'only the safe sysctls are allowed',
    versions: [
      { from: 0, check: c.sysctls10 },
      { from: 27, check: c.sysctls127 },
      { from: 29, check: c.sysctls129 },
      { from: 32, check: c.sysctls132 },
      { from: 37, check: c.sysctls137 },
    ],
  },
  {
    id: 'windowsHostProcess',
    level: 'baseline',
    summary: 'Windows HostProcess containers are forbidden',
    versions: [{ from: 0, check: c.windowsHostProcess }],
  },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    summary: 'allowPrivilegeEscalation must be false',
    versions: [
      { from: 8, check: c.allowPrivilegeEscalation },
      { from: 25, check: c.allowPrivilegeEscalation125 },
    ],
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    summary: 'containers must drop ALL capabilities and may add only NET_BIND_SERVICE',
    versions: [
      { from: 22, check: c.capabilitiesRestricted, overrides: ['capabilities_baseline'] },
      { from: 25, check: c.capabilitiesRestricted125, overrides: ['capabilities_baseline'] },
    ],
  },
  {
    id: 'procMount_restricted',
    level: 'restricted',
    summary: 'the default /proc masks are required',
    versions: [{ from: 35, check: c.procMount, overrides: ['procMount'] }],
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    summary: 'only configMap, csi, downwardAPI, emptyDir, ephemeral, image, PVC, projected, secret volumes',
    versions: [{ from: 0, check: c.restrictedVolumes, overrides: ['hostPathVolumes'] }],
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    summary: 'containers must run as non-root (unless hostUsers: false, from v1.35)',
    versions: [
      { from: 0, check: c.runAsNonRoot },
      { from: 35, check: c.runAsNonRoot135 },
    ],
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    summary: 'containers must not set runAsUser: 0 (unless hostUsers: false, from v1.35)',
    versions: [
      { from: 23, check: c.runAsUser },
      { from: 35, check: c.runAsUser135 },
    ],
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    summary: 'seccomp must be RuntimeDefault or Localhost',
    versions: [
      { from: 19, check: c.seccompProfileRestricted, overrides: ['seccompProfile_baseline'] },
      { from: 25, check: c.seccompProfileRestricted125, overrides: ['seccompProfile_baseline'] },
    ],
  },
];

export interface PssPolicy {
  readonly level: PssLevel;
  /** The version asked for: a minor number, or "latest". */
  readonly version: PssVersion | 'latest';
}

/** "v1.29" or "latest"; the version actually evaluated (clamped to the newest known). */
export function formatPolicy(p: PssPolicy): string {
  return `${p.level}:${p.version === 'latest' ? 'latest' : `v1.${p.version}`}`;
}

/**
 * Parses `--pss-version` as pod-security-admission parses the version label: "latest" or "v1.N".
 * @throws USAGE for anything else
 */
export function parsePssVersion(text: string): PssVersion | 'latest' {
  if (text === 'latest') return 'latest';
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(text);
  if (!m?.[1] || m[1].length > 4)
    throw new VouchError('USAGE', `--pss-version: "${text}" must be "latest" or "v1.x"`, {
      hint: `policy versions run from v1.0 to v1.${PSS_LATEST_MINOR}; later versions evaluate as v1.${PSS_LATEST_MINOR}`,
    });
  return Number(m[1]);
}

/** @throws USAGE unless "baseline" or "restricted" */
export function parsePssLevel(text: string): PssLevel {
  if (text === 'baseline' || text === 'restricted') return text;
  throw new VouchError('USAGE', `--pss-level: "${text}" must be baseline or restricted`, {
    hint: 'the privileged level allows everything, so there is nothing to audit',
  });
}

export interface ActiveCheck {
  readonly id: string;
  readonly level: PssLevel;
  readonly check: CheckFn;
}

function versionAt(info: PssCheckInfo, minor: PssVersion): VersionedCheck | undefined {
  let found: VersionedCheck | undefined;
  for (const v of info.versions) if (v.from <= minor) found = v;
  return found;
}

/** The checks of a level and version in pod-security-admission's order: baseline ids, then restricted. */
export function activeChecks(policy: PssPolicy): ActiveCheck[] {
  const minor = policy.version === 'latest' ? PSS_LATEST_MINOR : Math.min(policy.version, PSS_LATEST_MINOR);
  const restricted = PSS_CHECKS.filter((i) => i.level === 'restricted');
  const overridden = new Set<string>();
  if (policy.level === 'restricted') {
    for (const i of restricted) for (const o of versionAt(i, minor)?.overrides ?? []) overridden.add(o);
  }
  const out: ActiveCheck[] = [];
  const byId = (a: PssCheckInfo, b: PssCheckInfo) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const ordered = [
    ...PSS_CHECKS.filter((i) => i.level === 'baseline').sort(byId),
    ...(policy.level === 'restricted' ? [...restricted].sort(byId) : []),
  ];
  for (const info of ordered) {
    if (overridden.has(info.id)) continue;
    const v = versionAt(info, minor);
    if (v) out.push({ id: info.id, level: info.level, check: v.check });
  }
  return out;
}

export interface CheckViolation {
  readonly id: string;
  readonly level: PssLevel;
  readonly outcome: Extract<CheckOutcome, { allowed: false }>;
}

/** Runs the checks of a policy on one pod; the violations in pod-security-admission's order. */
export function evaluatePod(
  policy: PssPolicy,
  pod: PodView,
  checks: readonly ActiveCheck[] = activeChecks(policy),
): CheckViolation[] {
  const out: CheckViolation[] = [];
  for (const a of checks) {
    const outcome = a.check(pod);
    if (!outcome.allowed) out.push({ id: a.id, level: a.level, outcome });
  }
  return out;
}

/**
 * The warning pod-security-admission gives for one object (`would violate PodSecurity
 * "restricted:latest": reason (detail), …`), from its aggregated check results.
 */
export function admissionWarning(policy: PssPolicy, violations: readonly CheckViolation[]): string {
  const parts = violations.map((v) =>
    v.outcome.detail ? `${v.outcome.reason} (${v.outcome.detail})` : v.outcome.reason,
  );
  return `would violate PodSecurity "${formatPolicy(policy)}": ${parts.join(', ')}`;
}
