/**
 * The SBOM entry point: walks a FileTree, hands each file to the catalogers whose paths match, and
 * merges what they find by purl. OS package databases wait until os-release has been seen so their
 * purls carry the distro qualifier; catalogers that read a second file (`wants`, `afterWalk`) run after
 * the walk, and on a directory a few bounded extra passes read the files they named. Only matched
 * files are read (bounded by catalogFileMaxBytes). Credentials are redacted from everything found.
 */
import { VouchError, describeCause } from '../errors.js';
import { type Limits, withLimits } from '../limits.js';
import { comparePackageJson } from './catalogers/npm-package-lock.js';
import { type CatalogInput, type Cataloger, allCatalogers } from './catalogers/index.js';
import { baseName, dirName, text } from './catalogers/cataloger.js';
import { sniffCataloger } from './catalogers/sniff.js';
import type { FileCandidate, FileTree, ImageIdentity, TreeFile } from './file-tree.js';
import { type Component, type ComponentDraft, ComponentSet, type OsInfo } from './model.js';
import { OS_RELEASE_PATHS, parseOsRelease } from './os-release.js';
import { hasCredentials, redactCredentials, redactPurl } from './redact.js';

export interface SbomWarning {
  path: string;
  message: string;
}

export interface GenerateSbomOptions {
  limits?: Partial<Limits>;
  /** Defaults to every cataloger vouch has. */
  catalogers?: readonly Cataloger[];
  /** The image the tree was read from; becomes `metadata.component` in documents. */
  image?: ImageIdentity;
  /**
   * `error` (default, for `dir:` scans of a project): a malformed or unsupported lockfile stops the scan
   * with its code. `warn` (for images, whose files the user did not write): it becomes a warning.
   */
  onBadFile?: 'error' | 'warn';
}

export interface SbomResult {
  /** The tree's description (`dir:...`, `registry:...`). */
  source: string;
  image?: ImageIdentity;
  os?: OsInfo;
  /** Sorted by purl, deduplicated, edges resolved. */
  components: Component[];
  warnings: SbomWarning[];
}

/**
 * A tree of one file whose name no cataloger knows (`vouch sbom prod.lock`, `deps.txt`): its content
 * decides. Unrecognised content is a warning naming the file.
 */
async function catalogByContent(
  tree: FileTree,
  maxBytes: number,
  warnings: SbomWarning[],
  run: (file: TreeFile, cataloger: Cataloger) => boolean,
): Promise<void> {
  for await (const file of tree.files(() => true, { maxBytes, onWarning: (w) => warnings.push(w) })) {
    const cataloger = sniffCataloger(file.path, file.bytes);
    if (cataloger) run(file, cataloger);
    else
      warnings.push({
        path: file.path,
        message:
          'not a file vouch catalogs: neither its name nor its content is a known lockfile or package database',
      });
  }
}

/** Rounds of `wants` (each may walk the tree once more): the include depth vouch follows. */
const WANT_ROUNDS_MAX = 5;

/**
 * Reads the files deferred catalogers want beside their own, a bounded number of rounds (an include
 * may include another). Each round that needs files not yet read walks the tree once for exactly those.
 */
async function readWanted(
  tree: FileTree,
  deferred: ReadonlyArray<{ file: TreeFile; cataloger: Cataloger }>,
  companions: Map<string, Uint8Array>,
  maxBytes: number,
  warnings: SbomWarning[],
): Promise<void> {
  const asked = new Set<string>();
  const lookup = (p: string): Uint8Array | undefined => companions.get(p);
  for (let round = 0; round < WANT_ROUNDS_MAX; round++) {
    const missing = new Set<string>();
    for (const { file, cataloger } of deferred) {
      if (!cataloger.wants) continue;
      for (const p of cataloger.wants({ path: file.path, bytes: file.bytes }, lookup)) {
        if (!companions.has(p) && !asked.has(p)) missing.add(p);
      }
    }
    // An image is streamed once: what the walk did not read stays unread (the cataloger warns).
    if (missing.size === 0 || tree.rereadable !== true) return;
    for (const p of missing) asked.add(p);
    const files = tree.files((c) => missing.has(c.path), {
      maxBytes,
      onWarning: (w) => warnings.push(w),
    });
    for await (const f of files) companions.set(f.path, f.bytes);
  }
}

/** A draft with URL credentials taken out of everything that reaches a document. */
function withoutCredentials(d: ComponentDraft): ComponentDraft {
  const dirty =
    hasCredentials(d.name) ||
    hasCredentials(d.version) ||
    redactPurl(d.purl) !== d.purl ||
    (d.dependsOn ?? []).some((p) => redactPurl(p) !== p);
  if (!dirty) return d;
  return {
    ...d,
    name: redactCredentials(d.name),
    version: redactCredentials(d.version),
    purl: redactPurl(d.purl),
    ...(d.dependsOn ? { dependsOn: d.dependsOn.map(redactPurl) } : {}),
  };
}

/** The same error with URL credentials taken out of its message and hint (lockfile lines are quoted). */
function redactedError(e: VouchError): VouchError {
  const message = redactCredentials(e.message);
  const hint = e.hint === undefined ? undefined : redactCredentials(e.hint);
  if (message === e.message && hint === e.hint) return e;
  return new VouchError(e.code, message, { ...(hint ? { hint } : {}), fields: e.fields });
}

/**
 * Catalogs every package in `tree`.
 * @throws INPUT_MALFORMED, UNSUPPORTED (bad lockfiles, unless onBadFile is `warn`), IO_ERROR, INPUT_TOO_LARGE
 */
