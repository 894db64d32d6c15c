import { type CueMode, mergePolicySets, type PolicySet } from '../policy/index.js';
import { CosignEvidenceCollector, cueSetup } from '../evidence/index.js';
import type { TrustedRootMaterial } from '../sign/index.js';
import type { Limits } from '../limits.js';
import type { ImageReader } from '../oci/index.js';
import { repositoryName } from '../oci/index.js';
import type { EnforcementMode } from './decider.js';
import { TagResolver } from './image-resolver.js';
import { type ClusterPolicyKind, ClusterPolicies } from './cluster-policies.js';
import type { ConfigMapSource } from './config-maps.js';
import type { KubeClient, KubeConnection } from './kube-client.js';
import type { NamespaceLabelSource } from './namespace-labels.js';
import { PolicyDecider } from './policy-decider.js';
import { type PolicyLoadOutcome, PolicyStore } from './policy-store.js';
import { type AdmissionServer, startAdmissionServer, type TlsSource } from './server.js';

export interface ControllerOptions {
  /** Policy files and directories; reloaded when they change. */
  policyPaths: readonly string[];
  /** How often to look for policy changes (0: never). */
  policyReloadMs?: number;
  /** Opens the store of a repository (`host/repo`): registry repositories, or views of a mirror layout. */
  openRepository: (repository: string) => ImageReader;
  tls: TlsSource;
  /** Sigstore trust (Fulcio CAs, Rekor and CT log keys) for keyless authorities, parsed at the edge. */
  trustedRoot?: TrustedRootMaterial;
  /** Mode for failures no policy owns (malformed request, deadline, unresolvable image). */
  mode: EnforcementMode;
  host?: string;
  port?: number;
  deadlineMs?: number;
  reportDir?: string;
  decisionLogPath?: string;
  namespaceLabels?: NamespaceLabelSource;
  /** Where Kyverno `configMap` context entries are read (a file, or the API server). */
  configMaps?: ConfigMapSource;
  kube?: KubeClient;
  /**
   * Policies read from the API server as well (list + watch), merged with the files. The webhook
   * starts without waiting longer than `initialSyncMs` for them; /readyz says what is still missing.
   */
  clusterPolicies?: {
    connection: KubeConnection;
    kinds: readonly ClusterPolicyKind[];
    initialSyncMs?: number;
    instance?: string;
  };
  cache?: { successTtlMs?: number; failureTtlMs?: number; maxEntries?: number };
  /** How long a tag→digest answer is reused; a re-pointed tag is noticed after at most this. */
  tagTtlMs?: number;
  noMatchPolicy?: 'allow' | 'warn' | 'deny';
  /** How `type: cue` policies are evaluated (default `auto`: the built-in subset, real CUE beyond it). */
  cue?: CueMode;
  limits?: Partial<Limits>;
  now: () => Date;
  log: (line: string) => void;
}

export interface Controller {
  server: AdmissionServer;
  policies: PolicyStore;
  /** Policies from the API server, when watched. */
  cluster?: ClusterPolicies;
  close(): Promise<void>;
}

/**
 * The admission controller as one unit: the policy store (reloaded without restart; a set that fails
 * lint is refused and the previous one stays), tag resolution, cosign evidence collection, the policy
 * engine as decider, and the HTTPS webhook. `vouch admission serve` and `vouch demo` both start this.
 * @throws POLICY_INVALID when the first load fails (there is no previous set to keep), and as
 *   startAdmissionServer
 */
