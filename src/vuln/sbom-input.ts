import { VouchError } from '../errors.js';
import type { PurlComponent } from './match.js';

/**
 * Reading the components of an SBOM made by any tool (syft, cdxgen, trivy, vouch, …) for scanning:
 * CycloneDX 1.4–1.7 JSON (`components[].purl`, nested `components`) and SPDX 2.2–2.3 JSON
 * (`packages[].externalRefs[]` with referenceType `purl`, category PACKAGE-MANAGER / PACKAGE_MANAGER).
 * Only what matching needs is read; everything else in the document is ignored. Components without a
 * purl, or with one that is not a `pkg:` URL, are counted and reported rather than failing the scan.
 */

export type SbomFormatName = 'cyclonedx' | 'spdx';

export interface SbomProblem {
  /** The component's bom-ref / SPDXID / name, whichever it has. */
  readonly component: string;
  readonly reason: 'missing-purl' | 'invalid-purl';
  readonly detail: string;
}

export interface SbomInput {
  readonly format: SbomFormatName;
  /** `1.6` for CycloneDX, `SPDX-2.3` for SPDX. */
  readonly specVersion: string;
  /** What the document describes (metadata.component purl, else name@version / the SPDX document name). */
  readonly subject: string | undefined;
  readonly components: readonly PurlComponent[];
  readonly problems: readonly SbomProblem[];
  /**
   * A CycloneDX document's identity (`serialNumber` urn:uuid + `version`), when it has one: what a
   * separate VEX document's BOM-Links (`urn:cdx:<uuid>/<version>#<bom-ref>`) point into.
   */
  readonly bom?: { readonly serialNumber: string; readonly version: number };
}

const CDX_VERSIONS = new Set(['1.4', '1.5', '1.6', '1.7']);
const SPDX_VERSIONS = new Set(['SPDX-2.2', 'SPDX-2.3']);
// A document nests components; a hostile one could nest them without end.
const MAX_DEPTH = 64;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function malformed(where: string, message: string, fields: string[]): VouchError {
  return new VouchError('INPUT_MALFORMED', `${where}: ${message}`, {
    fields,
    hint: 'pass a CycloneDX 1.4–1.7 or SPDX 2.2–2.3 JSON SBOM',
  });
}

/**
 * Reads the components of a parsed CycloneDX or SPDX JSON document.
 * @throws INPUT_MALFORMED (not an SBOM, or its component list is not a list), UNSUPPORTED (spec version)
 */
export function readSbomInput(doc: unknown, where: string): SbomInput {
  if (!isObj(doc)) throw malformed(where, 'not a JSON object', ['$']);
  if (doc['bomFormat'] === 'CycloneDX') return readCycloneDx(doc, where);
  if (typeof doc['spdxVersion'] === 'string') return readSpdx(doc, where);
  throw malformed(where, 'neither CycloneDX (bomFormat) nor SPDX (spdxVersion)', [
    'bomFormat',
    'spdxVersion',
  ]);
}

/**
 * A component vouch marked as the scanned project's own code (`vouch:origin` root/workspace/local):
 * not a published release, so advisories for a registry package of the same name do not apply.
 */
function isProjectComponent(c: Record<string, unknown>): boolean {
  const props = c['properties'];
  return Array.isArray(props) && props.some((x) => isObj(x) && x['name'] === 'vouch:origin');
}

function checkPurl(purl: string): string | undefined {
  // Full purl parsing happens in the matcher (resolvePurl); here only "is this a purl at all".
  if (!purl.startsWith('pkg:')) return 'does not start with "pkg:"';
  if (!/^pkg:[A-Za-z.+-][A-Za-z0-9.+-]*\/./.test(purl)) return 'has no type/name';
  return undefined;
}

