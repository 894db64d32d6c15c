export {
  addEnvelopeSignature,
  buildStatement,
  DSSE_ENVELOPE_MAX_BYTES,
  DSSE_SIGNATURES_MAX,
  type DsseEnvelope,
  type DsseSignature,
  envelopeFromJson,
  envelopePayloadUnverified,
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  parseEnvelope,
  parseStatement,
  signEnvelope,
  type Statement,
  STATEMENT_SUBJECTS_MAX,
  STATEMENT_V01,
  STATEMENT_V1,
  statementCoversDigest,
  statementDigests,
  type StatementSubject,
  type StatementType,
  type VerifiedEnvelope,
  verifyEnvelope,
} from '../crypto/index.js';
export { GITHUB_WORKFLOW_BUILD_TYPE, provenanceFromGitHubEnv } from './github-provenance.js';
export {
  PREDICATE_TYPES,
  resolvePredicateType,
  SLSA_PROVENANCE_V1,
  SLSA_PROVENANCE_V02,
} from './predicate-types.js';
export {
  assertSlsaProvenanceV1,
  type ResourceDescriptor,
  type SlsaProvenanceV1,
  slsaProvenanceV1Problems,
} from './slsa-provenance.js';
export {
  attestImage,
  type AttestationCandidate,
  type AttestationOutcome,
  type AttestationVerification,
  verifyImageAttestations,
} from '../sign/index.js';
