/**
 * Python lockfiles: poetry.lock and uv.lock (TOML), Pipfile.lock (JSON) and pinned requirements*.txt
 * (pip's requirements file format, pip.pypa.io "Requirements File Format"). Names are compared and
 * emitted PEP 503-normalised.
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft, Hash, Origin, Scope } from '../model.js';
import { isRecord, parseJsonFile, str } from '../parse-json.js';
import { pep503, pypiPurl } from '../purl.js';
import { isTomlTable, parseToml, tablesAt, tomlString } from '../toml-subset.js';
import {
  type CatalogInput,
  type CatalogResult,
  type Cataloger,
  baseName,
  resolveInTree,
  text,
} from './cataloger.js';
import { hashFromHex } from './sri.js';

function sha256s(values: Iterable<string>): Hash[] {
  // A lock lists one hash per wheel/sdist; any one identifies a real artefact, the first (sorted) is kept.
  const hexes = [...values].flatMap((v) => (v.startsWith('sha256:') ? [v.slice(7)] : [])).sort();
  return hashFromHex('SHA-256', hexes[0]);
}

/** Resolves name-only edges once every package of the lock is known. */
export function linkByName(drafts: Array<ComponentDraft & { depNames: string[] }>): ComponentDraft[] {
  const byName = new Map<string, string>();
  for (const d of drafts) if (!byName.has(pep503(d.name))) byName.set(pep503(d.name), d.purl);
  return drafts.map(({ depNames, ...d }) => ({
    ...d,
    dependsOn: depNames.flatMap((n) => {
      const p = byName.get(pep503(n));
      return p ? [p] : [];
    }),
  }));
}

/**
 * Poetry 1.x marks dev packages with `category = "dev"`; Poetry 2.x dropped `category` for
 * `groups = ["main", "dev", ...]`, where only `main` is the runtime group.
 */
function poetryScope(p: Record<string, unknown>): Scope {
  const groups = Array.isArray(p['groups']) ? p['groups'].filter((g) => typeof g === 'string') : undefined;
  if (groups && groups.length > 0 && !groups.includes('main')) return 'dev';
  if (p['category'] === 'dev') return 'dev';
  return p['optional'] === true ? 'optional' : 'required';
}

export const poetryLockCataloger: Cataloger = {
  name: 'python-poetry-lock-cataloger',
  matches: (path) => baseName(path) === 'poetry.lock',
  catalog(input): CatalogResult {
    const doc = parseToml(text(input.bytes), input.path);
    const drafts = tablesAt(doc, 'package').map((p) => {
      const name = tomlString(p['name']);
      const version = tomlString(p['version']);
      if (!name || !version)
        throw new VouchError('INPUT_MALFORMED', `${input.path}: [[package]] without name/version`);
      const files = Array.isArray(p['files']) ? p['files'].filter(isTomlTable) : [];
      const scope = poetryScope(p);
      const deps = isTomlTable(p['dependencies']) ? Object.keys(p['dependencies']) : [];
      return {
        name,
        version,
        purl: pypiPurl(name, version),
        scope,
        hashes: sha256s(files.flatMap((f) => (typeof f['hash'] === 'string' ? [f['hash']] : []))),
        depNames: deps,
      };
    });
    return { components: linkByName(drafts), warnings: [] };
  },
};

