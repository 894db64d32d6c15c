/**
 * Python lockfiles: poetry.lock and uv.lock (TOML), Pipfile.lock (JSON) and pinned requirements*.txt
 * (pip's requirements file format, pip.pypa.io "Requirements File Format"). Names are compared and
 * emitted PEP 503-normalised.
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft, Hash, Scope } from '../model.js';
import { isRecord, parseJsonFile, str } from '../parse-json.js';
import { pep503, pypiPurl } from '../purl.js';
import { isTomlTable, parseToml, tablesAt, tomlString } from '../toml-subset.js';
import { type CatalogResult, type Cataloger, baseName, text } from './cataloger.js';
import { hashFromHex } from './sri.js';

function sha256s(values: Iterable<string>): Hash[] {
  // A lock lists one hash per wheel/sdist; any one identifies a real artefact, the first (sorted) is kept.
  const hexes = [...values].flatMap((v) => (v.startsWith('sha256:') ? [v.slice(7)] : [])).sort();
  return hashFromHex('SHA-256', hexes[0]);
}

/** Resolves name-only edges once every package of the lock is known. */
function linkByName(drafts: Array<ComponentDraft & { depNames: string[] }>): ComponentDraft[] {
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
      const scope: Scope = p['category'] === 'dev' ? 'dev' : p['optional'] === true ? 'optional' : 'required';
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
      // The project itself and its workspace members are `editable`/`virtual`/`directory` sources.
      if (!name || !version || 'editable' in source || 'virtual' in source || 'directory' in source)
        return [];
      const sdist = isTomlTable(p['sdist']) ? tomlString(p['sdist']['hash']) : undefined;
      const deps = Array.isArray(p['dependencies']) ? p['dependencies'].filter(isTomlTable) : [];
      return [
        {
          name,
          version,
          purl: pypiPurl(name, version),
          hashes: sha256s(sdist ? [sdist] : []),
          depNames: deps.flatMap((d) => (typeof d['name'] === 'string' ? [d['name']] : [])),
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

const REQUIREMENT = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;,\\]+)/;

export const requirementsTxtCataloger: Cataloger = {
  name: 'python-requirements-cataloger',
  matches: (path) => /^requirements.*\.txt$/.test(baseName(path)),
  catalog(input): CatalogResult {
    // Joined continuation lines (`\` + newline), as pip reads them.
    const source = text(input.bytes).replace(/\\\r?\n/g, ' ');
    const out: ComponentDraft[] = [];
    for (const raw of source.split(/\r?\n/)) {
      const line = raw.replace(/(^|\s)#.*$/, '').trim();
      if (line === '' || line.startsWith('-')) continue;
      const m = REQUIREMENT.exec(line);
      if (!m?.[1] || !m[2]) continue; // unpinned ranges name no single version
      const hashes = [...line.matchAll(/--hash[=\s]+sha256:([0-9a-fA-F]{64})/g)].flatMap((h) =>
        h[1] ? [`sha256:${h[1]}`] : [],
      );
      out.push({ name: m[1], version: m[2], purl: pypiPurl(m[1], m[2]), hashes: sha256s(hashes) });
    }
    return { components: out, warnings: [] };
  },
};
