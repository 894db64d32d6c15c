import { VERSION } from '../../version.js';
import type { ScanResult } from '../scan.js';
import { scanJsonDocument } from './json.js';

/**
 * The cosign vulnerability attestation predicate (predicate type
 * https://cosign.sigstore.dev/attestation/vuln/v1; cosign pkg/cosign/attestation CosignVulnPredicate):
 * invocation, scanner {uri, version, db {uri, version}, result}, metadata {scanStartedOn,
 * scanFinishedOn}. `result` is free-form in the spec; ours carries a `Summary` with per-severity
 * counts in the capitalised spelling policies test (`predicate.scanner.result.Summary.Critical == 0`,
 * as in the Sigstore policy-controller CUE examples), next to the full vouch scan report.
 */

export interface CosignVulnOptions {
  /** The command line that ran the scan (invocation.parameters). */
  parameters: readonly string[];
  startedOn: Date;
  finishedOn: Date;
  /** CI run URL / id, when the edge knows them (GITHUB_SERVER_URL…, GITHUB_RUN_ID). */
  invocationUri?: string;
  eventId?: string;
  builderId?: string;
}

export const COSIGN_VULN_PREDICATE_TYPE = 'https://cosign.sigstore.dev/attestation/vuln/v1';

/** Builds the predicate object (not serialized: --attest signs it, -o cosign-vuln prints it). */
export function cosignVulnPredicate(result: ScanResult, o: CosignVulnOptions): Record<string, unknown> {
  const c = result.counts;
  return {
    invocation: {
      parameters: [...o.parameters],
      uri: o.invocationUri ?? '',
      event_id: o.eventId ?? '',
      'builder.id': o.builderId ?? '',
    },
    scanner: {
      uri: 'https://github.com/vouch-dev/vouch',
      version: VERSION,
      db: { uri: result.db?.source ?? '', version: result.db?.builtAt ?? '' },
      result: {
        Summary: {
          Critical: c.critical,
          High: c.high,
          Medium: c.medium,
          Low: c.low,
          Unknown: c.unknown + c.none,
        },
        ...scanJsonDocument(result),
      },
    },
    metadata: { scanStartedOn: o.startedOn.toISOString(), scanFinishedOn: o.finishedOn.toISOString() },
  };
}

/** `-o cosign-vuln`: the predicate as JSON. */
export function renderCosignVuln(result: ScanResult, o: CosignVulnOptions): string {
  return `${JSON.stringify(cosignVulnPredicate(result, o), null, 2)}\n`;
}
