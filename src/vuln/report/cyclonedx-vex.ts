import { createHash } from 'node:crypto';
import { VERSION } from '../../version.js';
import type { SeverityLevel } from '../cvss.js';
import type { VulnFinding } from '../match.js';
import type { ScanResult, SuppressedFinding } from '../scan.js';

/**
 * `-o cyclonedx-vex`: the scan as a CycloneDX 1.6 BOM with `vulnerabilities[]` (the CycloneDX VEX /
 * VDR shape): one entry per vulnerability id, `affects` pointing at the affected components (listed in
 * `components` under the scanned SBOM's own bom-ref, or the purl when it had none; BOM-Links into that
 * SBOM when it has a serialNumber, so the VEX joins back to it), ratings from the CVSS vector or the database label, and for findings
 * VEX suppressed an `analysis` with the CycloneDX state and justification. `vouch scan --vex` reads
 * this output back. The serial number is derived from the content, so equal scans give equal bytes.
 */

// OpenVEX justification -> CycloneDX impactAnalysisJustification (closest meaning).
const JUSTIFICATION: Readonly<Record<string, string>> = {
  component_not_present: 'code_not_present',
  vulnerable_code_not_present: 'code_not_present',
  vulnerable_code_not_in_execute_path: 'code_not_reachable',
  vulnerable_code_cannot_be_controlled_by_adversary: 'requires_environment',
  inline_mitigations_already_exist: 'protected_by_mitigating_control',
};
const CDX_JUSTIFICATIONS = new Set([
  'code_not_present',
  'code_not_reachable',
  'requires_configuration',
  'requires_dependency',
  'requires_environment',
  'protected_by_compiler',
  'protected_at_runtime',
  'protected_at_perimeter',
  'protected_by_mitigating_control',
]);

const CDX_SEVERITY: Readonly<Record<SeverityLevel, string>> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  low: 'low',
  none: 'none',
  unknown: 'unknown',
};

function method(source: string): string {
  if (source.includes('4.0')) return 'CVSSv4';
  if (source.includes('3.1')) return 'CVSSv31';
  if (source.includes('3.0')) return 'CVSSv3';
  if (source.includes('2.0')) return 'CVSSv2';
  return 'other';
}

function rating(f: VulnFinding): Record<string, unknown> {
  return {
    severity: CDX_SEVERITY[f.severity.level],
    ...(f.severity.score !== undefined ? { score: f.severity.score } : {}),
    method: f.severity.vector ? method(f.severity.source) : 'other',
    ...(f.severity.vector ? { vector: f.severity.vector } : {}),
  };
}

function analysis(s: SuppressedFinding): Record<string, unknown> | undefined {
  if (s.by !== 'vex') return undefined;
  const j = s.justification === undefined ? undefined : (JUSTIFICATION[s.justification] ?? s.justification);
  return {
    state: s.status === 'fixed' ? 'resolved' : 'not_affected',
    ...(j !== undefined && CDX_JUSTIFICATIONS.has(j) ? { justification: j } : {}),
    ...(s.justification !== undefined ? { detail: s.justification } : {}),
  };
}

/** Renders the scan as a CycloneDX 1.6 VEX document, `now` as metadata.timestamp. */
export function renderCycloneDxVex(result: ScanResult, now: Date): string {
  const entries: Array<{ finding: VulnFinding; analysis: Record<string, unknown> | undefined }> = [
    ...result.findings.map((f) => ({ finding: f as VulnFinding, analysis: undefined })),
    ...result.suppressed.flatMap((s) => {
      const a = analysis(s);
      return a ? [{ finding: s.finding, analysis: a }] : [];
    }),
  ];
  // Components keep the scanned SBOM's bom-ref, so the VEX joins back to it; purl when it had none.
  const refOf = (f: VulnFinding): string => f.ref ?? f.purl;
  // A separate VEX document points into the SBOM with BOM-Links (CycloneDX BOM-Link:
  // urn:cdx:<serialNumber uuid>/<version>#<url-encoded bom-ref>) when the SBOM has an identity.
  const bom = result.target.bom;
  const affectsRef = (ref: string): string =>
    bom
      ? `urn:cdx:${bom.serialNumber.slice('urn:uuid:'.length)}/${bom.version}#${encodeURIComponent(ref)}`
      : ref;
  const components = new Map<string, VulnFinding>();
  for (const e of entries) components.set(refOf(e.finding), e.finding);
  // One vulnerability entry per (id, analysis): affected packages grouped under `affects`.
  const byKey = new Map<
    string,
    { finding: VulnFinding; analysis: Record<string, unknown> | undefined; refs: Set<string> }
  >();
  for (const e of entries) {
    const key = `${e.finding.id}\u0000${JSON.stringify(e.analysis ?? null)}`;
    const v = byKey.get(key);
    if (v) v.refs.add(refOf(e.finding));
    else byKey.set(key, { ...e, refs: new Set([refOf(e.finding)]) });
  }
  const vulnerabilities = [...byKey.values()]
    .sort((a, b) => (a.finding.id < b.finding.id ? -1 : a.finding.id > b.finding.id ? 1 : 0))
    .map((v, i) => ({
      'bom-ref': `vuln-${i + 1}`,
      id: v.finding.id,
      source: { name: 'OSV', url: `https://osv.dev/vulnerability/${encodeURIComponent(v.finding.id)}` },
      ...(v.finding.aliases.length > 0
        ? { references: v.finding.aliases.map((a) => ({ id: a, source: { name: 'OSV' } })) }
        : {}),
      ratings: [rating(v.finding)],
      ...(v.finding.summary ? { description: v.finding.summary } : {}),
      ...(v.finding.fixed.length > 0 ? { recommendation: `Upgrade to ${v.finding.fixed.join(' or ')}` } : {}),
      ...(v.analysis ? { analysis: v.analysis } : {}),
      affects: [...v.refs].sort().map((ref) => ({ ref: affectsRef(ref) })),
    }));
  const body = {
    components: [...components.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([ref, f]) => ({
        type: 'library',
        'bom-ref': ref,
        name: f.name,
        version: f.version,
        purl: f.purl,
      })),
    vulnerabilities,
  };
  const h = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  // RFC 4122 shape (version 5-style bits) from the content hash, so the serial is stable.
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  const doc = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${uuid}`,
    version: 1,
    metadata: {
      timestamp: now.toISOString(),
      tools: { components: [{ type: 'application', name: 'vouch', version: VERSION }] },
    },
    ...body,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
