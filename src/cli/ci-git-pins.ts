import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Pin } from '../audit/index.js';
import { VouchError } from '../errors.js';

const run = promisify(execFile);

/**
 * Resolves `owner/repo@ref` in local clones: `DIR/owner/repo` (a working copy or a bare repository),
 * for mirrors kept inside a network without GitHub. The ref must name a commit (`git rev-parse
 * ref^{commit}`, so annotated tags resolve to the commit they tag); the version comment is the longest
 * tag on that commit (`git tag --points-at`). A repository or ref that is not there resolves to nothing.
 * @throws TOOL_MISSING when git cannot be run
 */
export async function resolvePinFromGit(dir: string, repo: string, ref: string): Promise<Pin | undefined> {
  const [owner, name] = repo.split('/');
  if (!owner || !name || owner.startsWith('.') || name.startsWith('.') || ref.startsWith('-'))
    return undefined;
  const path = join(dir, owner, name);
  try {
    if (!(await stat(path)).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  const git = async (args: string[]): Promise<string | undefined> => {
    try {
      const { stdout } = await run('git', ['-C', path, ...args], { maxBuffer: 4 * 1024 * 1024 });
      return stdout;
    } catch (e) {
      const err = e as { code?: unknown };
      if (err.code === 'ENOENT') throw new VouchError('TOOL_MISSING', 'git is not installed', { cause: e });
      return undefined;
    }
  };
  const sha = (await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]))?.trim();
  if (!sha || !/^[0-9a-f]{40}$/.test(sha)) return undefined;
  const tags = ((await git(['tag', '--points-at', sha])) ?? '').split('\n').filter((t) => t.length > 0);
  const version = tags.reduce((best, t) => (t.length > best.length ? t : best), '');
  return { sha, version: version || ref };
}
