import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PolicyStore } from '../../admission/index.js';
import { describeCause, VouchError } from '../../errors.js';
import { cueSetup } from '../../evidence/index.js';
import type { CommandContext } from '../context.js';
import { durationFlagMs } from '../duration.js';
import { loadTrustedRoot } from '../trusted-root.js';
import {
  managedTlsTarget,
  noMatchPolicyOf,
  num,
  repositoryOpener,
  type ServeFlags,
  tlsSource,
} from './admission-serve-flags.js';

/**
 * `vouch admission serve --check-config`: everything `serve` reads before it listens, read the same way
 * (flags, durations, serving certificate and key, trusted root, image store, policies, in-cluster
 * environment), then one line per part on stdout and exit 0, or CONFIG_INVALID (exit 2) naming the
 * first part that would stop the webhook. Nothing is bound and the API server is not contacted.
 * @throws CONFIG_INVALID
 */
export async function checkServeConfig(ctx: CommandContext, flags: ServeFlags): Promise<void> {
  const lines: string[] = [];
  const step = async <T>(what: string, fn: () => Promise<T> | T): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw new VouchError('CONFIG_INVALID', `${what}: ${describeCause(e)}`, {
        cause: e,
        ...(e instanceof VouchError && e.hint ? { hint: e.hint } : {}),
      });
    }
  };
  const cwd = ctx.io.cwd;
  await step('flags', () => {
    num(flags.port, '--port');
    const ttl = durationFlagMs(flags.cacheSuccessTtl, '--cache-success-ttl', 'seconds');
    const fttl = durationFlagMs(flags.cacheFailureTtl, '--cache-failure-ttl', 'seconds');
    const deadline = durationFlagMs(flags.deadline, '--deadline', 'milliseconds');
    const reload = durationFlagMs(flags.policyReload, '--policy-reload', 'milliseconds');
    lines.push(
      `flags: mode ${flags.mode}, port ${flags.port}, deadline ${deadline} ms, cache ${ttl / 1000} s pass / ${fttl / 1000} s fail, policy reload ${reload} ms, no-match ${noMatchPolicyOf(flags) ?? 'default'}`,
    );
  });
  if (flags.tlsSecret) {
    const t = await step('tls', () => managedTlsTarget(flags));
    lines.push(
      `tls: CA and serving certificate kept in Secret ${t.namespace}/${t.name} for ${t.service}.${t.namespace}.svc (issued at start if absent), caBundle of ${t.webhookConfigurations.map((w) => `${w.kind}/${w.name}`).join(', ') || 'no webhook configuration'}`,
    );
  }
  const tls = flags.tlsSecret ? undefined : await step('tls', () => tlsSource(flags, cwd));
  if (tls === undefined) {
    // checked above
  } else if (tls.kind === 'files') {
    lines.push(await step('tls', () => checkServingPair(tls.certFile, tls.keyFile, new Date())));
  } else lines.push('tls: self-signed certificate minted at start');
  await step('trusted root', () => loadTrustedRoot(flags.trustedRoot, cwd));
  lines.push(`trusted root: ${flags.trustedRoot ?? 'public-good (built in)'}`);
  await step('image store', () => repositoryOpener(ctx, flags));
  for (const [flag, file] of [
    ['--namespaces', flags.namespaces],
    ['--config-maps', flags.configMaps],
    ['--kubeconfig', flags.kubeconfig],
  ] as const) {
    if (file === undefined) continue;
    await step(flag, () =>
      readFile(resolve(cwd, file)).catch((e: unknown) => {
        throw new VouchError('FILE_NOT_FOUND', `cannot read ${file}: ${describeCause(e)}`, { cause: e });
      }),
    );
  }
  if (flags.inCluster) {
    await step('--in-cluster', () => {
      const env = ctx.io.env;
      if (!env['KUBERNETES_SERVICE_HOST'] || !env['KUBERNETES_SERVICE_PORT']) {
        throw new VouchError('USAGE', 'KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set', {
          hint: '--in-cluster works inside a pod; use --kubeconfig elsewhere',
        });
      }
    });
    lines.push(
      `cluster: in-cluster, API server ${ctx.io.env['KUBERNETES_SERVICE_HOST']}:${ctx.io.env['KUBERNETES_SERVICE_PORT']} (service-account token read at start)`,
    );
  }
  const paths = flags.policies.map((p) => resolve(cwd, p));
  const cue = cueSetup(flags.cue);
  try {
    const outcome = await new PolicyStore(paths, { cue }).reload();
    if (!outcome.ok) {
      const detail = outcome.issues.map((i) => `${i.source}: ${i.path}: ${i.message}`).join('; ');
      throw new VouchError('CONFIG_INVALID', `policies: ${outcome.error?.message ?? 'not loaded'}`, {
        ...(outcome.error ? { cause: outcome.error } : {}),
        hint: detail || 'run `vouch policy lint -f <file>`',
      });
    }
    lines.push(
      outcome.files.length > 0
        ? `policies: ${outcome.files.length} file(s) load`
        : `policies: none${paths.length > 0 ? ` in ${paths.join(', ')}` : ''}; every image gets the no-match policy`,
    );
  } finally {
    await cue.close();
  }
  ctx.io.stdout.write(`${lines.join('\n')}\nconfig ok\n`);
}

/** The serving pair parses, matches, and is valid now; returns its summary line. */
async function checkServingPair(certFile: string, keyFile: string, now: Date): Promise<string> {
  const read = (f: string) =>
    readFile(f, 'utf8').catch((e: unknown) => {
      throw new VouchError('FILE_NOT_FOUND', `cannot read ${f}: ${describeCause(e)}`, { cause: e });
    });
  const [certPem, keyPem] = await Promise.all([read(certFile), read(keyFile)]);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (e) {
    throw new VouchError('CERTIFICATE_INVALID', `${certFile} is not a PEM certificate`, { cause: e });
  }
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${keyFile} is not a PEM private key`, { cause: e });
  }
  if (!matches) throw new VouchError('CERTIFICATE_INVALID', `${keyFile} is not the key of ${certFile}`);
  const notAfter = new Date(cert.validTo);
  if (notAfter.getTime() <= now.getTime() || new Date(cert.validFrom).getTime() > now.getTime()) {
    throw new VouchError(
      'CERTIFICATE_INVALID',
      `${certFile} is not valid now (${cert.validFrom} to ${cert.validTo})`,
    );
  }
  return `tls: ${certFile} (${cert.subjectAltName ?? cert.subject}), valid until ${notAfter.toISOString()}`;
}
