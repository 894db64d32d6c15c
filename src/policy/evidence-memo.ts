/**
 * Answers kept per (evidence object, policy part, image view). Evidence is immutable once verified, and
 * the admission path holds it in a cache and asks the same questions of it for every container of
 * every request; a parsed policy part (a verifyImages entry, a ClusterImagePolicy) and an image view
 * (cached per reference) are immutable too. So the answer of a pure function of the three is computed
 * once and reused for as long as the evidence object lives.
 *
 * Evidence is held weakly, once per evidence object (one weak entry, not one per policy); parts and
 * views are few and long-lived and are held by the inner maps only while their evidence lives. The
 * price is paid on new evidence, whose answers are kept (measured in bench/policy.ts: "evidence objects
 * never seen before"); new evidence only arrives after a verification that costs far more.
 */
export class EvidenceMemo<T> {
  private readonly byEvidence = new WeakMap<object, Map<object, Map<object, T>>>();

  get(evidence: object, part: object, view: object): T | undefined {
    return this.byEvidence.get(evidence)?.get(part)?.get(view);
  }

  set(evidence: object, part: object, view: object, value: T): void {
    let byPart = this.byEvidence.get(evidence);
    if (byPart === undefined) {
      byPart = new Map();
      this.byEvidence.set(evidence, byPart);
    }
    let byView = byPart.get(part);
    if (byView === undefined) {
      byView = new Map();
      byPart.set(part, byView);
    }
    byView.set(view, value);
  }
}