export const uvLockCataloger: Cataloger = {
  name: 'python-uv-lock-cataloger',
  matches: (path) => baseName(path) === 'uv.lock',
  catalog(input): CatalogResult {
    const doc = parseToml(text(input.bytes), input.path);
    const v = doc['version'];
    if (v !== 1) {
      throw new VouchError(
        'UNSUPPORTED',
        `unsupported lockfile version ${JSON.stringify(v)} in ${input.path}`,
        {
          hint: 'vouch reads uv.lock version 1',
        },
      );
    }
    const drafts = tablesAt(doc, 'package').flatMap((p) => {
      const name = tomlString(p['name']);
      const version = tomlString(p['version']);
      const source = isTomlTable(p['source']) ? p['source'] : {};
      if (!name || !version) return [];
      // The project itself (`editable`/`virtual` at "."), its workspace members (other editable/virtual
      // paths) and path dependencies (`directory`, `path`) are project code: listed, and marked.
      const local = tomlString(source['editable']) ?? tomlString(source['virtual']);
      const origin: Origin | undefined =
        local !== undefined
          ? local === '.'
            ? 'root'
            : 'workspace'
          : 'directory' in source || 'path' in source
            ? 'local'
            : undefined;
      const sdist = isTomlTable(p['sdist']) ? tomlString(p['sdist']['hash']) : undefined;
      const deps = Array.isArray(p['dependencies']) ? p['dependencies'].filter(isTomlTable) : [];
      return [
        {
          name,
          version,
          purl: pypiPurl(name, version),
          hashes: sha256s(sdist ? [sdist] : []),
          depNames: [
            ...deps,
            // A project's dev groups: `[package.dev-dependencies] dev = [{ name = ... }]`.
            ...(isTomlTable(p['dev-dependencies'])
              ? Object.values(p['dev-dependencies']).flatMap((g) =>
                  Array.isArray(g) ? g.filter(isTomlTable) : [],
                )
              : []),
          ].flatMap((d) => (typeof d['name'] === 'string' ? [d['name']] : [])),
          ...(origin ? { origin } : {}),
          ...(origin === 'root' ? { type: 'application' as const } : {}),
        },
      ];
    });
    return { components: linkByName(drafts), warnings: [] };
  },
};

export const pipfileLockCataloger: Cataloger = {
  name: 'python-pipfile-lock-cataloger',
  matches: (path) => baseName(path) === 'Pipfile.lock',
  catalog(input): CatalogResult {
    const doc = parseJsonFile(text(input.bytes), input.path);
    if (!isRecord(doc)) throw new VouchError('INPUT_MALFORMED', `${input.path}: not a JSON object`);
    const out: ComponentDraft[] = [];
    for (const [section, scope] of [
      ['default', 'required'],
      ['develop', 'dev'],
    ] as const) {
      const deps = doc[section];
      if (!isRecord(deps)) continue;
      for (const [name, raw] of Object.entries(deps)) {
        if (!isRecord(raw)) continue;
        const v = str(raw['version']);
        if (!v?.startsWith('==')) continue; // VCS and path entries pin no version
        const version = v.replace(/^===?/, '');
        const hashes = Array.isArray(raw['hashes']) ? raw['hashes'].filter((h) => typeof h === 'string') : [];
        out.push({ name, version, purl: pypiPurl(name, version), scope, hashes: sha256s(hashes) });
      }
    }
    return { components: out, warnings: [] };
  },
};

const REQUIREMENT = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(===?)?\s*([^\s;,\\]*)/;
// A concrete PEP 440 version: `0.7.*` (a wildcard), `${VAR}` (an environment variable pip expands) and
// option text such as `--hash=...` or `--config-settings` are not versions.
const PINNED_VERSION = /^v?[0-9][0-9A-Za-z.!+_-]*$/;
/** `-r`/`--requirement` and `-c`/`--constraint`, with the path after a space or `=`. */
const INCLUDE = /^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S+)$/;
/** pip's nesting has no limit; ours does, against include cycles and deep chains. */
const INCLUDE_DEPTH_MAX = 5;
/** Files one requirements file may pull in, all levels together: a hostile file cannot fan out. */
const INCLUDE_FILES_MAX = 64;

interface RequirementLine {
  name: string;
  /** Set only for a concrete `==`/`===` pin. */
  version?: string;
  hashes: string[];
}

interface RequirementsFile {
  requirements: RequirementLine[];
  includes: Array<{ constraint: boolean; path: string }>;
}

