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

export const pythonInstalledCataloger: Cataloger = {
  name: 'python-installed-package-cataloger',
  matches: (path) => METADATA.test(path),
  catalog(input): CatalogResult {
    const [p] = parseParagraphs(text(input.bytes), { stopAtBody: true });
    const name = p?.fields.get('Name');
    const version = p?.fields.get('Version');
    if (!p || !name || !version) return { components: [], warnings: [`${input.path}: no Name/Version`] };
    const expr = p.fields.get('License-Expression');
    const lic = p.fields.get('License');
    const license = expr ?? (lic && /^[A-Za-z0-9.+-]{2,40}$/.test(lic) ? lic : undefined);
    const draft: ComponentDraft = {
      name,
      version,
      purl: pypiPurl(name, version),
      ...(license ? { license } : {}),
    };
    return { components: [draft], warnings: [] };
  },
};
