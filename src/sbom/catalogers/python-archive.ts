/**
 * Python distributions as archives: wheels (`.whl`, PEP 427: `{name}-{version}.dist-info/METADATA` at
 * the archive root) and eggs (`.egg`: `EGG-INFO/PKG-INFO`). Both are zip files from outside, so the
 * reader is bounded: entry count capped by the zip reader, the metadata inflated within a small byte
 * budget (a zip bomb stops there), and an entry name that is absolute or climbs with `..` makes the
 * archive UNSAFE_PATH: no installer would accept it, and nothing in it is trusted.
 */
import { normalizeEntryPath } from '../../archive/index.js';
import { VouchError } from '../../errors.js';
import { type CatalogResult, type Cataloger, text } from './cataloger.js';
import { listZip, readZipEntry } from './jar-zip.js';
import { catalogCoreMetadata } from './python-installed.js';

/** Core metadata is a few KB; 4 MiB is far beyond any real one. */
const METADATA_MAX_BYTES = 4 * 1024 * 1024;
const WHEEL_METADATA = /^[^/]+\.dist-info\/METADATA$/;

export const pythonArchiveCataloger: Cataloger = {
  name: 'python-package-archive-cataloger',
  matches: (path) => /\.(?:whl|egg)$/i.test(path),
  catalog(input, ctx): CatalogResult {
    const entries = listZip(input.bytes, input.path);
    for (const e of entries) normalizeEntryPath(e.name, `${input.path} entry`);
    const wheel = /\.whl$/i.test(input.path);
    const found = entries.filter((e) =>
      wheel ? WHEEL_METADATA.test(e.name) : e.name === 'EGG-INFO/PKG-INFO',
    );
    if (found.length === 0) {
      return {
        components: [],
        warnings: [
          `${input.path}: no ${wheel ? '*.dist-info/METADATA' : 'EGG-INFO/PKG-INFO'} in the archive`,
        ],
      };
    }
    if (found.length > 1)
      throw new VouchError(
        'INPUT_MALFORMED',
        `${input.path}: ${found.length} metadata files; a wheel has one`,
      );
    const [meta] = found;
    if (!meta) return { components: [], warnings: [] };
    const bytes = readZipEntry(input.bytes, meta, Math.min(METADATA_MAX_BYTES, ctx.maxBytes), input.path);
    return catalogCoreMetadata(text(bytes), `${input.path}!${meta.name}`);
  },
};
