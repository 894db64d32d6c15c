/**
 * Alpine packages: `/lib/apk/db/installed` (wiki.alpinelinux.org "Apk spec", installed database): one
 * block per package of one-letter fields. P name, V version, A arch, L license, o origin, D depends,
 * p provides, C checksum (`Q1` + base64 SHA-1 of the control segment: not a package-file hash, so unused).
 */
import type { ComponentDraft } from '../model.js';
import { osPurl } from '../purl.js';
import { type CatalogResult, type Cataloger, text } from './cataloger.js';

/**
 * apk `L:` is an SPDX expression in current aports (`ISC AND (BSD-3-Clause OR MIT)`), but older packages
 * list several ids separated by spaces, meaning all of them apply: those become an AND expression.
 */
function apkLicense(l: string): string {
  if (/[()]|\s(?:AND|OR|WITH)\s/.test(l)) return l;
  return l.trim().split(/\s+/).join(' AND ');
}

export const apkCataloger: Cataloger = {
  name: 'apk-db-cataloger',
  needsOs: true,
  matches: (path) => path === 'lib/apk/db/installed',
  catalog(input, ctx): CatalogResult {
    const found: Array<{ d: ComponentDraft; deps: string[]; provides: string[] }> = [];
    for (const block of text(input.bytes).split(/\r?\n\r?\n/)) {
      const f = new Map<string, string>();
      for (const line of block.split(/\r?\n/)) {
        if (line.length < 2 || line[1] !== ':') continue;
        const k = line[0] ?? '';
        if (!f.has(k)) f.set(k, line.slice(2));
      }
      const name = f.get('P');
      const version = f.get('V');
      if (!name || !version) continue;
      const origin = f.get('o');
      const license = f.get('L');
      found.push({
        d: {
          name,
          version,
          purl: osPurl(
            'apk',
            ctx.os,
            name,
            version,
            f.get('A'),
            origin && origin !== name ? { upstream: origin } : {},
          ),
          ...(license ? { license: apkLicense(license) } : {}),
        },
        deps: (f.get('D') ?? '').split(/\s+/).filter((x) => x !== '' && !x.startsWith('!')),
        provides: (f.get('p') ?? '').split(/\s+/).filter((x) => x !== ''),
      });
    }
    // `D:` names packages, `so:libc.musl-x86_64.so.1` virtuals or `cmd:` names, resolved through `p:`.
    const provider = new Map<string, string>();
    for (const f of found) {
      provider.set(f.d.name, f.d.purl);
      for (const p of f.provides) {
        const key = p.split('=')[0];
        if (key && !provider.has(key)) provider.set(key, f.d.purl);
      }
    }
    return {
      components: found.map(({ d, deps }) => ({
        ...d,
        dependsOn: deps.flatMap((n) => {
          const x = provider.get(n.split(/[<>=~]/)[0] ?? n);
          return x ? [x] : [];
        }),
      })),
      warnings: [],
    };
  },
};
