import { VouchError } from '../../errors.js';
import type { VexProduct, VexStatement, VexStatus } from './model.js';

/**
 * CycloneDX VEX (a BOM whose `vulnerabilities[]` carry `analysis` and `affects`, spec 1.4+). Each
 * vulnerability x analysis becomes one statement. `affects[].ref` is a bom-ref in the same document or
 * a BOM-Link (`urn:cdx:<serial>/<version>#<bom-ref>`) into the scanned SBOM; both are resolved to the
 * component's purl when the VEX document lists that component, and also kept as the bare bom-ref so
 * a finding carrying the same bom-ref matches.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

// CycloneDX impactAnalysisState -> OpenVEX status.
const STATE: Readonly<Record<string, VexStatus>> = {
  not_affected: 'not_affected',
  false_positive: 'not_affected',
  resolved: 'fixed',
  resolved_with_pedigree: 'fixed',
  exploitable: 'affected',
  in_triage: 'under_investigation',
};

/** True for a CycloneDX document that has a vulnerabilities list. */
export function isCycloneDxVex(doc: unknown): boolean {
  return isObj(doc) && doc['bomFormat'] === 'CycloneDX' && Array.isArray(doc['vulnerabilities']);
}

function time(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function componentPurls(doc: Obj): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (list: unknown, depth: number): void => {
    if (!Array.isArray(list) || depth > 64) return;
    for (const c of list) {
      if (!isObj(c)) continue;
      const ref = str(c['bom-ref']);
      const purl = str(c['purl']);
      if (ref && purl) out.set(ref, purl);
      walk(c['components'], depth + 1);
    }
  };
  walk(doc['components'], 0);
  const meta = doc['metadata'];
  if (isObj(meta) && isObj(meta['component'])) walk([meta['component']], 0);
  return out;
}

/**
 * Parses the analysed vulnerabilities of a CycloneDX VEX document into statements. Entries without an
 * analysis state say nothing about exploitability and are ignored.
 * @throws INPUT_MALFORMED listing every bad field
 */
export function parseCycloneDxVex(doc: unknown, where: string, seqStart = 0): VexStatement[] {
  if (!isCycloneDxVex(doc) || !isObj(doc)) {
    throw new VouchError('INPUT_MALFORMED', `${where}: not a CycloneDX document with vulnerabilities`, {
      fields: ['bomFormat', 'vulnerabilities'],
    });
  }
  const bad: string[] = [];
  const purls = componentPurls(doc);
  const meta = doc['metadata'];
  const docTime = isObj(meta) ? time(meta['timestamp']) : undefined;
  const out: VexStatement[] = [];
  for (const [i, v] of (doc['vulnerabilities'] as unknown[]).entries()) {
    const at = `vulnerabilities[${i}]`;
    if (!isObj(v)) {
      bad.push(at);
      continue;
    }
    const id = str(v['id']);
    if (!id) bad.push(`${at}.id`);
    const analysis = v['analysis'];
    if (analysis === undefined) continue;
    if (!isObj(analysis)) {
      bad.push(`${at}.analysis`);
      continue;
    }
    const state = analysis['state'];
    if (state === undefined) continue;
    const status = typeof state === 'string' ? STATE[state] : undefined;
    if (status === undefined) bad.push(`${at}.analysis.state`);
    const affects = v['affects'];
    const products: VexProduct[] = [];
    if (!Array.isArray(affects) || affects.length === 0) bad.push(`${at}.affects`);
    else
      for (const [j, a] of affects.entries()) {
        const ref = isObj(a) ? str(a['ref']) : undefined;
        if (!ref) {
          bad.push(`${at}.affects[${j}].ref`);
          continue;
        }
        const hash = ref.lastIndexOf('#');
        const bomRef =
          ref.startsWith('urn:cdx:') && hash >= 0 ? decodeURIComponent(ref.slice(hash + 1)) : ref;
        const ids = [ref, bomRef, purls.get(bomRef)].filter((x): x is string => x !== undefined);
        products.push({ ids: [...new Set(ids)], subcomponents: [] });
      }
    if (!id || status === undefined) continue;
    const names = [id];
    const refs = v['references'];
    if (Array.isArray(refs)) for (const r of refs) if (isObj(r) && str(r['id'])) names.push(String(r['id']));
    const response = analysis['response'];
    out.push({
      vulnerability: names,
      products,
      status,
      justification: str(analysis['justification']),
      impactStatement: str(analysis['detail']),
      actionStatement: Array.isArray(response)
        ? response.filter((x) => typeof x === 'string').join(', ') || undefined
        : undefined,
      time:
        time(analysis['lastUpdated']) ?? time(v['updated']) ?? time(analysis['firstIssued']) ?? docTime ?? 0,
      origin: `${where}#${at}`,
      seq: seqStart + i,
    });
  }
  if (bad.length > 0) {
    throw new VouchError('INPUT_MALFORMED', `${where}: invalid CycloneDX VEX (${bad.join(', ')})`, {
      fields: bad,
    });
  }
  return out;
}
