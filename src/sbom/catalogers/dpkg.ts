/**
 * Debian packages: `/var/lib/dpkg/status` (deb-control(5) paragraphs, dpkg's own database) and the
 * distroless layout `/var/lib/dpkg/status.d/<name>` (one paragraph per file, no Status field). Only
 * packages whose Status says `installed` count: removed-but-configured packages leave paragraphs behind.
 */
import type { ComponentDraft } from '../model.js';
import { osPurl } from '../purl.js';
import { type CatalogResult, type Cataloger, text } from './cataloger.js';
import { parseParagraphs } from './rfc822.js';

function depNames(field: string | undefined): string[] {
  if (!field) return [];
  // `libc6 (>= 2.34), libssl3 | libssl1.1`: the first alternative is the one we can name.
  return field.split(',').flatMap((alt) => {
    const first = alt
      .split('|')[0]
      ?.trim()
      .split(/[\s(:]/)[0];
    return first ? [first] : [];
  });
}

export const dpkgCataloger: Cataloger = {
  name: 'dpkg-db-cataloger',
  needsOs: true,
  matches: (path) =>
    path === 'var/lib/dpkg/status' ||
    (/^var\/lib\/dpkg\/status\.d\/[^/]+$/.test(path) && !path.endsWith('.md5sums')),
  catalog(input, ctx): CatalogResult {
    const found: Array<{ d: ComponentDraft; deps: string[] }> = [];
    for (const p of parseParagraphs(text(input.bytes))) {
      const name = p.fields.get('Package');
      const version = p.fields.get('Version');
      const status = p.fields.get('Status');
      if (!name || !version) continue;
      if (status !== undefined && !/\binstalled$/.test(status)) continue;
      const arch = p.fields.get('Architecture');
      // `Source: openssl (3.0.11-1)`: the source package and, when it differs, its version.
      const src = /^(\S+)(?:\s+\(([^)]+)\))?/.exec(p.fields.get('Source') ?? '');
      const extra: Record<string, string> = {};
      if (src?.[1] && src[1] !== name) extra['upstream'] = src[2] ? `${src[1]}@${src[2]}` : src[1];
      found.push({
        d: { name, version, purl: osPurl('deb', ctx.os, name, version, arch, extra) },
        deps: [...depNames(p.fields.get('Depends')), ...depNames(p.fields.get('Pre-Depends'))],
      });
    }
    const byName = new Map(found.map((f) => [f.d.name, f.d.purl]));
    return {
      components: found.map(({ d, deps }) => ({
        ...d,
        dependsOn: deps.flatMap((n) => {
          const x = byName.get(n);
          return x ? [x] : [];
        }),
      })),
      warnings: [],
    };
  },
};
