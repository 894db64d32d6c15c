export { attestImage } from './attest-image.js';
export {
  addEnvelopeSignature,
  DSSE_ENVELOPE_MAX_BYTES,
  DSSE_SIGNATURES_MAX,
  type DsseEnvelope,
  type DsseSignature,
  envelopeFromJson,
  envelopePayloadUnverified,
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  parseEnvelope,
  signEnvelope,
  type VerifiedEnvelope,
  verifyEnvelope,
} from './dsse.js';
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
  buildStatement,
  parseStatement,
  STATEMENT_SUBJECTS_MAX,
  STATEMENT_V01,
  STATEMENT_V1,
  type Statement,
  type StatementSubject,
  type StatementType,
  statementCoversDigest,
  statementDigests,
} from './statement.js';
export {
  type AttestationCandidate,
  type AttestationOutcome,
  type AttestationVerification,
  verifyImageAttestations,
} from './verify-attestations.js';
