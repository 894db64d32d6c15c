/**
 * Cargo.lock (TOML, versions 1-4: doc.rust-lang.org/cargo/guide/cargo-toml-vs-cargo-lock). Packages with
 * no `source` are the workspace's own crates: listed with origin `workspace`, so their edges stay. A dependency entry is `name`, `name version` or
 * `name version (source)`; the version is only written when two versions of a crate are locked.
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft } from '../model.js';
import { simplePurl } from '../purl.js';
import { parseToml, tablesAt, tomlString } from '../toml-subset.js';
import { type CatalogResult, type Cataloger, baseName, text } from './cataloger.js';
import { hashFromHex } from './sri.js';

export const cargoLockCataloger: Cataloger = {
  name: 'rust-cargo-lock-cataloger',
  matches: (path) => baseName(path) === 'Cargo.lock',
  catalog(input): CatalogResult {
    const doc = parseToml(text(input.bytes), input.path);
    const v = doc['version'];
    if (v !== undefined && v !== 3 && v !== 4) {
      throw new VouchError(
        'UNSUPPORTED',
        `unsupported lockfile version ${JSON.stringify(v)} in ${input.path}`,
        {
          hint: 'vouch reads Cargo.lock versions 1 to 4',
        },
      );
    }
    const pkgs = tablesAt(doc, 'package');
    const byName = new Map<string, Array<{ version: string; purl: string }>>();
    for (const p of pkgs) {
      const name = tomlString(p['name']);
      const version = tomlString(p['version']);
      if (!name || !version)
        throw new VouchError('INPUT_MALFORMED', `${input.path}: [[package]] without name/version`);
      const list = byName.get(name) ?? [];
      list.push({ version, purl: simplePurl('cargo', name, version) });
      byName.set(name, list);
    }
    const out: ComponentDraft[] = [];
    for (const p of pkgs) {
      const name = tomlString(p['name']) ?? '';
      const version = tomlString(p['version']) ?? '';
      const workspace = p['source'] === undefined;
      const deps = Array.isArray(p['dependencies']) ? p['dependencies'] : [];
      const dependsOn = deps.flatMap((d) => {
        if (typeof d !== 'string') return [];
        const [dn, dv] = d.split(' ');
        const cands = byName.get(dn ?? '') ?? [];
        const hit = dv ? cands.find((c) => c.version === dv) : cands[0];
        return hit ? [hit.purl] : [];
      });
      out.push({
        name,
        version,
        purl: simplePurl('cargo', name, version),
        hashes: hashFromHex('SHA-256', tomlString(p['checksum'])),
        dependsOn,
        ...(workspace ? { origin: 'workspace' as const } : {}),
      });
    }
    return { components: out, warnings: [] };
  },
};
