import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { type ConfigMapSource, configMapsFromKube, configMapsFromSet } from '../../admission/index.js';
import { parseClusterPolicyKinds } from '../../admission/index.js';
import {
  connectionFromKubeconfig,
  inClusterConnection,
  KubeClient,
  type KubeConnection,
} from '../../admission/index.js';
import {
  type NamespaceLabelSource,
  namespaceLabelsFromKube,
  namespaceLabelsFromMap,
  parseNamespaceLabels,
} from '../../admission/index.js';
import { describeCause, VouchError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { cueOption } from '../cue-option.js';
import { readConfigMapsFile } from './policy-inputs.js';
import {
  managedTlsTarget,
  noMatchPolicyOf,
  num,
  repositoryOpener,
  type ServeFlags,
  tlsSource,
} from './admission-serve-flags.js';
import { loadTrustedRoot } from '../trusted-root.js';
import { durationFlagMs } from '../duration.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function registerAdmission(program: Command, ctx: CommandContext): void {
  const admission = program.command('admission').description('the Kubernetes admission webhook');
  admission
    .command('serve')
    .description(
      'serve /validate and /mutate over HTTPS, evaluating ClusterImagePolicies and Kyverno verifyImages',
    )
    .option(
      '--policies <path>',
      'policy file or directory (repeatable; none or an empty directory: every image gets --no-match-policy); reloaded on change',
      collect,
      [],
    )
    .option('--host <addr>', 'address to bind', '0.0.0.0')
    .option('--port <n>', 'port to bind (0 picks one)', '8443')
    .option('--tls-cert <file>', 'serving certificate (PEM); re-read when it changes')
    .option('--tls-key <file>', 'serving key (PEM)')
    .option('--self-signed', 'mint a self-signed certificate at start (local use)')
    .option(
      '--tls-secret <namespace/name>',
      'keep a CA and serving certificate in this Secret: created, served, re-issued before expiry (needs --in-cluster or --kubeconfig)',
    )
    .option(
      '--tls-service <name>',
      'with --tls-secret: the Service the API server calls (names the certificate)',
    )
    .option(
      '--webhook-configuration <kind/name>',
      'with --tls-secret: validating/<name> or mutating/<name> whose caBundle vouch keeps current (repeatable)',
      collect,
      [],
    )
    .option('--tls-dir <dir>', 'with --tls-secret: where the serving pair is written for the server')
    .addOption(
      new Option('--mode <mode>', 'for failures no policy owns: deny (enforce) or warn (audit)')
        .choices(['enforce', 'audit'])
        .default('enforce'),
    )
    .option('--report-dir <dir>', 'write PolicyReports here')
    .option('--decision-log <file>', 'append one JSON line per decision')
    .option(
      '--namespaces <file>',
      'namespace labels (kubectl get ns -o yaml, or a map) when not in a cluster',
    )
    .option(
      '--config-maps <file>',
      'ConfigMaps for Kyverno configMap context (kubectl get configmap -o yaml, or ConfigMap documents) when not read from a cluster',
    )
    .option(
      '--kubeconfig <file>',
      'talk to this cluster for namespace labels, ConfigMaps, reports and events',
    )
    .option('--in-cluster', 'use the service account (KUBERNETES_SERVICE_HOST/PORT)')
    .option(
      '--trusted-root <file>',
      'Sigstore trusted_root.json for keyless authorities (default: the public-good root shipped with sigstore-js, read offline)',
    )
    .option('--image-store <oci-dir:path>', 'resolve images from an OCI layout mirror instead of registries')
    .option('--insecure-registry <host>', 'plain HTTP to this registry (repeatable)', collect, [])
    .addOption(
      new Option('--no-match-policy <p>', 'for images no policy selects').choices(['allow', 'warn', 'deny']),
    )
    .addOption(cueOption())
    .option(
      '--cache-success-ttl <duration>',
      'how long a passing verdict is reused (seconds, or 5m, 30s, 1h30m)',
      '300',
    )
    .option(
      '--cache-failure-ttl <duration>',
      'how long a failing verdict is reused (seconds, or 5m, 30s, 1h30m)',
      '10',
    )
    .option(
      '--deadline <duration>',
      'answer before this (milliseconds, or 8s; below the webhook timeoutSeconds)',
      '9000',
    )
    .option(
      '--policy-reload <duration>',
      'how often to look for policy changes (milliseconds, or 2s; 0: never)',
      '2000',
    )
    .option(
      '--check-config',
      'check flags, files, certificate and policies, print what would run, and exit (0 valid, 2 not) without serving',
    )
    .option(
      '--cluster-policies <kinds>',
      'with --in-cluster or --kubeconfig, also watch these policy resources: all, none, or a comma list of ClusterImagePolicy, TrustRoot, ClusterPolicy, Policy, ConfigMap',
      'all',
    )
    .action(async (flags: ServeFlags) => {
      if (flags.checkConfig) {
        const { checkServeConfig } = await import('./admission-check.js');
        await checkServeConfig(ctx, flags);
        return;
      }
      const cwd = ctx.io.cwd;
      const log = (line: string) => ctx.io.stderr.write(`${new Date().toISOString()} ${line}\n`);
      // Loaded on use: the webhook stack (metrics, TLS, policy engine) is not needed by other commands.
      const { startController } = await import('../../admission/controller.js');
      // A --config-maps file wins over the cluster (as --namespaces does): ConfigMaps are then not watched.
      const clusterKinds = parseClusterPolicyKinds(flags.clusterPolicies).filter(
        (k) => !(flags.configMaps && k === 'ConfigMap'),
      );
      const wiring = await kubeWiring(ctx, flags);
      const { connection, ...kubeParts } = wiring;
      const managed = flags.tlsSecret ? await managedTls(flags, wiring.kube, log) : undefined;
      const controller = await startController({
        policyPaths: flags.policies.map((p) => resolve(cwd, p)),
        policyReloadMs: durationFlagMs(flags.policyReload, '--policy-reload', 'milliseconds'),
        openRepository: await repositoryOpener(ctx, flags),
        tls: managed ? managed.tls : await tlsSource(flags, cwd),
        trustedRoot: await loadTrustedRoot(flags.trustedRoot, cwd),
        mode: flags.mode,
        host: flags.host,
        port: num(flags.port, '--port'),
        deadlineMs: durationFlagMs(flags.deadline, '--deadline', 'milliseconds'),
        ...(flags.reportDir ? { reportDir: resolve(cwd, flags.reportDir) } : {}),
        ...(flags.decisionLog ? { decisionLogPath: resolve(cwd, flags.decisionLog) } : {}),
        ...kubeParts,
        ...(connection && clusterKinds.length > 0
          ? { clusterPolicies: { connection, kinds: clusterKinds } }
          : {}),
        cache: {
          successTtlMs: durationFlagMs(flags.cacheSuccessTtl, '--cache-success-ttl', 'seconds'),
          failureTtlMs: durationFlagMs(flags.cacheFailureTtl, '--cache-failure-ttl', 'seconds'),
        },
        ...(noMatchPolicyOf(flags) ? { noMatchPolicy: noMatchPolicyOf(flags) } : {}),
        cue: flags.cue,
        now: () => new Date(),
        log,
      });
      // The one line a supervisor (or a test) waits for: where the webhook listens.
      ctx.io.stdout.write(
        `${JSON.stringify({ listening: controller.server.url, port: controller.server.port })}\n`,
      );
      await new Promise<void>((done) => {
        if (!ctx.io.signal) return;
        if (ctx.io.signal.aborted) done();
        else ctx.io.signal.addEventListener('abort', () => done(), { once: true });
      });
      managed?.rotation.stop();
      await controller.close();
    });
}

