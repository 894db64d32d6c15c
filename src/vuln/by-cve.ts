import type { VulnFinding } from './match.js';
import type { ActiveFinding, ScanResult, SuppressedFinding } from './scan.js';

const CVE = /^CVE-\d{4}-\d{4,}$/;

/**
 * A finding named by its CVE, as grype's `--by-cve` orients results: when the record's id is not a CVE
 * (GHSA, PYSEC, RUSTSEC, DSA…) and it has exactly one CVE alias, that CVE becomes the id and the
 * original id moves to the aliases. A record with several CVE aliases (a DSA fixing three CVEs) keeps
 * its id: picking one CVE would hide the others. Pure.
 */
export function findingByCve<F extends VulnFinding>(f: F): F {
  if (CVE.test(f.id)) return f;
  const cves = f.aliases.filter((a) => CVE.test(a));
  const cve = cves.length === 1 ? cves[0] : undefined;
  if (cve === undefined) return f;
  return { ...f, id: cve, aliases: [f.id, ...f.aliases.filter((a) => a !== cve)].sort() };
}

/** The whole result with every finding (active and suppressed) oriented by CVE. */
export function resultByCve(r: ScanResult): ScanResult {
  return {
    ...r,
    findings: r.findings.map((f) => findingByCve<ActiveFinding>(f)),
    suppressed: r.suppressed.map((s): SuppressedFinding => ({ ...s, finding: findingByCve(s.finding) })),
  };
}
