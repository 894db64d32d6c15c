/**
 * The component model every cataloger produces and every document writer consumes. It knows nothing
 * about CycloneDX or SPDX: writers shape it per format (model -> normalise -> serialise).
 */

/** How a component is needed: `required` at run time, `optional` (npm optionalDependencies), `dev` (build/test only). */
export type Scope = 'required' | 'optional' | 'dev';

/**
 * Where a component comes from when it is not a published third-party release: `root` is the project
 * a lockfile belongs to, `workspace` a member of its workspace/monorepo, `local` a package from a path
 * (`file:..`, Bundler `PATH`, `link:`). Such components are listed (mature scanners do, and dependency
 * edges through them stay complete) and marked, so a reader can tell them from registry packages.
 */
export type Origin = 'root' | 'workspace' | 'local';

/** CycloneDX component types we emit; SPDX maps them to primaryPackagePurpose. */
export type ComponentType = 'library' | 'application' | 'operating-system' | 'framework';

export type HashAlgorithm = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512' | 'MD5';

export interface Hash {
  alg: HashAlgorithm;
  /** Lowercase hex. */
  content: string;
}

/** Where a component was found: a path inside the scanned tree and, for images, the layer that holds it. */
export interface Location {
  path: string;
  layer?: string;
}

export interface Component {
  name: string;
  version: string;
  /** Package URL, the identity components are deduplicated by. */
  purl: string;
  type: ComponentType;
  /** A declared SPDX license expression, when the package states one. */
  license?: string;
  hashes: Hash[];
  scope: Scope;
  /** Name of the cataloger that found it (several when merged). */
  foundBy: string[];
  locations: Location[];
  /** purls of the components this one depends on. */
  dependsOn: string[];
  /** Set for project-local components (see Origin); absent for registry/VCS packages. */
  origin?: Origin;
}

/** A component as a cataloger builds it: the merge-able lists may be left out. */
export interface ComponentDraft {
  name: string;
  version: string;
  purl: string;
  type?: ComponentType;
  license?: string | undefined;
  hashes?: Hash[];
  scope?: Scope;
  dependsOn?: string[];
  origin?: Origin;
}

/** The operating system an image runs, from os-release. */
export interface OsInfo {
  /** os-release ID, e.g. `debian`, `alpine`, `rhel`. */
  id: string;
  /** os-release VERSION_ID, e.g. `12`, `3.18.4`. */
  versionId: string;
  prettyName?: string;
  /** os-release ID_LIKE entries. */
  idLike: string[];
  /** purl `distro` qualifier: `<id>-<versionId>` (the form syft and the purl spec examples use). */
  distro: string;
}

const SCOPE_RANK: Record<Scope, number> = { required: 0, optional: 1, dev: 2 };

/** The wider of two scopes: a package any required path reaches is required. */
export function widerScope(a: Scope, b: Scope): Scope {
  return SCOPE_RANK[a] <= SCOPE_RANK[b] ? a : b;
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function locationKey(l: Location): string {
  return `${l.layer ?? ''}\u0000${l.path}`;
}

/**
 * Collects components by purl: the same package found by two catalogers or in two lockfiles becomes one
 * component with both locations, the union of its edges and hashes, and the widest scope.
 */
export class ComponentSet {
  readonly #byPurl = new Map<string, Component>();

  add(draft: ComponentDraft, foundBy: string, location: Location): Component {
    const existing = this.#byPurl.get(draft.purl);
    if (!existing) {
      const c: Component = {
        name: draft.name,
        version: draft.version,
        purl: draft.purl,
        type: draft.type ?? 'library',
        ...(draft.license ? { license: draft.license } : {}),
        hashes: [...(draft.hashes ?? [])],
        scope: draft.scope ?? 'required',
        foundBy: [foundBy],
        locations: [location],
        dependsOn: [...new Set(draft.dependsOn ?? [])],
        ...(draft.origin ? { origin: draft.origin } : {}),
      };
      this.#byPurl.set(draft.purl, c);
      return c;
    }
    existing.scope = widerScope(existing.scope, draft.scope ?? 'required');
    // Found once as a registry package, it is one (a workspace member can also be published).
    if (existing.origin && !draft.origin) delete existing.origin;
    if (!existing.license && draft.license) existing.license = draft.license;
    if (!existing.foundBy.includes(foundBy)) existing.foundBy.push(foundBy);
    if (!existing.locations.some((l) => locationKey(l) === locationKey(location)))
      existing.locations.push(location);
    for (const h of draft.hashes ?? []) {
      if (!existing.hashes.some((x) => x.alg === h.alg)) existing.hashes.push(h);
    }
    for (const d of draft.dependsOn ?? []) if (!existing.dependsOn.includes(d)) existing.dependsOn.push(d);
    return existing;
  }

  get size(): number {
    return this.#byPurl.size;
  }

  has(purl: string): boolean {
    return this.#byPurl.has(purl);
  }

  /**
   * Every component in purl order with its lists sorted, and edges to purls that were never found dropped
   * (an edge must point at a component in the same document for CycloneDX and SPDX to be valid).
   */
  toSortedArray(): Component[] {
    const out = [...this.#byPurl.values()].sort((a, b) => byString(a.purl, b.purl));
    for (const c of out) {
      c.dependsOn = c.dependsOn.filter((d) => d !== c.purl && this.#byPurl.has(d)).sort(byString);
      c.locations.sort((a, b) => byString(locationKey(a), locationKey(b)));
      c.foundBy.sort(byString);
      c.hashes.sort((a, b) => byString(a.alg, b.alg));
    }
    return out;
  }
}
