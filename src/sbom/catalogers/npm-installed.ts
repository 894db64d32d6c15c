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

/**
 * Node's module resolution (nodejs.org/api/modules.html, "Loading from node_modules folders"): from a
 * package in `a/node_modules/x`, a dependency `y` is looked up in `a/node_modules/x/node_modules/y`,
 * then `a/node_modules/y`, then each ancestor's `node_modules`, skipping directories that are
 * themselves named node_modules.
 */
function resolveInstalled(
  packageDir: string,
  dep: string,
  companion: (path: string) => Uint8Array | undefined,
): string | undefined {
  const segs = packageDir === '' ? [] : packageDir.split('/');
  for (let i = segs.length; i >= 0; i--) {
    if (i > 0 && segs[i - 1] === 'node_modules') continue;
    const base = segs.slice(0, i).join('/');
    const bytes = companion(`${base === '' ? '' : `${base}/`}node_modules/${dep}/package.json`);
    if (!bytes) continue;
    let pkg: unknown;
    try {
      pkg = JSON.parse(text(bytes));
    } catch {
      // That package.json is reported when it is cataloged itself; here it just resolves to nothing.
      return undefined;
    }
    const name = isRecord(pkg) ? str(pkg['name']) : undefined;
    const version = isRecord(pkg) ? str(pkg['version']) : undefined;
    return name && version ? npmPurl(name, version) : undefined;
  }
  return undefined;
}

export const npmInstalledCataloger: Cataloger = {
  name: 'javascript-package-cataloger',
  matches: (path) => INSTALLED.test(path),
  // Edges need the other installed package.json files, which the walk reads anyway.
  afterWalk: true,
  // Test fixtures inside packages often carry name-less package.json files: not packages, and no news.
  quietWhenEmpty: true,
  catalog(input, ctx): CatalogResult {
    const pkg = parseJsonFile(text(input.bytes), input.path);
    if (!isRecord(pkg)) return { components: [], warnings: [`${input.path}: package.json is not an object`] };
    const name = str(pkg['name']);
    const version = str(pkg['version']);
    // Test fixtures inside packages often carry name-less package.json files: not packages.
    if (!name || !version) return { components: [], warnings: [] };
    const license = npmLicense(pkg);
    const dir = input.path.slice(0, -'/package.json'.length);
    const companion = ctx.companion ?? (() => undefined);
    const deps = new Set<string>();
    for (const section of ['dependencies', 'optionalDependencies']) {
      const d = pkg[section];
      if (!isRecord(d)) continue;
      for (const dep of Object.keys(d)) {
        const p = resolveInstalled(dir, dep, companion);
        if (p) deps.add(p);
      }
    }
    const draft: ComponentDraft = {
      name,
      version,
      purl: npmPurl(name, version),
      ...(license ? { license } : {}),
      dependsOn: [...deps],
    };
    return { components: [draft], warnings: [] };
  },
};
