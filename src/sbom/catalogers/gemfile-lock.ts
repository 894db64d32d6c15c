/**
 * Gemfile.lock (Bundler's lockfile, bundler.io/man/gemfile.5): under each source section's `specs:`,
 * 4-space lines `name (version[-platform])` are locked gems and 6-space lines below them their
 * dependencies. Sources are `GEM` (a gem server), `GIT` (a repository at a `revision`), `PATH` (a local
 * directory: the project's own gems, marked local) and `PLUGIN SOURCE`.
 */
import type { ComponentDraft } from '../model.js';
import { simplePurl } from '../purl.js';
import { type CatalogResult, type Cataloger, baseName, text } from './cataloger.js';

const SPEC = /^ {4}([^\s(]+) \(([^)]+)\)$/;
const SOURCES = new Set(['GEM', 'GIT', 'PATH', 'PLUGIN SOURCE']);
const DEP = /^ {6}([^\s(]+)/;

export const gemfileLockCataloger: Cataloger = {
  name: 'ruby-gemfile-cataloger',
  matches: (path) => baseName(path) === 'Gemfile.lock' || baseName(path) === 'gems.locked',
  catalog(input): CatalogResult {
    const found: Array<{ name: string; version: string; deps: string[]; local: boolean }> = [];
    let section = '';
    let inSpecs = false;
    for (const raw of text(input.bytes).split(/\r?\n/)) {
      if (/^[A-Z]/.test(raw)) {
        section = raw.trim();
        inSpecs = false;
        continue;
      }
      if (raw === '  specs:') {
        inSpecs = SOURCES.has(section);
        continue;
      }
      if (!inSpecs) continue;
      const s = SPEC.exec(raw);
      if (s?.[1] && s[2]) {
        // `nokogiri (1.15.4-x86_64-linux)`: the platform suffix is not part of the gem version.
        const version = s[2].replace(/-(?:x86|x64|arm|aarch|universal|java|mingw|mswin|darwin|linux).*$/, '');
        found.push({ name: s[1], version, deps: [], local: section === 'PATH' });
        continue;
      }
      const d = DEP.exec(raw);
      const last = found[found.length - 1];
      if (d?.[1] && last) last.deps.push(d[1]);
    }
    const byName = new Map(found.map((f) => [f.name, simplePurl('gem', f.name, f.version)]));
    const components: ComponentDraft[] = found.map((f) => ({
      name: f.name,
      version: f.version,
      purl: byName.get(f.name) ?? simplePurl('gem', f.name, f.version),
      ...(f.local ? { origin: 'local' as const } : {}),
      dependsOn: f.deps.flatMap((n) => {
        const p = byName.get(n);
        return p ? [p] : [];
      }),
    }));
    return { components, warnings: [] };
  },
};
