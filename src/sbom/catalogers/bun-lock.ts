/**
 * bun's lockfiles. `bun.lock` (bun >= 1.2, bun.sh/docs/install/lockfile) is JSONC: `workspaces` maps each
 * workspace path to its name and declared dependencies, and `packages` maps an install path
 * (`dep`, or `parent/dep` for a copy nested under `parent`) to a tuple whose first element is the
 * resolved ident `name@version` (`name@github:o/r#<commit>`, `name@workspace:path`, `name@file:../x`)
 * and whose object element lists the package's own dependencies. `bun.lockb` is the older binary form,
 * which vouch does not decode: it says how to get the text form instead.
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft, Scope } from '../model.js';
import { isRecord, jsoncToJson, parseJsonFile, str } from '../parse-json.js';
import { npmPurl } from '../purl.js';
import { type CatalogResult, type Cataloger, baseName, dirName, text } from './cataloger.js';
import { versionOfSource } from './npm-source.js';
import { manifestIdentity, manifestPath } from './package-manifest.js';
import { hashesFromIntegrity } from './sri.js';

interface BunPackage {
  key: string;
  name: string;
  version: string;
  purl: string;
  deps: Map<string, string>;
  integrity?: string;
  origin?: 'root' | 'workspace' | 'local';
}

/** Own entries only: a key like `__proto__` is data here, never a prototype lookup. */
function entries(v: unknown): Array<[string, unknown]> {
  return isRecord(v) ? Object.entries(v) : [];
}

function depMap(info: unknown, sections: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  if (!isRecord(info)) return m;
  for (const s of sections) for (const [n, r] of entries(info[s])) m.set(n, String(r));
  return m;
}

/** `name@spec` split at the `@` that is not a scope marker. */
function splitIdent(ident: string): { name: string; spec: string } | undefined {
  const at = ident.indexOf('@', 1);
  return at > 0 ? { name: ident.slice(0, at), spec: ident.slice(at + 1) } : undefined;
}

/**
 * The version a resolved spec names: semver as is, a git/github source by its commit, a tarball by its
 * file name; a local source has none.
 */
function versionOf(
  name: string,
  spec: string,
): { version: string; origin?: 'workspace' | 'local' } | undefined {
  if (spec.startsWith('workspace:')) return { version: '', origin: 'workspace' };
  if (/^(?:file|link|portal):/.test(spec)) return { version: '', origin: 'local' };
  const version = spec === '' ? undefined : versionOfSource(name, spec);
  return version ? { version } : undefined;
}

/** The install path's package names: `a/@s/b/c` -> [`a`, `@s/b`, `c`]. */
function keyNames(key: string): string[] {
  const names: string[] = [];
  const segs = key.split('/');
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i] ?? '';
    if (s.startsWith('@') && i + 1 < segs.length) {
      names.push(`${s}/${segs[i + 1] ?? ''}`);
      i++;
    } else names.push(s);
  }
  return names;
}

