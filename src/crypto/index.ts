/** Keys, signatures over bytes, DSSE envelopes and in-toto statements: pure, below both sign/ and attest/. */
export {
  CHAIN_MAX_CERTS,
  certificateFromDer,
  certificatePublicKey,
  parseCertificatePem,
  parseCertificatesPem,
} from './certificate.js';
export {
  COSIGN_PRIVATE_KEY_PEM,
  COSIGN_SCRYPT_PARAMS,
  decryptCosignKey,
  type EncryptOptions,
  encryptCosignKey,
  type GeneratedKeyPair,
  generateCosignKeyPair,
  type ScryptParams,
  SIGSTORE_PRIVATE_KEY_PEM,
} from './cosign-key.js';
export {
  type KeyAlgorithm,
  keyHintOf,
  keyIdOf,
  type PrivateKeyMaterial,
  type PublicKeyMaterial,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  privateKeyFromDer,
  privateKeyFromKeyObject,
  privateKeyToPkcs8,
  publicKeyFromKeyObject,
  publicKeyToPem,
} from './key-material.js';
export { decodePemBlocks, decodeSinglePem, encodePem, PEM_MAX_BYTES, type PemBlock } from './pem.js';
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
export {
  decodeBase64Strict,
  hashFor,
  type RsaScheme,
  type SignatureOptions,
  signBytes,
  verifyBytes,
} from './signature.js';
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
