/**
 * pnpm-lock.yaml, lockfileVersion 3.x–5.x, 6.x and 9.x (pnpm.io/git#lockfiles; the format changed its
 * package keys twice): v5 `/name/1.0.0_peer`, v6 `/name@1.0.0(peer@2)`, v9 `name@1.0.0` with the
 * dependency graph moved to `snapshots`. Scope comes from `dev`/`optional` flags (v5/v6) or, in v9
 * which dropped them, from which importer section first reaches the package.
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft, Scope } from '../model.js';
import { isRecord, str } from '../parse-json.js';
import { npmPurl } from '../purl.js';
import { type CatalogResult, type Cataloger, baseName, text } from './cataloger.js';
import { manifestIdentity, manifestPath } from './package-manifest.js';
import { hashesFromIntegrity } from './sri.js';
import { parseLockfileYaml } from './yaml-lockfile.js';

interface Pkg {
  name: string;
  version: string;
  deps: string[];
  flags: Record<string, unknown>;
  integrity?: string;
  local?: boolean;
}

function stripPeers(v: string): string {
  const p = v.indexOf('(');
  const s = p >= 0 ? v.slice(0, p) : v;
  const u = s.indexOf('_');
  return u >= 0 ? s.slice(0, u) : s;
}

/**
 * Before v9, a package from another registry or a git host is keyed by host instead of `/`:
 * `registry.npmjs.org/foo/1.1.0`, `github.com/owner/repo/<commit>`. The host is not part of the name.
 */
function withoutHost(key: string, major: number): string {
  if (key.startsWith('/') || major >= 9) return key.startsWith('/') ? key.slice(1) : key;
  const slash = key.indexOf('/');
  return slash > 0 && key.slice(0, slash).includes('.') ? key.slice(slash + 1) : key;
}

/** A key for code inside the project (`file:..`, `link:packages/a`): named by its entry, not its key. */
function isLocalKey(key: string): boolean {
  return /^(?:file|link|workspace):/.test(key) || /@(?:file|link|workspace):/.test(key);
}

/** Parses a package key into name and version for the lockfile's major version. */
function parseKey(key: string, major: number): { name: string; version: string } | undefined {
  const k = stripPeers(withoutHost(key, major));
  if (major < 6) {
    const slash = k.lastIndexOf('/');
    if (slash <= 0) return undefined;
    return { name: k.slice(0, slash), version: k.slice(slash + 1) };
  }
  const at = k.indexOf('@', 1);
  if (at <= 0) return undefined;
  return { name: k.slice(0, at), version: k.slice(at + 1) };
}