/** Parses one requirements file (pip "Requirements File Format"); never throws. */
function parseRequirementsFile(source: string): RequirementsFile {
  const out: RequirementsFile = { requirements: [], includes: [] };
  // Joined continuation lines (`\` + newline), as pip reads them.
  for (const raw of source.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const inc = INCLUDE.exec(line);
    if (inc?.[1] && inc[2]) {
      out.includes.push({ constraint: inc[1] === '-c' || inc[1] === '--constraint', path: inc[2] });
      continue;
    }
    if (line.startsWith('-')) continue; // --index-url, -e (editable), --hash on its own line...
    const m = REQUIREMENT.exec(line);
    if (!m?.[1]) continue;
    const version = m[2] && m[3] && PINNED_VERSION.test(m[3]) ? m[3] : undefined;
    const hashes = [...line.matchAll(/--hash[=\s]+sha256:([0-9a-fA-F]{64})/g)].flatMap((h) =>
      h[1] ? [`sha256:${h[1]}`] : [],
    );
    out.requirements.push({ name: m[1], ...(version ? { version } : {}), hashes });
  }
  return out;
}

interface IncludeWalk {
  /** Requirement files reached through `-r` (the root included), in order. */
  requirements: RequirementsFile[];
  /** Constraint files reached through `-c`. */
  constraints: RequirementsFile[];
  /** Tree paths asked for that were not (yet) available. */
  missing: string[];
  warnings: string[];
}

/** Follows `-r`/`-c` from `root`, breadth first, to INCLUDE_DEPTH_MAX, never outside the tree. */
function walkIncludes(root: CatalogInput, companion: (path: string) => Uint8Array | undefined): IncludeWalk {
  const walk: IncludeWalk = { requirements: [], constraints: [], missing: [], warnings: [] };
  const seen = new Set<string>([root.path]);
  let level: Array<{ path: string; file: RequirementsFile; constraint: boolean }> = [
    { path: root.path, file: parseRequirementsFile(text(root.bytes)), constraint: false },
  ];
  for (let depth = 0; level.length > 0; depth++) {
    const next: typeof level = [];
    for (const f of level) {
      (f.constraint ? walk.constraints : walk.requirements).push(f.file);
      for (const inc of f.file.includes) {
        const target = resolveInTree(f.path, inc.path);
        if (target === undefined) {
          walk.warnings.push(`${f.path}: include "${inc.path}" is outside the scanned tree; not followed`);
          continue;
        }
        if (seen.has(target)) continue;
        if (seen.size > INCLUDE_FILES_MAX) {
          walk.warnings.push(
            `${f.path}: more than ${INCLUDE_FILES_MAX} included files; the rest are not followed`,
          );
          return walk;
        }
        seen.add(target);
        if (depth + 1 > INCLUDE_DEPTH_MAX) {
          walk.warnings.push(
            `${f.path}: include "${inc.path}" is nested deeper than ${INCLUDE_DEPTH_MAX}; not followed`,
          );
          continue;
        }
        const bytes = companion(target);
        if (!bytes) {
          walk.missing.push(target);
          walk.warnings.push(`${f.path}: included file "${inc.path}" was not found among the scanned files`);
          continue;
        }
        // A file included by a constraints file only constrains, too.
        next.push({
          path: target,
          file: parseRequirementsFile(text(bytes)),
          constraint: f.constraint || inc.constraint,
        });
      }
    }
    level = next;
  }
  return walk;
}

export const requirementsTxtCataloger: Cataloger = {
  name: 'python-requirements-cataloger',
  matches: (path) =>
    /requirements.*\.txt$/.test(baseName(path)) || /(?:^|\/)requirements\/[^/]+\.txt$/.test(path),
  wants: (input, companion) => walkIncludes(input, companion).missing,
  catalog(input, ctx): CatalogResult {
    const walk = walkIncludes(input, ctx.companion ?? (() => undefined));
    // `-c` files pin versions without adding packages (pip: "Constraints Files").
    const pins = new Map<string, RequirementLine>();
    for (const c of walk.constraints)
      for (const r of c.requirements) if (r.version) pins.set(pep503(r.name), r);
    const out: ComponentDraft[] = [];
    for (const file of walk.requirements) {
      for (const r of file.requirements) {
        const pinned = r.version ? r : pins.get(pep503(r.name));
        if (!pinned?.version) continue; // unpinned ranges name no single version
        const hashes = r.hashes.length > 0 ? r.hashes : pinned.hashes;
        out.push({
          name: r.name,
          version: pinned.version,
          purl: pypiPurl(r.name, pinned.version),
          hashes: sha256s(hashes),
        });
      }
    }
    return { components: out, warnings: walk.warnings };
  },
};
