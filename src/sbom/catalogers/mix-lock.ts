/**
 * mix.lock (Elixir/Erlang, hexdocs.pm/mix): a map from each dependency's app name to a tuple.
 * `{:hex, :package, "version", "inner checksum", [managers], [deps], "repo", "outer checksum"}` is a
 * Hex package (purl type hex); its deps are `{:app, "requirement", [hex: :package, optional: bool]}`.
 * `{:git, "url", "commit", opts}` is a git dependency, named by its commit.
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft } from '../model.js';
import { simplePurl, vcsPurl } from '../purl.js';
import { type CatalogResult, type Cataloger, baseName, text } from './cataloger.js';
import { type Term, parseElixirTerm, termText } from './elixir-term.js';
import { hashFromHex } from './sri.js';

export const mixLockCataloger: Cataloger = {
  name: 'elixir-mix-lock-cataloger',
  matches: (path) => baseName(path) === 'mix.lock',
  catalog(input): CatalogResult {
    const doc = parseElixirTerm(text(input.bytes), input.path);
    if (doc.t !== 'map') throw new VouchError('INPUT_MALFORMED', `${input.path}: mix.lock must be a map`);
    const warnings: string[] = [];
    const found: Array<{ app: string; draft: ComponentDraft; deps: string[] }> = [];
    for (const [k, v] of doc.pairs) {
      const app = termText(k) ?? '';
      const items = v.t === 'tuple' ? v.items : [];
      const kind = termText(items[0]);
      if (kind === 'hex') {
        const pkg = termText(items[1]) ?? app;
        const version = termText(items[2]);
        if (!version) throw new VouchError('INPUT_MALFORMED', `${input.path}: "${app}" has no version`);
        const outer = termText(items[7]);
        found.push({
          app,
          draft: {
            name: pkg,
            version,
            purl: simplePurl('hex', pkg, version),
            hashes: outer && /^[0-9a-f]{64}$/.test(outer) ? hashFromHex('SHA-256', outer) : [],
          },
          deps: depApps(items[5]),
        });
      } else if (kind === 'git') {
        const url = termText(items[1]);
        const commit = termText(items[2]);
        if (!url || !commit || !/^[0-9a-f]{7,40}$/i.test(commit)) {
          warnings.push(`${input.path}: git dependency "${app}" names no commit; not listed`);
          continue;
        }
        found.push({ app, draft: { name: app, version: commit, purl: vcsPurl(app, commit, url) }, deps: [] });
      } else {
        warnings.push(`${input.path}: "${app}" is a ${kind ?? 'non-tuple'} dependency vouch does not read`);
      }
    }
    const purlByApp = new Map(found.map((f) => [f.app, f.draft.purl]));
    const components = found.map((f) => ({
      ...f.draft,
      dependsOn: f.deps.flatMap((d) => {
        const p = purlByApp.get(d);
        return p ? [p] : [];
      }),
    }));
    return { components, warnings };
  },
};

/** The app names in a Hex entry's dependency list. */
function depApps(list: Term | undefined): string[] {
  if (list?.t !== 'list') return [];
  return list.items.flatMap((d) => {
    if (d.t !== 'tuple') return [];
    const app = termText(d.items[0]);
    return app ? [app] : [];
  });
}
