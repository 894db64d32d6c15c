import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);
const INSTALL_HINT = 'apt-get install -y skopeo';

/**
 * Runs skopeo with the given arguments (plain HTTP for loopback registries is added by the callers
 * below with --tls-verify=false); a missing skopeo fails with the install command.
 */
export async function skopeo(args: string[]): Promise<Buffer> {
  try {
    const { stdout } = await run('skopeo', args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new Error(`skopeo is not installed: ${INSTALL_HINT}`);
    throw new Error(`skopeo ${args.join(' ')} failed: ${err.stderr?.toString() ?? err.message}`);
  }
}

function transportFlags(
  ref: string,
  flag: '--tls-verify' | '--src-tls-verify' | '--dest-tls-verify',
): string[] {
  return ref.startsWith('docker://') ? [`${flag}=false`] : [];
}

/** `skopeo inspect --raw <ref>`: the manifest bytes exactly as skopeo reads them. */
export async function skopeoInspectRaw(ref: string): Promise<Buffer> {
  return skopeo(['inspect', '--raw', ...transportFlags(ref, '--tls-verify'), ref]);
}

/** `skopeo inspect --raw <ref> | sha256sum`, as `sha256:<hex>`. */
export async function skopeoManifestDigest(ref: string): Promise<string> {
  return `sha256:${createHash('sha256')
    .update(await skopeoInspectRaw(ref))
    .digest('hex')}`;
}

/** `skopeo inspect <ref>` (the summary JSON: Digest, Architecture, Os, Layers, Labels, Env…). */
export async function skopeoInspect(ref: string): Promise<Record<string, unknown>> {
  const out = await skopeo(['inspect', ...transportFlags(ref, '--tls-verify'), ref]);
  return JSON.parse(out.toString('utf8')) as Record<string, unknown>;
}

/** `skopeo copy <src> <dst>` with TLS verification off for loopback registries. */
export async function skopeoCopy(src: string, dst: string, extra: string[] = []): Promise<void> {
  await skopeo([
    'copy',
    '--quiet',
    ...transportFlags(src, '--src-tls-verify'),
    ...transportFlags(dst, '--dest-tls-verify'),
    ...extra,
    src,
    dst,
  ]);
}
