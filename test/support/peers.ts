import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The peer tools scripts/install-peers.sh installs: the tools vouch interoperates with and is measured against. */
export type PeerName =
  | 'cosign'
  | 'syft'
  | 'grype'
  | 'helm'
  | 'actionlint'
  | 'zizmor'
  | 'in-toto-run'
  | 'in-toto-record'
  | 'in-toto-sign'
  | 'in-toto-verify'
  | 'in-toto-python'
  | 'lockfile-lint'
  | 'cdxgen'
  | 'gpg';

/** Where scripts/install-peers.sh puts the binaries (VOUCH_PEERS_DIR, default ~/.cache/vouch-peers). */
export function peersBinDir(): string {
  return join(process.env.VOUCH_PEERS_DIR ?? join(homedir(), '.cache', 'vouch-peers'), 'bin');
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The path of a peer: first the peers directory, then PATH. A missing peer is an error that names the
 * install script, never a skip: CI installs every peer, so an interoperability test must not pass
 * silently without the tool it compares against.
 */
export function peerPath(name: PeerName): string {
  const dirs = [peersBinDir(), ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  throw new Error(`${name} is not installed: run bash scripts/install-peers.sh`);
}

export interface PeerResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a peer and returns its exit code and output; a non-zero exit is a result, not an error. */
export async function runPeer(
  name: PeerName,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<PeerResult> {
  const file = peerPath(name);
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      maxBuffer: 256 * 1024 * 1024,
      timeout: opts.timeoutMs ?? 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof err.code === 'number')
      return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
    throw new Error(`${name} ${args.join(' ')} failed to run: ${err.message}`);
  }
}
