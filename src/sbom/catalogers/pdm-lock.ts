/**
 * pdm.lock (pdm.fming.dev, "Lock file"): TOML with one `[[package]]` per locked distribution: `name`,
 * `version`, `groups` (lock_version >= 4.4; `default` is the runtime group), PEP 508 `dependencies`
 * strings and `files` hashes. A package locked with extras appears again with `extras = [...]`: the same
 * distribution, merged by purl. `path`/`editable` packages are the project's own code (origin local).
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft, Scope } from '../model.js';
import { pypiPurl } from '../purl.js';
import { isTomlTable, parseToml, tablesAt, tomlString } from '../toml-subset.js';
import { type CatalogResult, type Cataloger, baseName, text } from './cataloger.js';
import { linkByName } from './python-locks.js';
import { hashFromHex } from './sri.js';

/** The distribution name a PEP 508 requirement string starts with. */
function requirementName(req: string): string | undefined {
  return /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(req)?.[1];
}

function scopeOf(groups: string[] | undefined): Scope {
  if (groups === undefined || groups.length === 0) return 'required';
  return groups.includes('default') ? 'required' : 'dev';
}

export const pdmLockCataloger: Cataloger = {
  name: 'python-pdm-lock-cataloger',
  matches: (path) => baseName(path) === 'pdm.lock',
  catalog(input): CatalogResult {
    const doc = parseToml(text(input.bytes), input.path);
    const drafts: Array<ComponentDraft & { depNames: string[] }> = [];
    for (const p of tablesAt(doc, 'package')) {
      const name = tomlString(p['name']);
      const version = tomlString(p['version']);
      if (!name || !version)
        throw new VouchError('INPUT_MALFORMED', `${input.path}: [[package]] without name/version`);
      const groups = Array.isArray(p['groups'])
        ? p['groups'].flatMap((g) => (typeof g === 'string' ? [g] : []))
        : undefined;
      const deps = Array.isArray(p['dependencies'])
        ? p['dependencies'].flatMap((d) => {
            const n = typeof d === 'string' ? requirementName(d) : undefined;
            return n ? [n] : [];
          })
        : [];
      const files = Array.isArray(p['files']) ? p['files'].filter(isTomlTable) : [];
      const hex = files
        .flatMap((f) => {
          const h = tomlString(f['hash']);
          return h?.startsWith('sha256:') ? [h.slice(7)] : [];
        })
        .sort()[0];
      const local = 'path' in p || 'editable' in p;
      drafts.push({
        name,
        version,
        purl: pypiPurl(name, version),
        scope: scopeOf(groups),
        hashes: hashFromHex('SHA-256', hex),
        depNames: deps,
        ...(local ? { origin: 'local' as const } : {}),
      });
    }
    const components = linkByName(drafts);
    return { components, warnings: [] };
  },
};