export async function startController(opts: ControllerOptions): Promise<Controller> {
  let server: AdmissionServer | undefined;
  let cluster: ClusterPolicies | undefined;
  // The set decisions read: files and cluster objects merged into one value, replaced whole when
  // either side changes, so a decision never sees half of a reload.
  let active: PolicySet = { cips: [], kyverno: [], trustRoots: [] };
  const remerge = (): void => {
    const files = policies.current();
    active = cluster ? mergePolicySets([files, cluster.current()]) : files;
    server?.invalidateCache();
  };
  const onReload = (o: PolicyLoadOutcome): void => {
    if (o.ok) {
      opts.log(
        o.files.length > 0
          ? `policies loaded: ${o.files.length} file(s)`
          : `policies loaded: none, so every image gets the no-match policy (${opts.noMatchPolicy ?? 'allow'})`,
      );
      remerge();
    } else {
      opts.log(`policies NOT reloaded: ${o.error?.message ?? 'unknown error'}`);
      for (const i of o.issues)
        opts.log(`  ${i.source}: ${i.path}: ${i.message}${i.fix ? ` (fix: ${i.fix})` : ''}`);
    }
  };
  const cue = cueSetup(opts.cue ?? 'auto');
  if (opts.clusterPolicies && opts.clusterPolicies.kinds.length > 0) {
    cluster = new ClusterPolicies(opts.clusterPolicies.connection, {
      kinds: opts.clusterPolicies.kinds,
      ...(opts.limits ? { limits: opts.limits } : {}),
      cue,
      ...(opts.configMaps ? { configMapFallback: opts.configMaps } : {}),
      onChange: (set) => {
        opts.log(
          `cluster policies: ${set.cips.length} ClusterImagePolicy, ${set.trustRoots.length} TrustRoot, ${set.kyverno.length} Kyverno polic${set.kyverno.length === 1 ? 'y' : 'ies'} active`,
        );
        remerge();
      },
      log: opts.log,
      now: opts.now,
      instance: opts.clusterPolicies.instance ?? 'vouch-admission',
    });
  }
  // With ConfigMaps watched, reads come from the watch (the fallback serves until it has listed).
  const configMaps = cluster?.configMaps() ?? opts.configMaps;
  const policies = new PolicyStore(opts.policyPaths, {
    ...(configMaps ? { configMaps } : {}),
    ...(opts.limits ? { limits: opts.limits } : {}),
    onReload,
    cue,
  });
  const first = await policies.reload();
  if (!first.ok) {
    await cue.close();
    throw first.error;
  }
  if (cluster) {
    cluster.start();
    // A bounded wait: an API server that is down must not keep the webhook from serving its files.
    await cluster.settled(opts.clusterPolicies?.initialSyncMs ?? 2_000);
  }
  remerge();
  const collector = new CosignEvidenceCollector({
    openRepository: opts.openRepository,
    now: opts.now,
    ...(opts.trustedRoot ? { trustedRoot: opts.trustedRoot } : {}),
  });
  const resolver = new TagResolver((ref) => opts.openRepository(repositoryName(ref)), {
    ttlMs: opts.tagTtlMs ?? 30_000,
    failureTtlMs: 5_000,
    maxEntries: 10_000,
    clock: () => opts.now().getTime(),
  });
  const decider = new PolicyDecider({
    policies: () => active,
    collector,
    resolver,
    ...(configMaps ? { configMaps } : {}),
    evaluate: {
      ...(opts.noMatchPolicy ? { noMatchPolicy: opts.noMatchPolicy } : {}),
      cue: cue.engine,
      ...(cue.answer ? { answerCue: cue.answer } : {}),
    },
  });
  server = await startAdmissionServer({
    tls: opts.tls,
    decider,
    mode: opts.mode,
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    ...(opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {}),
    ...(opts.reportDir ? { reportDir: opts.reportDir } : {}),
    ...(opts.decisionLogPath ? { decisionLogPath: opts.decisionLogPath } : {}),
    ...(opts.namespaceLabels ? { namespaceLabels: opts.namespaceLabels } : {}),
    ...(opts.kube ? { kube: opts.kube } : {}),
    ...(opts.cache ? { cache: opts.cache } : {}),
    ...(opts.limits ? { limits: opts.limits } : {}),
    readiness: async () => {
      const reasons = [...(policies.ready ? [] : ['no policies loaded']), ...(cluster?.missing() ?? [])];
      return { ready: reasons.length === 0, reasons };
    },
    clock: () => opts.now().getTime(),
    log: opts.log,
  });
  if (opts.policyReloadMs && opts.policyReloadMs > 0) policies.watch(opts.policyReloadMs);
  const s = server;
  return {
    server: s,
    policies,
    ...(cluster ? { cluster } : {}),
    close: async () => {
      policies.stop();
      await cluster?.stop();
      await s.close();
      await cue.close();
    },
  };
}
