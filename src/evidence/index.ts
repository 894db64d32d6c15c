/**
 * Evidence for policy decisions, at the edge of the pure policy engine: collecting verified signatures and
 * attestations from where cosign stores them (cached per digest), asking for it for every image and then
 * evaluating (`decide`), fetching remote policies, and running real CUE in a worker thread.
 */
export { type CueSetup, cueSetup } from './cue-setup.js';
export { CuelangRunner, type CuelangRunnerOptions } from './cuelang-runner.js';
export { decide } from './decide.js';
export { CosignEvidenceCollector, type CosignEvidenceCollectorDeps } from './evidence-collector.js';
export {
  fetchRemotePolicies,
  type RemoteFetchOptions,
  resolveExternalPolicies,
} from './policy-source-fetch.js';
