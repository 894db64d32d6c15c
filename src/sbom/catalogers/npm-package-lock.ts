/**
 * npm package-lock.json / npm-shrinkwrap.json, lockfileVersion 1, 2 and 3
 * (docs.npmjs.com/cli/v10/configuring-npm/package-lock-json). v2/v3 list every installed path under
 * `packages`; v1 nests `dependencies`. Edges follow Node's module resolution: a dependency of
 * `node_modules/a` is looked up in `node_modules/a/node_modules/<dep>` first, then up the tree.
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft, Origin, Scope } from '../model.js';
import { isRecord, parseJsonFile, recordField, str } from '../parse-json.js';
import { npmPurl } from '../purl.js';
import { type CatalogInput, type CatalogResult, type Cataloger, baseName, text } from './cataloger.js';
import { versionOfSource } from './npm-source.js';
import { hashesFromIntegrity } from './sri.js';

const NM = 'node_modules/';

function scopeOf(e: Record<string, unknown>): Scope {
  if (e['dev'] === true || e['devOptional'] === true) return 'dev';
  if (e['optional'] === true) return 'optional';
  return 'required';
}

function depNames(e: Record<string, unknown>, where: string, withDev = false): string[] {
  const names: string[] = [];
  const sections = ['dependencies', 'optionalDependencies', 'peerDependencies', 'requires'];
  for (const key of withDev ? [...sections, 'devDependencies'] : sections) {
    const v = e[key];
    if (v === undefined) continue;
    if (!isRecord(v)) throw new VouchError('INPUT_MALFORMED', `${where}: "${key}" must be an object`);
    for (const n of Object.keys(v)) if (!names.includes(n)) names.push(n);
  }
  return names;
}

/** `npm:real-name@1.2.3` alias specs (v1 `version`) split into the real name and version. */
function unalias(name: string, version: string): { name: string; version: string } {
  // A v1 `version` may be a git or tarball source; a source naming no commit keeps its (redacted) text.
  if (!version.startsWith('npm:')) return { name, version: versionOfSource(name, version) ?? version };
  const spec = version.slice(4);
  const at = spec.lastIndexOf('@');
  return at > 0 ? { name: spec.slice(0, at), version: spec.slice(at + 1) } : { name, version };
}

function nameFromKey(key: string): string {
  const i = key.lastIndexOf(NM);
  return i < 0 ? key : key.slice(i + NM.length);
}

function parentKey(key: string): string | undefined {
  const i = key.lastIndexOf(`/${NM}`);
  if (i >= 0) return key.slice(0, i);
  return key.startsWith(NM) ? '' : undefined;
}

function catalogV2(path: string, packages: Record<string, unknown>): ComponentDraft[] {
  const purlByKey = new Map<string, string>();
  const purlById = new Map<string, string>();
  const linkTarget = new Map<string, string>();
  const entries: Array<[string, Record<string, unknown>]> = [];
  for (const [key, raw] of Object.entries(packages)) {
    if (!isRecord(raw))
      throw new VouchError('INPUT_MALFORMED', `${path}: packages["${key}"] must be an object`);
    if (raw['link'] === true) {
      const target = str(raw['resolved']);
      if (target !== undefined) linkTarget.set(key, target);
      continue;
    }
    const version = str(raw['version']);
    if (!version) continue; // extraneous or not installed: nothing to name
    // Aliases (`"foo": "npm:bar@1"`) are installed under the alias key with `name` set to the real name.
    const name = str(raw['name']) ?? (key.includes(NM) ? nameFromKey(key) : undefined);
    if (!name) continue; // a root or member package.json without a name
    // The same name@version is often installed at many paths: build its purl once.
    const id = `${name}@${version}`;
    let purl = purlById.get(id);
    if (purl === undefined) {
      purl = npmPurl(name, version);
      purlById.set(id, purl);
    }
    purlByKey.set(key, purl);
    entries.push([key, raw]);
  }
  const resolve = (from: string, dep: string): string | undefined => {
    let base: string | undefined = from;
    while (base !== undefined) {
      const k = base === '' ? `${NM}${dep}` : `${base}/${NM}${dep}`;
      const target = linkTarget.get(k) ?? k;
      const p = purlByKey.get(target);
      if (p) return p;
      base = base === '' ? undefined : (parentKey(base) ?? '');
    }
    return undefined;
  };
  const root = packages[''];
  const rootIsWorkspace = isRecord(root) && root['workspaces'] !== undefined;
  const out: ComponentDraft[] = [];
  for (const [key, e] of entries) {
    const purl = purlByKey.get(key);
    if (!purl) continue;
    const version = str(e['version']) ?? '';
    const name = str(e['name']) ?? nameFromKey(key);
    // The root (`""`) and workspace/local members (keys outside node_modules) are project code: their
    // devDependencies are installed too, so they are edges.
    const project = !key.includes(NM);
    const origin: Origin | undefined =
      key === '' ? 'root' : project ? (rootIsWorkspace ? 'workspace' : 'local') : undefined;
    const dependsOn: string[] = [];
    for (const d of depNames(e, `${path}: packages["${key}"]`, project)) {
      const p = resolve(key, d);
      if (p) dependsOn.push(p);
    }
    const license = str(e['license']);
    out.push({
      name,
      version,
      purl,
      scope: scopeOf(e),
      hashes: hashesFromIntegrity(str(e['integrity'])),
      dependsOn,
      ...(license ? { license } : {}),
      ...(origin ? { origin } : {}),
      ...(origin === 'root' ? { type: 'application' as const } : {}),
    });
  }
  return out;
}

