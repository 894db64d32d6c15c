// The registry side of webhook tests that run the real policy engine: two images resolved from a table,
// the signed one carrying a signature by the evidence-factory key, the unsigned one nothing.
import type { Digest } from '../../src/oci/digest.js';
import {
  type Evidence,
  type EvidenceCollector,
  emptyEvidence,
  type ImageIdentity,
} from '../../src/policy/index.js';
import { evidence, keySigner, sig } from '../policy/evidence-factory.js';

export const UNSIGNED = 'registry.example.com/team/app:1.0.0';
export const SIGNED = 'registry.example.com/team/signed:1.0.0';
export const DIGESTS: Readonly<Record<string, Digest>> = {
  [UNSIGNED]: `sha256:${'b2'.repeat(32)}` as Digest,
  [SIGNED]: `sha256:${'a1'.repeat(32)}` as Digest,
};

/** Counts image resolutions: one per decision a cache did not answer. */
export class TableRegistry {
  resolutions = 0;
  readonly resolver = {
    resolve: async (image: string): Promise<Digest> => {
      this.resolutions += 1;
      const d = DIGESTS[image];
      if (d === undefined) throw new Error(`no such image ${image}`);
      return d;
    },
  };
  readonly collector: EvidenceCollector = {
    collect: async (image: ImageIdentity): Promise<Evidence> =>
      image.ref === SIGNED
        ? evidence(image.digest, {
            signatures: [sig(image.digest, keySigner(), 'registry.example.com/team/signed')],
          })
        : emptyEvidence(image.digest),
  };
}
