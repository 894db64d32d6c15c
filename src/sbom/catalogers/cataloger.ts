/**
 * The contract every cataloger meets: a pure function from one file's bytes to the packages it names.
 * No I/O, no clock: the generator reads the tree and hands each cataloger only the files it matched.
 */
import type { ComponentDraft, OsInfo } from '../model.js';

export interface CatalogInput {
  path: string;
  bytes: Uint8Array;
}

export interface CatalogContext {
  /** The OS from os-release, for distro qualifiers on OS packages. */
  os?: OsInfo;
  /** Bytes budget for anything a cataloger expands (nested jars). */
  maxBytes: number;
  /**
   * Another file of the tree, by tree path, when the cataloger asked for it through `wants` (or named
   * its base name in `companionNames`); undefined when the tree has no such file.
   */
  companion?: (path: string) => Uint8Array | undefined;
}

export interface CatalogResult {
  components: ComponentDraft[];
  warnings: string[];
}

export interface Cataloger {
  /** Stable name recorded as `foundBy` (syft-style, e.g. `javascript-lock-cataloger`). */
  readonly name: string;
  /** OS package databases wait for os-release so their purls carry the distro qualifier. */
  readonly needsOs?: boolean;
  /**
   * Files this cataloger reads beside the one it matched (tree paths: a requirements file's `-r`
   * includes, go.sum's go.mod). Called after the walk, again as long as it names files not yet read;
   * `companion` answers for those already read. A cataloger with `wants` runs after the walk.
   */
  wants?(input: CatalogInput, companion: (path: string) => Uint8Array | undefined): string[];
  /**
   * Runs after the walk, with every file matched by an `afterWalk` (or `wants`) cataloger available
   * through `companion`: for formats where one file names others that the walk reads anyway
   * (an installed package.json and the installed packages it depends on).
   */
  readonly afterWalk?: boolean;
  /** Base names of files other catalogers match that `wants` may name (kept in memory after the walk). */
  readonly companionNames?: readonly string[];
  /** Matches files most of which are not its format (every executable): an empty result is no news. */
  readonly quietWhenEmpty?: boolean;
  /** Cheap path test; may look at mode/size to pick executables. */
  matches(path: string, mode: number | undefined, size: number): boolean;
  /** @throws INPUT_MALFORMED (naming file and line), UNSUPPORTED, INPUT_TOO_LARGE */
  catalog(input: CatalogInput, ctx: CatalogContext): CatalogResult;
}

/**
 * `rel` (a path written inside the file at `from`) as a tree path, or undefined when it is absolute or
 * climbs out of the tree: an include must never make vouch read outside what it was asked to scan.
 */
export function resolveInTree(from: string, rel: string): string | undefined {
  if (rel.startsWith('/') || /^[A-Za-z]:[\\/]/.test(rel) || rel.includes('\0')) return undefined;
  const parts = dirName(from) === '' ? [] : dirName(from).split('/');
  for (const seg of rel.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.length === 0 ? undefined : parts.join('/');
}

/** Last path segment. */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** Directory part (`''` for a top-level file). */
export function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Bytes as UTF-8 text without a BOM. */
export function text(bytes: Uint8Array): string {
  const s = decoder.decode(bytes);
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}