async function kubeWiring(
  ctx: CommandContext,
  flags: ServeFlags,
): Promise<{
  namespaceLabels?: NamespaceLabelSource;
  configMaps?: ConfigMapSource;
  kube?: KubeClient;
  connection?: KubeConnection;
}> {
  const read = async (file: string): Promise<string> => {
    try {
      return await readFile(resolve(ctx.io.cwd, file), 'utf8');
    } catch (e) {
      throw new VouchError('FILE_NOT_FOUND', `cannot read ${file}: ${describeCause(e)}`, { cause: e });
    }
  };
  let kube: KubeClient | undefined;
  let connection: KubeConnection | undefined;
  if (flags.kubeconfig) connection = connectionFromKubeconfig(await read(flags.kubeconfig));
  else if (flags.inCluster) {
    const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
    connection = inClusterConnection({
      host: ctx.io.env['KUBERNETES_SERVICE_HOST'],
      port: ctx.io.env['KUBERNETES_SERVICE_PORT'],
      token: await read(`${sa}/token`),
      caPem: await read(`${sa}/ca.crt`),
    });
  }
  if (connection) kube = new KubeClient(connection);
  const withConnection = connection ? { connection } : {};
  // A file wins over the cluster, as --namespaces does. In a cluster ConfigMaps are re-read after 10 s
  // (verdicts key on the data read, so a rotated key takes effect within that).
  const configMaps = flags.configMaps
    ? configMapsFromSet(await readConfigMapsFile(ctx, flags.configMaps))
    : kube
      ? configMapsFromKube(kube, { ttlMs: 10_000, now: Date.now })
      : undefined;
  const withMaps = configMaps ? { configMaps } : {};
  if (flags.namespaces) {
    const labels = namespaceLabelsFromMap(parseNamespaceLabels(await read(flags.namespaces)));
    return { namespaceLabels: labels, ...withMaps, ...(kube ? { kube } : {}), ...withConnection };
  }
  if (kube)
    return {
      kube,
      namespaceLabels: namespaceLabelsFromKube(kube, { ttlMs: 60_000, now: Date.now }),
      ...withMaps,
      ...withConnection,
    };
  return withMaps;
}

async function managedTls(flags: ServeFlags, kube: KubeClient | undefined, log: (line: string) => void) {
  const target = managedTlsTarget(flags);
  if (!kube)
    throw new VouchError('USAGE', '--tls-secret needs --in-cluster or --kubeconfig to reach the Secret');
  const { reconcileWebhookCertificates, startWebhookCertRotation } = await import('../../admission/index.js');
  const opts = {
    kube,
    namespace: target.namespace,
    secretName: target.name,
    service: target.service,
    webhookConfigurations: target.webhookConfigurations,
    dir: flags.tlsDir ?? join(tmpdir(), 'vouch-tls'),
    now: () => new Date(),
    log,
  };
  const state = await reconcileWebhookCertificates(opts);
  // Hourly: a replica picks up a pair another one issued, and renews well inside the 30-day window.
  const rotation = startWebhookCertRotation(opts, 3_600_000);
  return { tls: { kind: 'files' as const, certFile: state.certFile, keyFile: state.keyFile }, rotation };
}
