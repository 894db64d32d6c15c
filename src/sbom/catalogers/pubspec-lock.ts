/**
 * pubspec.lock (Dart/Flutter, dart.dev/tools/pub): YAML `packages:` mapping each package to its
 * `dependency` kind (`direct main`, `direct dev`, `direct overridden`, `transitive`), `source` (`hosted`,
 * `git`, `path`, `sdk`) and `version`. Hosted and git packages are components (purl type pub); path
 * packages are the project's own code (origin local); `sdk` packages (flutter, flutter_test) ship with
 * the SDK, whose version the lock does not record, and are not listed. The lock records no edges.
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft, Scope } from '../model.js';
import { isRecord, str } from '../parse-json.js';
import { simplePurl } from '../purl.js';
import { type CatalogResult, type Cataloger, baseName, text } from './cataloger.js';
import { hashFromHex } from './sri.js';
import { parseLockfileYaml } from './yaml-lockfile.js';

export const pubspecLockCataloger: Cataloger = {
  name: 'dart-pubspec-lock-cataloger',
  matches: (path) => baseName(path) === 'pubspec.lock',
  catalog(input): CatalogResult {
    const doc = parseLockfileYaml(text(input.bytes), input.path);
    if (!isRecord(doc))
      throw new VouchError('INPUT_MALFORMED', `${input.path}: pubspec.lock must be a mapping`);
    const packages = doc['packages'];
    if (packages !== undefined && packages !== null && !isRecord(packages))
      throw new VouchError('INPUT_MALFORMED', `${input.path}: "packages" must be a mapping`);
    const components: ComponentDraft[] = [];
    const warnings: string[] = [];
    for (const [key, raw] of Object.entries(packages ?? {})) {
      if (!isRecord(raw))
        throw new VouchError('INPUT_MALFORMED', `${input.path}: packages.${key} must be a mapping`);
      const source = str(raw['source']);
      if (source === 'sdk') continue;
      const desc = raw['description'];
      const name = (isRecord(desc) ? str(desc['name']) : undefined) ?? key;
      const version = raw['version'] === undefined ? undefined : String(raw['version']);
      if (!version) {
        warnings.push(`${input.path}: ${key} has no version; not listed`);
        continue;
      }
      const kind = str(raw['dependency']) ?? '';
      const scope: Scope = kind === 'direct dev' ? 'dev' : 'required';
      const sha = isRecord(desc) ? str(desc['sha256']) : undefined;
      components.push({
        name,
        version,
        purl: simplePurl('pub', name, version),
        scope,
        hashes: sha && /^[0-9a-f]{64}$/.test(sha) ? hashFromHex('SHA-256', sha) : [],
        ...(source === 'path' ? { origin: 'local' as const } : {}),
      });
    }
    return { components, warnings };
  },
};