/** A dependency reference (`1.2.3`, `1.2.3(peer@1)`, `/real@1.2.3`, `real@1.2.3`, `link:../x`) to a package key id. */
function refToId(depName: string, ref: string, major: number): string | undefined {
  // A `file:` dependency is keyed by the same `file:` text in `packages`; links are not packages.
  if (ref.startsWith('file:')) return ref;
  if (ref.startsWith('link:') || ref.startsWith('workspace:')) return undefined;
  const r = stripPeers(ref);
  // A full key (`/foo/1.0.0`, `registry.npmjs.org/foo/1.0.0`, `github.com/o/r/<commit>`).
  if (r.startsWith('/') || (major < 9 && /^[^/@]+\.[^/@]+\//.test(r))) {
    const p = parseKey(r, major);
    // A key the version's grammar cannot split (a v6 `github.com/o/r/<commit>`) is its own id.
    return p ? `${p.name}@${p.version}` : r.replace(/^\//, '');
  }
  // v9 aliases reference the real package as `real@1.2.3`.
  const at = r.indexOf('@', 1);
  if (at > 0 && !/^\d/.test(r)) return r;
  return `${depName}@${r}`;
}

function depsOf(entry: Record<string, unknown>, major: number): string[] {
  const out: string[] = [];
  for (const section of ['dependencies', 'optionalDependencies']) {
    const d = entry[section];
    if (!isRecord(d)) continue;
    for (const [n, ref] of Object.entries(d)) {
      const id = refToId(n, String(ref), major);
      if (id) out.push(id);
    }
  }
  return out;
}

/**
 * Each importer (workspace directory) and its declared dependencies: v6+ `importers`, or for a
 * single-project v5 lockfile the top-level sections as importer `.`.
 */
function importersOf(doc: Record<string, unknown>): Array<[string, Record<string, unknown>]> {
  if (isRecord(doc['importers']))
    return Object.entries(doc['importers']).filter((e): e is [string, Record<string, unknown>] =>
      isRecord(e[1]),
    );
  return [['.', doc]];
}

/** The project and workspace members, named by the package.json in each importer directory. */
function importerComponents(
  lockPath: string,
  doc: Record<string, unknown>,
  major: number,
  purlOf: (id: string) => string | undefined,
  companion: (path: string) => Uint8Array | undefined,
): ComponentDraft[] {
  const named = new Map<string, { name: string; version: string; purl: string }>();
  for (const [dir] of importersOf(doc)) {
    const path = manifestPath(lockPath, dir);
    const id = path ? manifestIdentity(companion(path)) : undefined;
    if (id) named.set(dir, { ...id, purl: npmPurl(id.name, id.version) });
  }
  const out: ComponentDraft[] = [];
  for (const [dir, imp] of importersOf(doc)) {
    const me = named.get(dir);
    if (!me) continue;
    const dependsOn: string[] = [];
    for (const section of ['dependencies', 'optionalDependencies', 'devDependencies']) {
      for (const [n, spec] of Object.entries(isRecord(imp[section]) ? imp[section] : {})) {
        const ref = isRecord(spec) ? str(spec['version']) : str(spec);
        if (!ref) continue;
        // `link:../b` is another importer: the workspace member it names.
        const target = ref.startsWith('link:') ? named.get(joinDir(dir, ref.slice(5))) : undefined;
        const p = target?.purl ?? purlOf(refToId(n, ref, major) ?? '');
        if (p) dependsOn.push(p);
      }
    }
    out.push({
      name: me.name,
      version: me.version,
      purl: me.purl,
      dependsOn,
      origin: dir === '.' ? 'root' : 'workspace',
      ...(dir === '.' ? { type: 'application' as const } : {}),
    });
  }
  return out;
}

/** An importer directory joined with a relative link (`packages/a` + `../b` -> `packages/b`). */
function joinDir(dir: string, rel: string): string {
  const parts = dir === '.' ? [] : dir.split('/');
  for (const seg of rel.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}

export const pnpmLockCataloger: Cataloger = {
  name: 'javascript-lock-cataloger',
  matches: (path) => baseName(path) === 'pnpm-lock.yaml',
  // The importer directories, read from the text (not a second YAML parse): each `importers:` key is a
  // two-space-indented `dir:` line. A lockfile without `importers` is one project, at `.`.
  wants(input) {
    const source = text(input.bytes);
    const m = /^importers:[ \t]*\r?$/m.exec(source);
    const dirs: string[] = [];
    if (!m) dirs.push('.');
    else {
      for (const line of source.slice(m.index + m[0].length).split('\n')) {
        if (line.trim() === '') continue;
        if (!line.startsWith(' ')) break;
        // `  dir:` or `  'dir':` (no regex: a hostile long line must not cost more than its length)
        const t = line.trimEnd();
        if (!t.startsWith('  ') || t.startsWith('   ') || !t.endsWith(':')) continue;
        const key = t.slice(2, -1);
        const q = key[0];
        const dir = (q === "'" || q === '"') && key.endsWith(q) && key.length >= 2 ? key.slice(1, -1) : key;
        if (dir !== '') dirs.push(dir);
      }
    }
    return dirs.flatMap((dir) => manifestPath(input.path, dir) ?? []);
  },
  catalog(input, ctx): CatalogResult {
    const doc = parseLockfileYaml(text(input.bytes), input.path);
    if (!isRecord(doc))
      throw new VouchError('INPUT_MALFORMED', `${input.path}: a pnpm lockfile must be a mapping`);
    const lv = String(doc['lockfileVersion'] ?? '');
    const major = Number.parseInt(lv, 10);
    // pnpm 3 and 4 wrote lockfileVersion 3.x/4.x with the same `/name/version` keys as 5.x.
    if (!(major === 3 || major === 4 || major === 5 || major === 6 || major === 9)) {
      throw new VouchError('UNSUPPORTED', `unsupported lockfileVersion ${lv || 'missing'} in ${input.path}`, {
        hint: 'vouch reads pnpm-lock.yaml lockfileVersion 3.x to 6.x and 9.x',
      });
    }
    const packages = isRecord(doc['packages']) ? doc['packages'] : {};
    const snapshots = isRecord(doc['snapshots']) ? doc['snapshots'] : undefined;
    const byId = new Map<string, Pkg>();
    const warnings: string[] = [];
    for (const [key, raw] of Object.entries(packages)) {
      if (!isRecord(raw))
        throw new VouchError('INPUT_MALFORMED', `${input.path}: packages["${key}"] must be a mapping`);
      // Tarball, git and local (`file:..`) packages carry their real name and version as fields.
      const local = isLocalKey(key);
      const p = local ? undefined : parseKey(key, major);
      const name = str(raw['name']) ?? p?.name;
      const version = raw['version'] !== undefined ? String(raw['version']) : p?.version;
      if (local && (!name || !version)) {
        warnings.push(`${input.path}: local package "${key}" names no name and version; not listed`);
        continue;
      }
      // A key the grammar cannot split is fine when the entry names itself (git and tarball packages).
      if (!p && !local && (!name || !version))
        throw new VouchError('INPUT_MALFORMED', `${input.path}: cannot read package key "${key}"`);
      if (!name || !version) continue;
      const res = isRecord(raw['resolution']) ? raw['resolution'] : {};
      const integrity = str(res['integrity']);
      byId.set(p ? `${p.name}@${p.version}` : key.replace(/^\//, ''), {
        name,
        version,
        deps: snapshots ? [] : depsOf(raw, major),
        flags: raw,
        ...(integrity ? { integrity } : {}),
        ...(local ? { local } : {}),
      });
    }
    if (snapshots) {
      for (const [key, raw] of Object.entries(snapshots)) {
        if (!isRecord(raw)) continue;
        const p = parseKey(key, major);
        const pkg = p ? byId.get(`${p.name}@${p.version}`) : undefined;
        if (pkg) for (const d of depsOf(raw, major)) if (!pkg.deps.includes(d)) pkg.deps.push(d);
      }
    }
    const scope = major === 9 ? scopesFromImporters(doc, byId, major) : undefined;
    const purls = new Map<string, string>();
    for (const [id, p] of byId) purls.set(id, npmPurl(p.name, p.version));
    const components: ComponentDraft[] = [];
    for (const [id, p] of byId) {
      const s: Scope =
        scope?.get(id) ??
        (p.flags['dev'] === true ? 'dev' : p.flags['optional'] === true ? 'optional' : 'required');
      components.push({
        name: p.name,
        version: p.version,
        purl: purls.get(id) ?? npmPurl(p.name, p.version),
        scope: s,
        hashes: hashesFromIntegrity(p.integrity),
        dependsOn: p.deps.flatMap((d) => {
          const x = purls.get(d);
          return x ? [x] : [];
        }),
        ...(p.local ? { origin: 'local' as const } : {}),
      });
    }
    components.push(
      ...importerComponents(
        input.path,
        doc,
        major,
        (id) => purls.get(id),
        ctx.companion ?? (() => undefined),
      ),
    );
    return { components, warnings };
  },
};

/** v9: packages reachable from any importer's `dependencies` are required, else optional, else dev. */
function scopesFromImporters(
  doc: Record<string, unknown>,
  byId: Map<string, Pkg>,
  major: number,
): Map<string, Scope> {
  const importers = isRecord(doc['importers']) ? doc['importers'] : {};
  const scope = new Map<string, Scope>();
  const order: Array<[string, Scope]> = [
    ['dependencies', 'required'],
    ['optionalDependencies', 'optional'],
    ['devDependencies', 'dev'],
  ];
  for (const [section, s] of order) {
    const queue: string[] = [];
    for (const imp of Object.values(importers)) {
      if (!isRecord(imp) || !isRecord(imp[section])) continue;
      for (const [n, spec] of Object.entries(imp[section])) {
        const ref = isRecord(spec) ? str(spec['version']) : str(spec);
        const id = ref ? refToId(n, ref, major) : undefined;
        if (id) queue.push(id);
      }
    }
    while (queue.length > 0) {
      const id = queue.pop();
      if (id === undefined || scope.has(id)) continue;
      const p = byId.get(id);
      if (!p) continue;
      scope.set(id, s);
      queue.push(...p.deps);
    }
  }
  return scope;
}
