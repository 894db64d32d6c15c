/**
 * .NET: NuGet `packages.lock.json` (learn.microsoft.com nuget "enable repeatable package restores") and
 * the runtime's `*.deps.json` (dotnet/runtime docs/design/features/host-and-json.md). `project` entries
 * are the application's own assemblies, not packages.
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft, Hash } from '../model.js';
import { isRecord, parseJsonFile, str } from '../parse-json.js';
import { simplePurl } from '../purl.js';
import { type CatalogInput, type CatalogResult, type Cataloger, baseName, text } from './cataloger.js';
import { hashesFromIntegrity } from './sri.js';

function object(input: CatalogInput): Record<string, unknown> {
  const doc = parseJsonFile(text(input.bytes), input.path);
  if (!isRecord(doc)) throw new VouchError('INPUT_MALFORMED', `${input.path}: not a JSON object`);
  return doc;
}

function nugetHash(b64: string | undefined): Hash[] {
  return b64 ? hashesFromIntegrity(`sha512-${b64}`) : [];
}

export const nugetLockCataloger: Cataloger = {
  name: 'dotnet-packages-lock-cataloger',
  matches: (path) => baseName(path) === 'packages.lock.json',
  catalog(input): CatalogResult {
    const doc = object(input);
    if (doc['version'] !== 1 && doc['version'] !== 2) {
      throw new VouchError(
        'UNSUPPORTED',
        `unsupported lockfile version ${JSON.stringify(doc['version'])} in ${input.path}`,
      );
    }
    const byKey = new Map<string, { d: ComponentDraft; deps: string[] }>();
    const frameworks = isRecord(doc['dependencies']) ? doc['dependencies'] : {};
    for (const tfm of Object.values(frameworks)) {
      if (!isRecord(tfm)) continue;
      for (const [name, raw] of Object.entries(tfm)) {
        if (!isRecord(raw) || raw['type'] === 'Project') continue;
        const version = str(raw['resolved']);
        if (!version) continue;
        const key = name.toLowerCase();
        if (byKey.has(key)) continue;
        byKey.set(key, {
          d: {
            name,
            version,
            purl: simplePurl('nuget', name, version),
            hashes: nugetHash(str(raw['contentHash'])),
          },
          deps: isRecord(raw['dependencies']) ? Object.keys(raw['dependencies']) : [],
        });
      }
    }
    return {
      components: [...byKey.values()].map(({ d, deps }) => ({
        ...d,
        dependsOn: deps.flatMap((n) => {
          const x = byKey.get(n.toLowerCase());
          return x ? [x.d.purl] : [];
        }),
      })),
      warnings: [],
    };
  },
};

export const dotnetDepsCataloger: Cataloger = {
  name: 'dotnet-deps-cataloger',
  matches: (path) => path.endsWith('.deps.json'),
  catalog(input): CatalogResult {
    const doc = object(input);
    const libraries = isRecord(doc['libraries']) ? doc['libraries'] : {};
    const purlByName = new Map<string, string>();
    const drafts: Array<{ d: ComponentDraft; key: string }> = [];
    for (const [key, raw] of Object.entries(libraries)) {
      if (!isRecord(raw) || raw['type'] !== 'package') continue;
      const slash = key.lastIndexOf('/');
      if (slash <= 0) continue;
      const name = key.slice(0, slash);
      const version = key.slice(slash + 1);
      const purl = simplePurl('nuget', name, version);
      purlByName.set(name.toLowerCase(), purl);
      drafts.push({ key, d: { name, version, purl, hashes: hashesFromIntegrity(str(raw['sha512'])) } });
    }
    const depsOf = new Map<string, string[]>();
    const targets = isRecord(doc['targets']) ? doc['targets'] : {};
    for (const t of Object.values(targets)) {
      if (!isRecord(t)) continue;
      for (const [key, raw] of Object.entries(t)) {
        if (!isRecord(raw) || !isRecord(raw['dependencies'])) continue;
        const list = depsOf.get(key) ?? [];
        for (const n of Object.keys(raw['dependencies'])) {
          const p = purlByName.get(n.toLowerCase());
          if (p && !list.includes(p)) list.push(p);
        }
        depsOf.set(key, list);
      }
    }
    return {
      components: drafts.map(({ d, key }) => ({ ...d, dependsOn: depsOf.get(key) ?? [] })),
      warnings: [],
    };
  },
};
