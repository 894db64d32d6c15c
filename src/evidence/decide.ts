import type { Digest } from '../digest.js';
import {
  type AuthorityRequirement,
  type Decision,
  type EvaluateInput,
  type EvaluateOptions,
  type Evidence,
  type EvidenceCollector,
  emptyEvidence,
  evaluate,
  evidenceRequirements,
  mergeEvidence,
  settle,
} from '../policy/index.js';

/**
 * The edge half of a decision: asks the collector for every requirement of every image (concurrently),
 * then evaluates. Collector failures become `problems` on the evidence, so they explain a denial; it
 * rejects only if the collector's promise machinery itself fails (never for a policy outcome).
 */
export async function decide(
  input: Omit<EvaluateInput, 'evidence'>,
  collector: EvidenceCollector,
  opts: EvaluateOptions,
): Promise<Decision> {
  // Parts are gathered per digest first: two references to one digest may be selected by different
  // policies, and each part must survive.
  const parts = new Map<string, Evidence[]>();
  await Promise.all(
    input.images.map(async (image) => {
      if (image.digest === undefined) return;
      const digest = image.digest as Digest;
      let reqs: AuthorityRequirement[];
      try {
        reqs = evidenceRequirements(input.policies, image, input.resource, {
          ...opts,
          ...(input.configMaps ? { configMaps: input.configMaps } : {}),
        });
      } catch {
        // An unparseable reference gets no evidence; evaluate denies it with the parse error.
        return;
      }
      const got = await Promise.all(
        reqs.map((r) =>
          collector.collect({ ref: image.ref, digest }, r).catch((e: unknown) => ({
            ...emptyEvidence(digest),
            problems: [`${r.id}: ${e instanceof Error ? e.message : String(e)}`],
          })),
        ),
      );
      parts.set(digest, [...(parts.get(digest) ?? []), ...got]);
    }),
  );
  const evidence = new Map<string, Evidence>();
  for (const [digest, list] of parts) evidence.set(digest, mergeEvidence(digest as Digest, list));
  return settle(() => evaluate({ ...input, evidence }, opts), opts.answerCue);
}
