import { join } from 'node:path';
import type { Command } from 'commander';
import { parsePlatform, type Platform } from '../oci/manifest.js';
import type { OpenContext } from '../oci/open.js';
import type { SourceSpec } from '../oci/source-spec.js';
import type { CommandContext } from './context.js';

export interface ImageFlags {
  insecureRegistry?: boolean;
  platform?: string;
}

/** Flags every command that reads images shares, named as cosign/skopeo name them. */
export function addImageFlags(cmd: Command): Command {
  return cmd
    .option(
      '--insecure-registry',
      'speak plain HTTP to the registries this command names (loopback tests, local mirrors)',
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
  const dockerConfigDir = env['DOCKER_CONFIG'] ?? (env['HOME'] ? join(env['HOME'], '.docker') : undefined);
  return {
    ...(dockerConfigDir ? { dockerConfigDir } : {}),
    // Plain HTTP only to the registries this command names, never a blanket switch.
    insecureRegistries: flags.insecureRegistry
      ? specs.flatMap((s) => (s.kind === 'registry' ? [s.ref.registry] : []))
      : [],
    cwd: ctx.io.cwd,
    env,
    ...(log ? { log } : {}),
  };
}

export function platformFlag(flags: ImageFlags): Platform | undefined {
  return flags.platform ? parsePlatform(flags.platform) : undefined;
}

/** Debug lines go to stderr only with VOUCH_DEBUG=1. */
export function debugLog(ctx: CommandContext): ((line: string) => void) | undefined {
  return ctx.io.env['VOUCH_DEBUG'] === '1' ? (line) => ctx.io.stderr.write(`debug: ${line}\n`) : undefined;
}
