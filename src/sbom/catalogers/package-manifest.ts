/**
 * The project's own package.json files, for lockfiles that name their workspaces by directory
 * (pnpm `importers`, yarn berry `workspace:` entries, bun `workspaces`) but not by version: the
 * manifest in that directory gives the name and version the project or member is listed under.
 */
import { isRecord, str } from '../parse-json.js';
import { dirName, resolveInTree, text } from './cataloger.js';

/** The tree path of the package.json in workspace directory `dir` (relative to the lockfile). */
export function manifestPath(lockPath: string, dir: string): string | undefined {
  const d = dir === '' || dir === '.' ? '' : dir.replace(/\/+$/, '');
  if (d === '') return dirName(lockPath) === '' ? 'package.json' : `${dirName(lockPath)}/package.json`;
  return resolveInTree(lockPath, `${d}/package.json`);
}

/** name and version from package.json bytes; absent fields (or unparseable JSON) give undefined. */
export function manifestIdentity(
  bytes: Uint8Array | undefined,
): { name: string; version: string } | undefined {
  if (!bytes) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text(bytes));
  } catch {
    // A broken package.json is reported by the package.json comparison; here it only names nothing.
    return undefined;
  }
  if (!isRecord(doc)) return undefined;
  const name = str(doc['name']);
  const version = str(doc['version']);
  return name && version ? { name, version } : undefined;
}
