import { type CueMode, cueSetup } from '../policy/index.js';
import { CosignEvidenceCollector } from '../sign/evidence-collector.js';
import type { TrustedRootMaterial } from '../sign/keyless/trusted-root.js';
import type { Limits } from '../limits.js';
import type { ImageReader } from '../oci/image-store.js';
import { repositoryName } from '../oci/reference.js';
import type { EnforcementMode } from './decider.js';
import { TagResolver } from './image-resolver.js';
import type { ConfigMapSource } from './config-maps.js';
import type { KubeClient } from './kube-client.js';
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
  const onReload = (o: PolicyLoadOutcome): void => {
    if (o.ok) {
      opts.log(`policies loaded: ${o.files.length} file(s)`);
      server?.invalidateCache();
    } else {
      opts.log(`policies NOT reloaded: ${o.error?.message ?? 'unknown error'}`);
      for (const i of o.issues)
        opts.log(`  ${i.source}: ${i.path}: ${i.message}${i.fix ? ` (fix: ${i.fix})` : ''}`);
    }
  };
  const cue = cueSetup(opts.cue ?? 'auto');
  const policies = new PolicyStore(opts.policyPaths, {
    ...(opts.configMaps ? { configMaps: opts.configMaps } : {}),
    ...(opts.limits ? { limits: opts.limits } : {}),
    onReload,
    cue,
  });
  const first = await policies.reload();
  if (!first.ok) {
    await cue.close();
    throw first.error;
  }
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
    policies: () => policies.current(),
    collector,
    resolver,
    ...(opts.configMaps ? { configMaps: opts.configMaps } : {}),
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
    readiness: async () => ({
      ready: policies.ready,
      reasons: policies.ready ? [] : ['no policies loaded'],
    }),
    clock: () => opts.now().getTime(),
    log: opts.log,
  });
  if (opts.policyReloadMs && opts.policyReloadMs > 0) policies.watch(opts.policyReloadMs);
  const s = server;
  return {
    server: s,
    policies,
    close: async () => {
      policies.stop();
      await s.close();
      await cue.close();
    },
  };
}
