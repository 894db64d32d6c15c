import { join } from 'node:path';
import type { Command } from 'commander';
import { parsePlatform, type Platform } from '../oci/index.js';
import type { OpenContext } from '../oci/index.js';
import type { SourceSpec } from '../oci/index.js';
import type { CommandContext } from './context.js';

export interface ImageFlags {
  insecureRegistry?: boolean;
  /** cosign's `--allow-http-registry`: the same as `--insecure-registry`. */
  allowHttpRegistry?: boolean;
  /** cosign's `--allow-insecure-registry`: plain HTTP too; vouch never turns TLS verification off. */
  allowInsecureRegistry?: boolean;
  platform?: string;
}

/** Flags every command that reads images shares, named as cosign/skopeo name them. */
export function addImageFlags(cmd: Command): Command {
  return cmd
    .option(
      '--insecure-registry',
      'speak plain HTTP to the registries this command names (local mirrors); loopback registries (localhost, 127.0.0.1, [::1]) get plain HTTP without it, as cosign does',
    )
    .option('--allow-http-registry', "cosign's name for --insecure-registry")
    .option(
      '--allow-insecure-registry',
      "cosign's flag, taken as --insecure-registry (plain HTTP); TLS certificates are always verified (trust a private CA with NODE_EXTRA_CA_CERTS)",
    )
    .option('--platform <os/arch[/variant]>', 'select one platform of a multi-platform image');
}

/** The edge's view of the environment as data for the OCI layer: docker config dir, insecure hosts. */
export function openContext(
  ctx: CommandContext,
  flags: ImageFlags,
  specs: readonly SourceSpec[],
  log?: (line: string) => void,
): OpenContext {
  const env = ctx.io.env;
  const insecure =
    flags.insecureRegistry === true ||
    flags.allowHttpRegistry === true ||
    flags.allowInsecureRegistry === true;
  const dockerConfigDir = env['DOCKER_CONFIG'] ?? (env['HOME'] ? join(env['HOME'], '.docker') : undefined);
  return {
    ...(dockerConfigDir ? { dockerConfigDir } : {}),
    // Plain HTTP only to the registries this command names, never a blanket switch; loopback always,
    // as go-containerregistry's name.Registry.Scheme() picks http for localhost and 127.0.0.1.
    insecureRegistries: specs.flatMap((s) =>
      s.kind === 'registry' && (insecure || isLoopbackRegistry(s.ref.registry)) ? [s.ref.registry] : [],
    ),
    cwd: ctx.io.cwd,
    env,
    ...(log ? { log } : {}),
  };
}

/**
 * A registry host on the loopback interface: `localhost[:port]`, `127.x.x.x[:port]`, `[::1][:port]`.
 * Traffic to it never leaves the machine, so plain HTTP there exposes nothing to the network.
 */
export function isLoopbackRegistry(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  return name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

export function platformFlag(flags: ImageFlags): Platform | undefined {
  return flags.platform ? parsePlatform(flags.platform) : undefined;
}

/** Debug lines go to stderr only with VOUCH_DEBUG=1. */
export function debugLog(ctx: CommandContext): ((line: string) => void) | undefined {
  return ctx.io.env['VOUCH_DEBUG'] === '1' ? (line) => ctx.io.stderr.write(`debug: ${line}\n`) : undefined;
}