function readCycloneDx(doc: Obj, where: string): SbomInput {
  const specVersion = str(doc['specVersion']);
  if (specVersion === undefined)
    throw malformed(where, 'CycloneDX document without specVersion', ['specVersion']);
  if (!CDX_VERSIONS.has(specVersion)) {
    throw new VouchError('UNSUPPORTED', `${where}: CycloneDX ${specVersion} is not supported`, {
      hint: 'vouch reads CycloneDX 1.4–1.7 JSON',
    });
  }
  const components: PurlComponent[] = [];
  const problems: SbomProblem[] = [];
  const walk = (list: unknown, path: string, depth: number): void => {
    if (list === undefined) return;
    if (!Array.isArray(list)) throw malformed(where, `${path} is not a list`, [path]);
    if (depth > MAX_DEPTH) throw malformed(where, `components nested deeper than ${MAX_DEPTH}`, [path]);
    for (const [i, c] of list.entries()) {
      const at = `${path}[${i}]`;
      if (!isObj(c)) throw malformed(where, `${at} is not an object`, [at]);
      const ref = str(c['bom-ref']);
      const label = ref ?? str(c['name']) ?? at;
      const purl = c['purl'];
      if (isProjectComponent(c)) {
        walk(c['components'], `${at}.components`, depth + 1);
        continue;
      }
      if (purl === undefined) problems.push({ component: label, reason: 'missing-purl', detail: 'no purl' });
      else if (typeof purl !== 'string') {
        problems.push({ component: label, reason: 'invalid-purl', detail: 'purl is not a string' });
      } else {
        const bad = checkPurl(purl);
        if (bad) problems.push({ component: label, reason: 'invalid-purl', detail: `${purl} ${bad}` });
        else components.push(ref ? { purl, ref } : { purl });
      }
      walk(c['components'], `${at}.components`, depth + 1);
    }
  };
  walk(doc['components'], 'components', 0);
  const meta = doc['metadata'];
  const subject = isObj(meta) && isObj(meta['component']) ? describe(meta['component']) : undefined;
  const serial = str(doc['serialNumber']);
  const version = doc['version'] ?? 1;
  const bom =
    serial !== undefined &&
    /^urn:uuid:[0-9a-fA-F-]{36}$/.test(serial) &&
    Number.isSafeInteger(version) &&
    Number(version) >= 1
      ? { serialNumber: serial, version: Number(version) }
      : undefined;
  return { format: 'cyclonedx', specVersion, subject, components, problems, ...(bom ? { bom } : {}) };
}

function describe(c: Obj): string | undefined {
  const purl = str(c['purl']);
  if (purl !== undefined) return purl;
  const name = str(c['name']);
  const version = str(c['version']);
  return name === undefined ? undefined : version === undefined ? name : `${name}@${version}`;
}

function readSpdx(doc: Obj, where: string): SbomInput {
  const specVersion = String(doc['spdxVersion']);
  if (!SPDX_VERSIONS.has(specVersion)) {
    throw new VouchError('UNSUPPORTED', `${where}: ${specVersion} is not supported`, {
      hint: 'vouch reads SPDX 2.2–2.3 JSON',
    });
  }
  const packages = doc['packages'] ?? [];
  if (!Array.isArray(packages)) throw malformed(where, 'packages is not a list', ['packages']);
  const components: PurlComponent[] = [];
  const problems: SbomProblem[] = [];
  for (const [i, p] of packages.entries()) {
    const at = `packages[${i}]`;
    if (!isObj(p)) throw malformed(where, `${at} is not an object`, [at]);
    const id = str(p['SPDXID']);
    const label = id ?? str(p['name']) ?? at;
    // vouch marks the scanned project's own packages (see isProjectComponent) in the package comment.
    if (str(p['comment'])?.startsWith('vouch:origin ')) continue;
    const refs = p['externalRefs'] ?? [];
    if (!Array.isArray(refs))
      throw malformed(where, `${at}.externalRefs is not a list`, [`${at}.externalRefs`]);
    // SPDX 2.2 spells the category PACKAGE-MANAGER, 2.3 PACKAGE_MANAGER; the type is `purl` in both.
    const purls = refs.flatMap((r) =>
      isObj(r) &&
      r['referenceType'] === 'purl' &&
      (r['referenceCategory'] === 'PACKAGE-MANAGER' || r['referenceCategory'] === 'PACKAGE_MANAGER')
        ? [r['referenceLocator']]
        : [],
    );
    if (purls.length === 0) {
      problems.push({
        component: label,
        reason: 'missing-purl',
        detail: 'no PACKAGE-MANAGER purl reference',
      });
      continue;
    }
    for (const purl of purls) {
      if (typeof purl !== 'string') {
        problems.push({
          component: label,
          reason: 'invalid-purl',
          detail: 'referenceLocator is not a string',
        });
        continue;
      }
      const bad = checkPurl(purl);
      if (bad) problems.push({ component: label, reason: 'invalid-purl', detail: `${purl} ${bad}` });
      else components.push(id ? { purl, ref: id } : { purl });
    }
  }
  return { format: 'spdx', specVersion, subject: str(doc['name']), components, problems };
}
