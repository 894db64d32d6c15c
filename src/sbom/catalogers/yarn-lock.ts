/**
 * yarn.lock, both dialects. Classic (yarn 1) is yarn's own indented format (`# yarn lockfile v1`); berry
 * (yarn 2+) is YAML with a `__metadata` entry. Each entry is keyed by the descriptors that resolved to
 * it (`"a@^1.0.0", "a@^1.1.0":`), which is also how dependency edges are resolved.
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft, Origin } from '../model.js';
import { isRecord, str } from '../parse-json.js';
import { npmPurl } from '../purl.js';
import { type CatalogInput, type CatalogResult, type Cataloger, baseName, text } from './cataloger.js';
import { manifestIdentity, manifestPath } from './package-manifest.js';
import { hashesFromIntegrity } from './sri.js';
import { parseLockfileYaml } from './yaml-lockfile.js';

interface Entry {
  descriptors: string[];
  fields: Map<string, string>;
  dependencies: Map<string, string>;
  line: number;
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    return t.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return t;
}

/** Splits `key value` where either may be quoted. */
function splitKV(line: string): [string, string] {
  const s = line.trim();
  if (s.startsWith('"')) {
    let i = 1;
    while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
    return [unquote(s.slice(0, i + 1)), unquote(s.slice(i + 1))];
  }
  const sp = s.search(/[\s:]/);
  if (sp < 0) return [s, ''];
  const rest = s.slice(sp).replace(/^:?\s*/, '');
  return [s.slice(0, sp), unquote(rest)];
}

/** Parses the yarn 1 lockfile format. @throws INPUT_MALFORMED naming the line */
export function parseClassicYarnLock(source: string, path: string): Entry[] {
  const entries: Entry[] = [];
  let current: Entry | undefined;
  let inDeps = false;
  const lines = source.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trimEnd();
    const bad = (why: string): VouchError =>
      new VouchError('INPUT_MALFORMED', `${path}:${i + 1}: ${why}`, {
        hint: 'regenerate it with `yarn install`',
      });
    if (indent === 0) {
      if (!line.endsWith(':')) throw bad('expected an entry header ending in ":"');
      const descriptors = line
        .slice(0, -1)
        .split(/,\s*/)
        .map(unquote)
        .filter((d) => d !== '');
      if (descriptors.length === 0) throw bad('empty entry header');
      current = { descriptors, fields: new Map(), dependencies: new Map(), line: i + 1 };
      entries.push(current);
      inDeps = false;
    } else if (!current) {
      throw bad('indented line outside an entry');
    } else if (indent === 2) {
      if (line.endsWith(':')) {
        const section = unquote(line.trim().slice(0, -1));
        inDeps = section === 'dependencies' || section === 'optionalDependencies';
        continue;
      }
      inDeps = false;
      const [k, v] = splitKV(line);
      current.fields.set(k, v);
    } else if (indent >= 4) {
      if (!inDeps) continue; // other nested sections (dependenciesMeta...) carry no packages
      const [k, v] = splitKV(line);
      current.dependencies.set(k, v);
    } else {
      throw bad(`unexpected indentation of ${indent}`);
    }
  }
  return entries;
}

/** `name@range` split at the `@` that is not a scope marker. */
function splitDescriptor(d: string): { name: string; range: string } {
  const at = d.indexOf('@', 1);
  return at < 0 ? { name: d, range: '' } : { name: d.slice(0, at), range: d.slice(at + 1) };
}

function realNameFromRange(alias: string, range: string): string {
  // `alias@npm:real@^1` installs the package `real` under the name `alias`.
  if (range.startsWith('npm:')) {
    const spec = range.slice(4);
    const at = spec.lastIndexOf('@');
    if (at > 0) return spec.slice(0, at);
  }
  return alias;
}

function catalogClassic(input: CatalogInput, source: string): ComponentDraft[] {
  const entries = parseClassicYarnLock(source, input.path);
  const purlByDescriptor = new Map<string, string>();
  const drafts: Array<{ draft: ComponentDraft; entry: Entry }> = [];
  for (const e of entries) {
    const version = e.fields.get('version');
    const first = e.descriptors[0];
    if (!version || !first) {
      throw new VouchError('INPUT_MALFORMED', `${input.path}:${e.line}: entry has no version`);
    }
    const { name: alias, range } = splitDescriptor(first);
    if (range.startsWith('file:') || range.startsWith('link:')) continue;
    const name = realNameFromRange(alias, range);
    const purl = npmPurl(name, version);
    for (const d of e.descriptors) purlByDescriptor.set(d, purl);
    drafts.push({
      entry: e,
      draft: { name, version, purl, hashes: hashesFromIntegrity(e.fields.get('integrity')) },
    });
  }
  return drafts.map(({ draft, entry }) => ({
    ...draft,
    dependsOn: [...entry.dependencies].flatMap(([n, r]) => {
      const p = purlByDescriptor.get(`${n}@${r}`);
      return p ? [p] : [];
    }),
  }));
}

