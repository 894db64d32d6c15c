import type { VulnFinding } from '../match.js';
import { suppresses, type VexStatement } from './model.js';
import { purlMatches } from './purl-match.js';

/**
 * Applying VEX statements to findings. A statement covers a finding when one of its vulnerability
 * names is the finding's id or an alias, and a product covers the finding's package: directly (the
 * product's purl matches the package purl, or names its bom-ref), or through a subcomponent when the
 * product is the scanned artifact (its purl matches `subject`; with no purl subject, a product with
 * subcomponents is taken to mean the scanned artifact, as vexctl filter does). Of the statements that
 * cover a finding, the newest wins (OpenVEX "statement timestamps"; ties go to the later-loaded one).
 */

export interface VexDecision {
  readonly finding: VulnFinding;
  readonly statement: VexStatement;
}

export interface VexOutcome {
  /** Findings still reported; those with a statement (affected / under_investigation) carry it. */
  readonly active: ReadonlyArray<{ finding: VulnFinding; statement: VexStatement | undefined }>;
  /** Findings a not_affected / fixed statement suppressed. */
  readonly suppressed: readonly VexDecision[];
}

function idMatches(id: string, finding: VulnFinding): boolean {
  return id === finding.purl || id === finding.ref || purlMatches(id, finding.purl);
}

function covers(s: VexStatement, f: VulnFinding, subject: string | undefined): boolean {
  const names = new Set([f.id, ...f.aliases]);
  if (!s.vulnerability.some((v) => names.has(v))) return false;
  return s.products.some((p) => {
    if (p.subcomponents.length === 0) return p.ids.some((id) => idMatches(id, f));
    // Only a purl subject can be checked; an SBOM naming its subject otherwise is taken as the product.
    if (subject?.startsWith('pkg:') && !p.ids.some((id) => purlMatches(id, subject))) return false;
    return p.subcomponents.some((id) => idMatches(id, f));
  });
}

/** Splits findings into active and suppressed by the newest covering statement. */
export function applyVex(
  findings: readonly VulnFinding[],
  statements: readonly VexStatement[],
  subject?: string,
): VexOutcome {
  const active: Array<{ finding: VulnFinding; statement: VexStatement | undefined }> = [];
  const suppressed: VexDecision[] = [];
  for (const finding of findings) {
    let best: VexStatement | undefined;
    for (const s of statements) {
      if (!covers(s, finding, subject)) continue;
      if (best === undefined || s.time > best.time || (s.time === best.time && s.seq > best.seq)) best = s;
    }
    if (best && suppresses(best.status)) suppressed.push({ finding, statement: best });
    else active.push({ finding, statement: best });
  }
  return { active, suppressed };
}