function catalogV1(path: string, deps: Record<string, unknown>): ComponentDraft[] {
  const out: ComponentDraft[] = [];
  // Each frame knows its own nested dependencies and its parent, for Node-style lookup of `requires`.
  interface Frame {
    deps: Record<string, unknown>;
    parent: Frame | undefined;
  }
  const purlOf = (frame: Frame, name: string): string | undefined => {
    const raw = frame.deps[name];
    if (!isRecord(raw)) return undefined;
    const v = str(raw['version']);
    if (!v || v.startsWith('file:')) return undefined;
    const real = unalias(name, v);
    return npmPurl(real.name, real.version);
  };
  const visit = (frame: Frame, depth: number): void => {
    if (depth > 256) throw new VouchError('INPUT_MALFORMED', `${path}: dependencies nested deeper than 256`);
    for (const [alias, raw] of Object.entries(frame.deps)) {
      if (!isRecord(raw))
        throw new VouchError('INPUT_MALFORMED', `${path}: dependencies["${alias}"] must be an object`);
      const v = str(raw['version']);
      const nested = recordField(raw, 'dependencies', `${path}: dependencies["${alias}"]`);
      const child: Frame = { deps: nested, parent: frame };
      if (v && !v.startsWith('file:')) {
        const real = unalias(alias, v);
        const dependsOn: string[] = [];
        const requires = recordField(raw, 'requires', `${path}: dependencies["${alias}"]`);
        for (const r of Object.keys(requires)) {
          for (let f: Frame | undefined = child; f; f = f.parent) {
            const p = purlOf(f, r);
            if (p) {
              dependsOn.push(p);
              break;
            }
          }
        }
        out.push({
          name: real.name,
          version: real.version,
          purl: npmPurl(real.name, real.version),
          scope: scopeOf(raw),
          hashes: hashesFromIntegrity(str(raw['integrity'])),
          dependsOn,
        });
      }
      visit(child, depth + 1);
    }
  };
  visit({ deps, parent: undefined }, 0);
  return out;
}

/** The parsed lockfile's top-level object. @throws INPUT_MALFORMED */
function parseLock(input: CatalogInput): Record<string, unknown> {
  const doc = parseJsonFile(text(input.bytes), input.path);
  if (!isRecord(doc))
    throw new VouchError('INPUT_MALFORMED', `${input.path}: a lockfile must be a JSON object`);
  return doc;
}

export const npmPackageLockCataloger: Cataloger = {
  name: 'javascript-lock-cataloger',
  matches(path) {
    const b = baseName(path);
    return (b === 'package-lock.json' || b === 'npm-shrinkwrap.json') && !path.includes(`${NM}.package-lock`);
  },
  catalog(input): CatalogResult {
    const doc = parseLock(input);
    const v = doc['lockfileVersion'];
    if (v !== 1 && v !== 2 && v !== 3) {
      throw new VouchError(
        'UNSUPPORTED',
        `unsupported lockfileVersion ${JSON.stringify(v)} in ${input.path}`,
        {
          hint: 'vouch reads package-lock.json lockfileVersion 1, 2 and 3',
        },
      );
    }
    // v2 carries both sections; `packages` is the complete one (v1 `dependencies` omits links). Some
    // tools write `lockfileVersion: 2` with only the v1 `dependencies` section: the label is not the
    // layout, so the section that is present is read.
    const packages = recordField(doc, 'packages', input.path);
    const useV1 = v === 1 || (Object.keys(packages).length === 0 && isRecord(doc['dependencies']));
    const components = useV1
      ? catalogV1(input.path, recordField(doc, 'dependencies', input.path))
      : catalogV2(input.path, packages);
    return { components, warnings: [] };
  },
};

/**
 * Compares a v2/v3 lockfile's root entry with the package.json beside it; each direct dependency the
 * manifest declares but the lockfile does not (or with another range) is a warning: the lockfile is stale.
 * @throws INPUT_MALFORMED
 */
export function comparePackageJson(lock: CatalogInput, manifest: CatalogInput): string[] {
  const doc = parseLock(lock);
  const pkg = parseJsonFile(text(manifest.bytes), manifest.path);
  if (!isRecord(pkg)) return [];
  const root = isRecord(doc['packages']) ? doc['packages'][''] : undefined;
  if (!isRecord(root)) return [];
  const warnings: string[] = [];
  for (const key of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    const declared = recordField(pkg, key, manifest.path);
    const locked = recordField(root, key, lock.path);
    for (const [name, range] of Object.entries(declared)) {
      const l = locked[name];
      if (l === undefined)
        warnings.push(`${lock.path}: ${manifest.path} declares ${key}.${name} but the lockfile does not`);
      else if (l !== range)
        warnings.push(
          `${lock.path}: ${key}.${name} is "${String(range)}" in ${manifest.path} but "${String(l)}" in the lockfile`,
        );
    }
    for (const name of Object.keys(locked)) {
      if (!(name in declared))
        warnings.push(`${lock.path}: lockfile has ${key}.${name} which ${manifest.path} no longer declares`);
    }
  }
  return warnings;
}