export async function generateSbom(tree: FileTree, options: GenerateSbomOptions = {}): Promise<SbomResult> {
  const limits = withLimits(options.limits);
  const catalogers = options.catalogers ?? allCatalogers;
  const onBadFile = options.onBadFile ?? 'error';
  const set = new ComponentSet();
  const warnings: SbomWarning[] = [];
  const osReleases = new Map<string, TreeFile>();
  const deferred: Array<{ file: TreeFile; cataloger: Cataloger }> = [];
  const manifests = new Map<string, CatalogInput>();
  const npmLocks: CatalogInput[] = [];
  let os: OsInfo | undefined;

  // Files kept after the walk for catalogers that read a second file (`wants` / `companionNames`).
  const companions = new Map<string, Uint8Array>();
  const companionNames = new Set(catalogers.flatMap((c) => c.companionNames ?? []));
  const companion = (path: string): Uint8Array | undefined => companions.get(path);

  /** Runs one cataloger on one file; false when the file was bad and became a warning. */
  const run = (file: TreeFile, cataloger: Cataloger): boolean => {
    try {
      const r = cataloger.catalog(
        { path: file.path, bytes: file.bytes },
        {
          ...(os ? { os } : {}),
          maxBytes: limits.catalogFileMaxBytes,
          companion,
        },
      );
      const location = file.layer ? { path: file.path, layer: file.layer } : { path: file.path };
      for (const d of r.components) set.add(withoutCredentials(d), cataloger.name, location);
      for (const w of r.warnings) warnings.push({ path: file.path, message: redactCredentials(w) });
      // A file a cataloger recognised that names nothing is said so, never a silent gap.
      if (r.components.length === 0 && r.warnings.length === 0 && !cataloger.quietWhenEmpty)
        warnings.push({
          path: file.path,
          message: `${cataloger.name} recognised this file but found no packages in it`,
        });
      return true;
    } catch (caught) {
      const e = caught instanceof VouchError ? redactedError(caught) : caught;
      if (!(e instanceof VouchError)) {
        // A cataloger bug must not hide as "no packages": it surfaces, wrapped with the file it choked on.
        throw new VouchError(
          'INTERNAL',
          redactCredentials(`${cataloger.name} failed on ${file.path}: ${describeCause(e)}`),
          {
            cause: e,
          },
        );
      }
      if (onBadFile === 'error') throw e;
      warnings.push({ path: file.path, message: `${e.code}: ${e.message}` });
      return false;
    }
  };

  const matching = (path: string, mode: number | undefined, size: number): Cataloger[] =>
    catalogers.filter((c) => c.matches(path, mode, size));
  const isOsRelease = (p: string): boolean => (OS_RELEASE_PATHS as readonly string[]).includes(p);
  const isManifest = (p: string): boolean => baseName(p) === 'package.json' && !p.includes('node_modules/');

  // Counted so that one named file nothing matched by name (`vouch sbom prod.lock`) can be sniffed.
  let offered = 0;
  let matched = 0;
  const want = (c: FileCandidate): boolean => {
    offered++;
    const cataloged = matching(c.path, c.mode, c.size).length > 0;
    if (cataloged) matched++;
    return cataloged || isOsRelease(c.path) || isManifest(c.path);
  };
  const files = tree.files(want, {
    maxBytes: limits.catalogFileMaxBytes,
    onWarning: (w) => warnings.push(w),
  });
  for await (const file of files) {
    if (isOsRelease(file.path)) osReleases.set(file.path, file);
    if (isManifest(file.path)) {
      manifests.set(dirName(file.path), { path: file.path, bytes: file.bytes });
      // Lockfiles that name workspaces by directory read their versions from these (`wants`).
      companions.set(file.path, file.bytes);
    }
    if (companionNames.has(baseName(file.path))) companions.set(file.path, file.bytes);
    for (const c of matching(file.path, file.mode, file.size)) {
      if (c.needsOs || c.wants || c.afterWalk) {
        deferred.push({ file, cataloger: c });
        if (c.wants || c.afterWalk) companions.set(file.path, file.bytes);
      } else if (run(file, c) && baseName(file.path) === 'package-lock.json') {
        npmLocks.push({ path: file.path, bytes: file.bytes });
      }
    }
  }

  // os-release(5): /etc/os-release wins, /usr/lib/os-release is the fallback.
  const release = OS_RELEASE_PATHS.map((p) => osReleases.get(p)).find((f) => f !== undefined);
  if (release) os = parseOsRelease(text(release.bytes));
  await readWanted(tree, deferred, companions, limits.catalogFileMaxBytes, warnings);
  for (const { file, cataloger } of deferred) run(file, cataloger);

  if (tree.singleFile === true && offered === 1 && matched === 0 && options.catalogers === undefined) {
    await catalogByContent(tree, limits.catalogFileMaxBytes, warnings, run);
  }

  for (const lock of npmLocks) {
    const manifest = manifests.get(dirName(lock.path));
    if (!manifest) continue;
    try {
      for (const w of comparePackageJson(lock, manifest))
        warnings.push({ path: lock.path, message: redactCredentials(w) });
    } catch (e) {
      if (!(e instanceof VouchError)) throw e;
      warnings.push({ path: manifest.path, message: redactCredentials(`${e.code}: ${e.message}`) });
    }
  }

  warnings.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // Last, after the file warnings that explain it.
  if (set.size === 0) {
    warnings.push({
      path: '.',
      message:
        matched === 0
          ? `no packages found: ${tree.description} holds no file vouch catalogs (lockfiles, package databases, archives, binaries)`
          : `no packages found in ${tree.description}: the files vouch recognised listed none (see the warnings above)`,
    });
  }

  return {
    source: tree.description,
    ...(options.image ? { image: options.image } : {}),
    ...(os ? { os } : {}),
    components: set.toSortedArray(),
    warnings,
  };
}
