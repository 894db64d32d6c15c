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
  /** Cheap path test; may look at mode/size to pick executables. */
  matches(path: string, mode: number | undefined, size: number): boolean;
  /** @throws INPUT_MALFORMED (naming file and line), UNSUPPORTED, INPUT_TOO_LARGE */
  catalog(input: CatalogInput, ctx: CatalogContext): CatalogResult;
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