export const bunLockCataloger: Cataloger = {
  name: 'javascript-lock-cataloger',
  matches: (path) => baseName(path) === 'bun.lock',
  // Workspaces are named by directory; their package.json gives a version bun.lock leaves out.
  wants(input) {
    let doc: unknown;
    try {
      doc = parseJsonFile(jsoncToJson(text(input.bytes)), input.path);
    } catch (e) {
      // The catalog step reports the bad lockfile; asking for nothing here is enough.
      if (e instanceof VouchError) return [];
      throw e;
    }
    return isRecord(doc)
      ? entries(doc['workspaces']).flatMap(([dir]) => manifestPath(input.path, dir) ?? [])
      : [];
  },
  catalog(input, ctx): CatalogResult {
    const doc = parseJsonFile(jsoncToJson(text(input.bytes)), input.path);
    if (!isRecord(doc))
      throw new VouchError('INPUT_MALFORMED', `${input.path}: a bun.lock must be a JSON object`);
    const lv = doc['lockfileVersion'];
    if (lv !== 0 && lv !== 1) {
      throw new VouchError(
        'UNSUPPORTED',
        `unsupported lockfileVersion ${JSON.stringify(lv)} in ${input.path}`,
        {
          hint: 'vouch reads bun.lock lockfileVersion 0 and 1',
        },
      );
    }
    const warnings: string[] = [];
    const byKey = new Map<string, BunPackage>();
    // Workspace members by name: bun.lock may omit a version, which the member's package.json then gives.
    const workspaceVersions = new Map<string, string>();
    let root: { name: string; version: string; info: Record<string, unknown> } | undefined;
    for (const [dir, ws] of entries(doc['workspaces'])) {
      if (!isRecord(ws)) continue;
      const path = manifestPath(input.path, dir);
      const manifest = path ? manifestIdentity(ctx.companion?.(path)) : undefined;
      const n = str(ws['name']) ?? manifest?.name;
      const v = str(ws['version']) ?? manifest?.version;
      if (n && v) workspaceVersions.set(n, v);
      if (dir === '' && n && v) root = { name: n, version: v, info: ws };
    }
    for (const [key, raw] of entries(doc['packages'])) {
      if (!Array.isArray(raw) || typeof raw[0] !== 'string')
        throw new VouchError(
          'INPUT_MALFORMED',
          `${input.path}: packages["${key}"] must be a tuple starting with "name@version"`,
        );
      const ident = splitIdent(raw[0]);
      const v = ident ? versionOf(ident.name, ident.spec) : undefined;
      if (!ident || !v) {
        warnings.push(
          `${input.path}: packages["${key}"] resolves to "${raw[0]}", which names no version; not listed`,
        );
        continue;
      }
      // A workspace member's dependencies are declared in `workspaces`, under its path.
      const info =
        v.origin === 'workspace'
          ? entries(doc['workspaces']).find(([path]) => path === ident.spec.slice('workspace:'.length))?.[1]
          : raw.find((x, i) => i > 0 && isRecord(x));
      const version = v.origin === 'workspace' ? (workspaceVersions.get(ident.name) ?? '') : v.version;
      if (version === '') continue; // project code (a path, or a member with no version) names no version
      const integrity = raw.find((x, i) => i > 0 && typeof x === 'string' && /^sha\d+-/.test(x));
      byKey.set(key, {
        key,
        name: ident.name,
        version,
        purl: npmPurl(ident.name, version),
        deps: depMap(info, ['dependencies', 'optionalDependencies', 'peerDependencies']),
        ...(typeof integrity === 'string' ? { integrity } : {}),
        ...(v.origin ? { origin: v.origin } : {}),
      });
    }
    if (root) {
      // The project itself; its packages are at the top of the install tree (key '').
      byKey.set('', {
        key: '',
        name: root.name,
        version: root.version,
        purl: npmPurl(root.name, root.version),
        deps: depMap(root.info, [
          'dependencies',
          'optionalDependencies',
          'peerDependencies',
          'devDependencies',
        ]),
        origin: 'root',
      });
    }
    // Node-style lookup: `parent/dep` first, then each ancestor's level, then the top.
    const resolve = (fromKey: string, dep: string): BunPackage | undefined => {
      const names = fromKey === '' ? [] : keyNames(fromKey);
      for (let n = names.length; n >= 0; n--) {
        const k = [...names.slice(0, n), dep].join('/');
        const p = byKey.get(k);
        if (p) return p;
      }
      return undefined;
    };
    const scopes = scopesFromWorkspaces(doc, resolve);
    const components: ComponentDraft[] = [];
    for (const p of byKey.values()) {
      const dependsOn = [...p.deps.keys()].flatMap((d) => {
        const t = resolve(p.key, d);
        return t ? [t.purl] : [];
      });
      components.push({
        name: p.name,
        version: p.version,
        purl: p.purl,
        scope: scopes.get(p.key) ?? 'required',
        hashes: hashesFromIntegrity(p.integrity),
        dependsOn,
        ...(p.origin ? { origin: p.origin } : {}),
        ...(p.origin === 'root' ? { type: 'application' as const } : {}),
      });
    }
    return { components, warnings };
  },
};

/** Packages reachable from a workspace's `dependencies` are required, else optional, else dev. */
function scopesFromWorkspaces(
  doc: Record<string, unknown>,
  resolve: (fromKey: string, dep: string) => BunPackage | undefined,
): Map<string, Scope> {
  const scope = new Map<string, Scope>();
  const order: Array<[string, Scope]> = [
    ['dependencies', 'required'],
    ['peerDependencies', 'required'],
    ['optionalDependencies', 'optional'],
    ['devDependencies', 'dev'],
  ];
  const workspaces = entries(doc['workspaces']).filter((e): e is [string, Record<string, unknown>] =>
    isRecord(e[1]),
  );
  for (const [section, s] of order) {
    const queue: BunPackage[] = [];
    for (const [path, ws] of workspaces) {
      // A workspace member's own copies are keyed under its name (`a/dep`); the root's at the top.
      const from = path === '' ? '' : (str(ws['name']) ?? '');
      for (const [dep] of entries(ws[section])) {
        const p = resolve(from, dep);
        if (p) queue.push(p);
      }
    }
    for (let p = queue.pop(); p !== undefined; p = queue.pop()) {
      if (scope.has(p.key)) continue;
      scope.set(p.key, s);
      for (const d of p.deps.keys()) {
        const t = resolve(p.key, d);
        if (t && !scope.has(t.key)) queue.push(t);
      }
    }
  }
  // Packages no workspace reaches (a stale lockfile) keep the safe default, required.
  return scope;
}

/**
 * `bun.lockb`, bun's binary lockfile before 1.2: not decoded. Beside a `bun.lock` it is stale and
 * ignored; alone, it is a warning that says how to produce the text lockfile vouch reads.
 */
export const bunLockbCataloger: Cataloger = {
  name: 'javascript-lock-cataloger',
  matches: (path) => baseName(path) === 'bun.lockb',
  companionNames: ['bun.lock'],
  wants: (input) => [dirName(input.path) === '' ? 'bun.lock' : `${dirName(input.path)}/bun.lock`],
  catalog(input, ctx): CatalogResult {
    const beside = dirName(input.path) === '' ? 'bun.lock' : `${dirName(input.path)}/bun.lock`;
    if (ctx.companion?.(beside)) return { components: [], warnings: [] };
    return {
      components: [],
      warnings: [
        `${input.path}: binary lockfile: run \`bun install --save-text-lockfile\` to write bun.lock, which vouch reads`,
      ],
    };
  },
  quietWhenEmpty: true,
};
