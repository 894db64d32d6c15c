/**
 * The VEX statements vouch applies, normalised from OpenVEX 0.2.0 and CycloneDX VEX so the apply step
 * has one shape to handle. Statuses use OpenVEX's vocabulary; CycloneDX analysis states map onto it
 * (not_affected / false_positive -> not_affected, resolved -> fixed, exploitable -> affected,
 * in_triage -> under_investigation).
 */

export type VexStatus = 'not_affected' | 'affected' | 'fixed' | 'under_investigation';

export const VEX_STATUSES: readonly VexStatus[] = [
  'not_affected',
  'affected',
  'fixed',
  'under_investigation',
];

/** OpenVEX 0.2.0 "Status Justifications" for not_affected. */
export const VEX_JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
] as const;

export type VexJustification = (typeof VEX_JUSTIFICATIONS)[number];

export interface VexProduct {
  /** Its identifiers (@id, identifiers.purl, …): purls, or bom-refs / BOM-Links compared as strings. */
  readonly ids: readonly string[];
  readonly subcomponents: readonly string[];
}

export interface VexStatement {
  /** The vulnerability name and its aliases as the statement gives them. */
  readonly vulnerability: readonly string[];
  readonly products: readonly VexProduct[];
  readonly status: VexStatus;
  readonly justification: string | undefined;
  readonly impactStatement: string | undefined;
  readonly actionStatement: string | undefined;
  /** Statement time (its own timestamp / last_updated, else the document's), ms since the epoch. */
  readonly time: number;
  /** Where it came from (`file#statements[2]`), for --show-suppressed. */
  readonly origin: string;
  /** Order across all loaded documents: on equal times the later statement wins. */
  readonly seq: number;
}

/** Whether a status means "this finding does not apply" (OpenVEX: not_affected and fixed). */
export function suppresses(status: VexStatus): boolean {
  return status === 'not_affected' || status === 'fixed';
}
