/** in-toto layouts and links, interoperable with the in-toto reference implementation. */
export { DEFAULT_EXCLUDES, normpath, type RecordOptions, recordArtifacts } from './artifact-recorder.js';
export { checkItemRules, parseRule, type Rule, type RuleFailure } from './artifact-rules.js';
export { fnmatch, fnmatchFilter } from './fnmatch.js';
export { canonicalJson, pythonJsonDumps } from './json-encoding.js';
export {
  computeKeyid,
  loadPublicKey,
  loadSigningKey,
  type PublicKeyDict,
  publicKeyDict,
  type SigningKey,
} from './keys.js';
export { linkDirectory, readMetadataFile } from './link-directory.js';
export {
  type Metadata,
  parseMetadata,
  serializeMetadata,
  signMetadata,
  unsignedMetadata,
  verifyMetadataSignature,
} from './metadata.js';
export {
  INTOTO_LIMITS,
  type Inspection,
  type Layout,
  type Link,
  linkToJson,
  parseLayout,
  parseLink,
  type Step,
} from './model.js';
export {
  executeCommand,
  linkFileName,
  recordStart,
  recordStop,
  runStep,
  type StepOptions,
  writeSignedLink,
} from './step-runner.js';
export {
  type FailureKind,
  type LinkSource,
  type VerifyFailure,
  type VerifyResult,
  verifyLayout,
} from './verify.js';
