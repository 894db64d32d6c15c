import { join, resolve } from 'node:path';
import { generateSelfSignedCertificate } from '../../admission/index.js';
import type { TlsSource } from '../../admission/index.js';
import { VouchError } from '../../errors.js';
import { openOciLayout } from '../../oci/index.js';
import { layoutRepositoryOpener } from '../../oci/index.js';
import { parseReference } from '../../oci/index.js';
import { registryClientFromEnv } from '../../oci/index.js';
import type { CueMode } from '../../policy/index.js';
import type { CommandContext } from '../context.js';

/**
 * The flags of `vouch admission serve` and what they mean, read once: shared by the server and by
 * `--check-config`, which must read them exactly as the server would.
 */
export interface ServeFlags {
  policies: string[];
  cue: CueMode;
  host: string;
  port: string;
  tlsCert?: string;
  tlsKey?: string;
  selfSigned?: boolean;
  mode: 'enforce' | 'audit';
  reportDir?: string;
  decisionLog?: string;
  namespaces?: string;
  configMaps?: string;
  kubeconfig?: string;
  inCluster?: boolean;
  imageStore?: string;
  insecureRegistry: string[];
  /** commander files `--no-match-policy <p>` under `matchPolicy` (a `--no-` prefix); `true` when absent. */
  matchPolicy?: 'allow' | 'warn' | 'deny' | boolean;
  cacheSuccessTtl: string;
  cacheFailureTtl: string;
  deadline: string;
  policyReload: string;
  trustedRoot?: string;
  clusterPolicies: string;
  checkConfig?: boolean;
  tlsSecret?: string;
  tlsService?: string;
  webhookConfiguration: string[];
  tlsDir?: string;
}

/** `--no-match-policy`, which commander keeps under `matchPolicy` (a string only when given). */
export function noMatchPolicyOf(flags: ServeFlags): 'allow' | 'warn' | 'deny' | undefined {
  return typeof flags.matchPolicy === 'string' ? flags.matchPolicy : undefined;
}

export function num(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new VouchError('USAGE', `${flag} needs a non-negative number, got "${v}"`);
  return n;
}

export async function tlsSource(flags: ServeFlags, cwd: string): Promise<TlsSource> {
  if (flags.selfSigned) {
    if (flags.tlsCert || flags.tlsKey)
      throw new VouchError('USAGE', '--self-signed and --tls-cert/--tls-key exclude each other');
    const pair = await generateSelfSignedCertificate(['localhost', '127.0.0.1']);
    return { kind: 'pem', certPem: pair.certPem, keyPem: pair.keyPem };
  }
  if (!flags.tlsCert || !flags.tlsKey) {
    throw new VouchError(
      'USAGE',
      'the webhook serves HTTPS only: pass --tls-cert and --tls-key, or --self-signed',
    );
  }
  return { kind: 'files', certFile: resolve(cwd, flags.tlsCert), keyFile: resolve(cwd, flags.tlsKey) };
}

export async function repositoryOpener(ctx: CommandContext, flags: ServeFlags) {
  if (flags.imageStore) {
    const m = /^(?:oci-dir|oci):(.+)$/.exec(flags.imageStore);
    if (!m) throw new VouchError('USAGE', `--image-store takes oci-dir:<path>, got "${flags.imageStore}"`);
    const dir = resolve(ctx.io.cwd, m[1] as string);
    await openOciLayout(dir); // fail at start, not at the first admission
    return layoutRepositoryOpener(() => openOciLayout(dir));
  }
  const env = ctx.io.env;
  const dockerConfigDir = env['DOCKER_CONFIG'] ?? (env['HOME'] ? join(env['HOME'], '.docker') : undefined);
  const client = registryClientFromEnv({
    ...(dockerConfigDir ? { dockerConfigDir } : {}),
    env,
    insecureRegistries: flags.insecureRegistry,
    now: () => new Date(),
  });
  return (repository: string) => client.repository(parseReference(repository, { defaultTag: false }));
}

/** `--tls-secret` and its companions, checked; the namespace and name of the Secret. */
export function managedTlsTarget(flags: ServeFlags): {
  namespace: string;
  name: string;
  service: string;
  webhookConfigurations: { kind: 'validating' | 'mutating'; name: string }[];
} {
  const m = /^([a-z0-9-]+)\/([a-z0-9.-]+)$/.exec(flags.tlsSecret ?? '');
  if (!m) throw new VouchError('USAGE', `--tls-secret takes <namespace>/<name>, got "${flags.tlsSecret}"`);
  if (flags.tlsCert || flags.tlsKey || flags.selfSigned)
    throw new VouchError('USAGE', '--tls-secret excludes --tls-cert/--tls-key and --self-signed');
  if (!flags.tlsService) throw new VouchError('USAGE', '--tls-secret needs --tls-service <name>');
  if (!flags.inCluster && !flags.kubeconfig)
    throw new VouchError('USAGE', '--tls-secret needs --in-cluster or --kubeconfig to reach the Secret');
  const webhookConfigurations = flags.webhookConfiguration.map((w) => {
    const c = /^(validating|mutating)\/([a-z0-9.-]+)$/.exec(w);
    if (!c)
      throw new VouchError(
        'USAGE',
        `--webhook-configuration takes validating/<name> or mutating/<name>, got "${w}"`,
      );
    return { kind: c[1] as 'validating' | 'mutating', name: c[2] as string };
  });
  return {
    namespace: m[1] as string,
    name: m[2] as string,
    service: flags.tlsService,
    webhookConfigurations,
  };
}
