/**
 * Installed Python distributions: `*.dist-info/METADATA` (wheels, PEP 376/627) and `*.egg-info/PKG-INFO`
 * (setuptools). Core metadata 2.4 adds `License-Expression` (PEP 639), the SPDX expression we prefer;
 * the free-text `License` is used only when it is one short identifier-looking word.
 */
import type { ComponentDraft } from '../model.js';
import { pypiPurl } from '../purl.js';
import { type CatalogResult, type Cataloger, text } from './cataloger.js';
import { parseParagraphs } from './rfc822.js';

const METADATA = /(?:^|\/)[^/]+\.(?:dist-info\/METADATA|egg-info\/PKG-INFO)$/;

/**
 * Core metadata is an email header block (packaging.python.org core-metadata: "parsed with the email
 * module"): field names are case-insensitive, and for a single-use field a repeated line does not
 * extend the value; the first one counts, as `email.message.Message.get` returns it.
 */
function headerFields(raw: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of raw) {
    const key = k.trim().toLowerCase();
    if (!out.has(key)) out.set(key, (v.split('\n')[0] ?? '').trim());
  }
  return out;
}

/** The distribution a core metadata file (METADATA, PKG-INFO) describes. */
export function catalogCoreMetadata(source: string, path: string): CatalogResult {
  const [p] = parseParagraphs(source, { stopAtBody: true });
  const fields = p ? headerFields(p.fields) : new Map<string, string>();
  const name = fields.get('name');
  const version = fields.get('version');
  if (!p || !name || !version) return { components: [], warnings: [`${path}: no Name/Version`] };
  const expr = fields.get('license-expression');
  const lic = fields.get('license');
  const license = expr ?? (lic && /^[A-Za-z0-9.+-]{2,40}$/.test(lic) ? lic : undefined);
  const draft: ComponentDraft = {
    name,
    version,
    purl: pypiPurl(name, version),
    ...(license ? { license } : {}),
  };
  return { components: [draft], warnings: [] };
}

export const pythonInstalledCataloger: Cataloger = {
  name: 'python-installed-package-cataloger',
  // `*.egg-info` may also be a single PKG-INFO-format file (distutils' install_egg_info).
  matches: (path) => METADATA.test(path) || /(?:^|\/)[^/]+\.egg-info$/.test(path),
  catalog(input): CatalogResult {
    return catalogCoreMetadata(text(input.bytes), input.path);
  },
};