/**
 * A berry locator (the part after `name@` in `resolution`) that names code from outside the project:
 * `npm:1.2.3`, `patch:...`, a git source (`https://github.com/o/r.git#commit=...`, `github:o/r#commit=`,
 * `git+ssh://...`) or a remote tarball. `workspace:`, `link:`, `portal:`, `file:` and `exec:` are local.
 */
function isThirdPartyLocator(locator: string): boolean {
  if (locator.startsWith('npm:') || locator.startsWith('patch:')) return true;
  if (/^(?:workspace|link|portal|file|exec):/.test(locator)) return false;
  return (
    /^(?:git(?:\+[a-z]+)?:|https?:|ssh:|github:|gitlab:|bitbucket:)/.test(locator) ||
    locator.includes('#commit=')
  );
}

/** The workspace directory of a berry `workspace:` locator, or undefined for other locators. */
function workspaceDir(locator: string): string | undefined {
  return locator.startsWith('workspace:') ? locator.slice('workspace:'.length) : undefined;
}

function catalogBerry(
  input: CatalogInput,
  source: string,
  companion: (path: string) => Uint8Array | undefined,
): ComponentDraft[] {
  const doc = parseLockfileYaml(source, input.path);
  if (!isRecord(doc))
    throw new VouchError('INPUT_MALFORMED', `${input.path}: a yarn lockfile must be a mapping`);
  const purlByDescriptor = new Map<string, string>();
  const drafts: Array<{ draft: ComponentDraft; deps: Record<string, unknown> }> = [];
  for (const [key, raw] of Object.entries(doc)) {
    if (key === '__metadata') continue;
    if (!isRecord(raw))
      throw new VouchError('INPUT_MALFORMED', `${input.path}: entry "${key}" must be a mapping`);
    const resolution = str(raw['resolution']);
    const version = raw['version'] === undefined ? undefined : String(raw['version']);
    if (!resolution || !version) {
      throw new VouchError('INPUT_MALFORMED', `${input.path}: entry "${key}" needs resolution and version`);
    }
    const { name, range: locator } = splitDescriptor(resolution);
    // Registry, patched, git and tarball packages are third-party components. Workspaces are the
    // project and its members, listed under the name and version of their package.json; links,
    // portals and local files are not listed.
    const wsDir = workspaceDir(locator);
    const wsPath = wsDir === undefined ? undefined : manifestPath(input.path, wsDir);
    const ws = wsPath ? manifestIdentity(companion(wsPath)) : undefined;
    if (!ws && (!isThirdPartyLocator(locator) || version === '0.0.0-use.local')) continue;
    const purl = ws ? npmPurl(ws.name, ws.version) : npmPurl(name, version);
    for (const d of key.split(/,\s*/)) {
      const { name: n, range } = splitDescriptor(d.trim());
      purlByDescriptor.set(`${n}@${range}`, purl);
      if (range.startsWith('npm:')) purlByDescriptor.set(`${n}@${range.slice(4)}`, purl);
    }
    const origin: Origin | undefined = ws ? (wsDir === '.' ? 'root' : 'workspace') : undefined;
    drafts.push({
      // berry's `checksum` hashes yarn's cache zip, not the published tarball: not a package hash.
      draft: ws
        ? {
            name: ws.name,
            version: ws.version,
            purl,
            origin,
            ...(origin === 'root' ? { type: 'application' as const } : {}),
          }
        : { name, version, purl },
      deps: isRecord(raw['dependencies']) ? raw['dependencies'] : {},
    });
  }
  return drafts.map(({ draft, deps }) => ({
    ...draft,
    dependsOn: Object.entries(deps).flatMap(([n, r]) => {
      const p = purlByDescriptor.get(`${n}@${String(r)}`);
      return p ? [p] : [];
    }),
  }));
}

export const yarnLockCataloger: Cataloger = {
  name: 'javascript-lock-cataloger',
  matches: (path) => baseName(path) === 'yarn.lock',
  // berry names workspaces by directory (`app@workspace:packages/a`): their package.json names them.
  wants(input) {
    const source = text(input.bytes);
    if (!/^__metadata:/m.test(source)) return [];
    return [...source.matchAll(/^ {2}resolution: "?(?:@[^@"]+|[^@"]+)@workspace:([^"\n]+)"?$/gm)].flatMap(
      (m) => (m[1] === undefined ? [] : (manifestPath(input.path, m[1]) ?? [])),
    );
  },
  catalog(input, ctx): CatalogResult {
    const source = text(input.bytes);
    const berry = /^__metadata:/m.test(source);
    const components = berry
      ? catalogBerry(input, source, ctx.companion ?? (() => undefined))
      : catalogClassic(input, source);
    return { components, warnings: [] };
  },
};
