/**
 * Installed npm packages: `node_modules/<name>/package.json` (and scoped `node_modules/@s/n/...`), for
 * images and directories that ship node_modules without a lockfile.
 */
import type { ComponentDraft } from '../model.js';
import { isRecord, parseJsonFile, str } from '../parse-json.js';
import { npmPurl } from '../purl.js';
import { type CatalogResult, type Cataloger, text } from './cataloger.js';

const INSTALLED = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@.][^/]*\/package\.json$/;

/** npm's `license` is an SPDX expression string; legacy `{type}` objects and `licenses` arrays too. */
export function npmLicense(pkg: Record<string, unknown>): string | undefined {
  const l = pkg['license'];
  if (typeof l === 'string' && l.trim() !== '') return l.trim();
  if (isRecord(l)) return str(l['type']);
  const ls = pkg['licenses'];
  if (Array.isArray(ls)) {
    const ids = ls.flatMap((x) => (isRecord(x) && typeof x['type'] === 'string' ? [x['type']] : []));
    if (ids.length === 1) return ids[0];
    if (ids.length > 1) return `(${ids.join(' OR ')})`;
  }
  return undefined;
}

export const npmInstalledCataloger: Cataloger = {
  name: 'javascript-package-cataloger',
  matches: (path) => INSTALLED.test(path),
  catalog(input): CatalogResult {
    const pkg = parseJsonFile(text(input.bytes), input.path);
    if (!isRecord(pkg)) return { components: [], warnings: [`${input.path}: package.json is not an object`] };
    const name = str(pkg['name']);
    const version = str(pkg['version']);
    // Test fixtures inside packages often carry name-less package.json files: not packages.
    if (!name || !version) return { components: [], warnings: [] };
    const license = npmLicense(pkg);
    const draft: ComponentDraft = {
      name,
      version,
      purl: npmPurl(name, version),
      ...(license ? { license } : {}),
    };
    return { components: [draft], warnings: [] };
  },
};
