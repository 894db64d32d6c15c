import type { CommandRegistration } from '../context.js';
import { registerAdmission } from './admission.js';
import { registerCopy } from './copy.js';
import { registerDemo } from './demo.js';
import { registerDigest } from './digest.js';
import { registerInspect } from './inspect.js';
import { registerAttest } from './attest.js';
import { registerDownload } from './download.js';
import { registerGenerateKeyPair } from './generate-key-pair.js';
import { registerProvenance } from './provenance.js';
import { registerSbom } from './sbom.js';
import { registerSign } from './sign.js';
import { registerSignBlob } from './sign-blob.js';
import { registerVerify } from './verify.js';
import { registerVerifyAttestation } from './verify-attestation.js';
import { registerVerifyBlob } from './verify-blob.js';
import { registerPolicy } from './policy.js';
import { registerScan } from './scan.js';
import { registerDb } from './db.js';
import { registerVex } from './vex.js';

/** Every command vouch has, in the order `vouch --help` lists them. */
export const commands: CommandRegistration[] = [
  registerDemo,
  registerDigest,
  registerCopy,
  registerInspect,
  registerGenerateKeyPair,
  registerSign,
  registerVerify,
  registerAttest,
  registerVerifyAttestation,
  registerSignBlob,
  registerVerifyBlob,
  registerDownload,
  registerProvenance,
  registerSbom,
  registerPolicy,
  registerScan,
  registerDb,
  registerVex,
  registerAdmission,
];
