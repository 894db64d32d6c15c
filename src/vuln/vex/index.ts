import { VouchError } from '../../errors.js';
import { isCycloneDxVex, parseCycloneDxVex } from './cyclonedx-vex.js';
import type { VexStatement } from './model.js';
import { isOpenVex, parseOpenVex } from './openvex.js';

export { applyVex, type VexDecision, type VexOutcome } from './apply.js';
export { isCycloneDxVex, parseCycloneDxVex } from './cyclonedx-vex.js';
export {
  suppresses,
  VEX_JUSTIFICATIONS,
  VEX_STATUSES,
  type VexJustification,
  type VexProduct,
  type VexStatement,
  type VexStatus,
} from './model.js';
export {
  type CreateVexOptions,
  createOpenVex,
  isOpenVex,
  mergeOpenVex,
  OPENVEX_CONTEXT,
  type OpenVexDocument,
  type OpenVexStatementJson,
  parseOpenVex,
} from './openvex.js';
export { purlMatches } from './purl-match.js';

/**
 * Reads statements from an OpenVEX or CycloneDX VEX document, whichever it is.
 * @throws INPUT_MALFORMED (neither format, or invalid fields)
 */
export function parseVexDocument(doc: unknown, where: string, seqStart = 0): VexStatement[] {
  if (isOpenVex(doc)) return parseOpenVex(doc, where, seqStart);
  if (isCycloneDxVex(doc)) return parseCycloneDxVex(doc, where, seqStart);
  throw new VouchError(
    'INPUT_MALFORMED',
    `${where}: neither OpenVEX (@context) nor CycloneDX VEX (vulnerabilities)`,
    {
      fields: ['@context', 'vulnerabilities'],
    },
  );
}
