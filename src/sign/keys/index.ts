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
export { writeKeyFileAtomic, writeKeyPairFiles, type WriteKeyFileOptions } from './key-file.js';
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
