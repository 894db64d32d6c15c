/**
 * composer.lock (getcomposer.org/doc/01-basic-usage.md#composer-lock-the-lock-file): `packages` and
 * `packages-dev`, each with name `vendor/package`, version, `require` and `license` (an array of SPDX ids).
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft, Scope } from '../model.js';
import { isRecord, parseJsonFile, str } from '../parse-json.js';
import { composerPurl } from '../purl.js';
import { type CatalogResult, type Cataloger, baseName, text } from './cataloger.js';
import { hashFromHex } from './sri.js';

export const composerLockCataloger: Cataloger = {
  name: 'php-composer-lock-cataloger',
  matches: (path) => baseName(path) === 'composer.lock',
  catalog(input): CatalogResult {
    const doc = parseJsonFile(text(input.bytes), input.path);
    if (!isRecord(doc)) throw new VouchError('INPUT_MALFORMED', `${input.path}: not a JSON object`);
    const found: Array<{ d: ComponentDraft; requires: string[] }> = [];
    for (const [section, scope] of [
      ['packages', 'required'],
      ['packages-dev', 'dev'],
    ] as Array<[string, Scope]>) {
      const list = doc[section];
      // Composer 1.x wrote `"packages-dev": null` for a project without dev packages.
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list))
        throw new VouchError('INPUT_MALFORMED', `${input.path}: "${section}" must be an array`);
      for (const p of list) {
        if (!isRecord(p)) continue;
        const name = str(p['name']);
        const version = str(p['version']);
        if (!name || !version)
          throw new VouchError('INPUT_MALFORMED', `${input.path}: ${section} entry without name/version`);
        const lic = Array.isArray(p['license']) ? p['license'].filter((l) => typeof l === 'string') : [];
        const license = lic.length === 1 ? lic[0] : lic.length > 1 ? `(${lic.join(' OR ')})` : undefined;
        const dist = isRecord(p['dist']) ? p['dist'] : {};
        found.push({
          d: {
            name,
            version,
            purl: composerPurl(name, version),
            scope,
            hashes: hashFromHex('SHA-1', str(dist['shasum'])),
            ...(license ? { license } : {}),
          },
          requires: isRecord(p['require']) ? Object.keys(p['require']) : [],
        });
      }
    }
    const byName = new Map(found.map((f) => [f.d.name.toLowerCase(), f.d.purl]));
    return {
      components: found.map((f) => ({
        ...f.d,
        dependsOn: f.requires.flatMap((n) => {
          const p = byName.get(n.toLowerCase());
          return p ? [p] : [];
        }),
      })),
      warnings: [],
    };
  },
};
