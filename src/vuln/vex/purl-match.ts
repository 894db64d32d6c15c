import { PackageURL } from 'packageurl-js';

/**
 * Product matching by purl as OpenVEX 0.2.0 specifies it ("Product Identifiers"): a statement's purl
 * without a version matches every version of the package; qualifiers in the statement must all be
 * present with the same value in the component's purl (a subset), and a subpath, when given, must be
 * equal. Type, namespace and name compare after packageurl-js normalisation.
 */

function parse(purl: string): PackageURL | undefined {
  try {
    return PackageURL.fromString(purl);
  } catch {
    return undefined; // not a purl: callers fall back to comparing the strings
  }
}

/** True when the statement's product purl covers the component's purl. */
export function purlMatches(statementPurl: string, componentPurl: string): boolean {
  if (statementPurl === componentPurl) return true;
  const s = parse(statementPurl);
  const c = parse(componentPurl);
  if (s === undefined || c === undefined) return false;
  if (s.type !== c.type || (s.namespace ?? '') !== (c.namespace ?? '') || s.name !== c.name) return false;
  if (s.version !== undefined && s.version !== null && s.version !== c.version) return false;
  if (s.subpath !== undefined && s.subpath !== null && s.subpath !== c.subpath) return false;
  const sq = s.qualifiers ?? {};
  const cq = c.qualifiers ?? {};
  for (const [k, v] of Object.entries(sq)) if (cq[k] !== v) return false;
  return true;
}
