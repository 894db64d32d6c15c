/**
 * How attestation policies written in CUE are checked. policy-controller compiles the policy, unifies
 * it with the attestation's in-toto statement (JSON) and requires the result to be concrete
 * (`Validate(cue.Concrete(true))`): a bound such as `>0` on a field the statement lacks fails, a
 * concrete value such as `Critical: 0` on a missing field passes (it is simply filled in).
 */
export type CueCompiled =
  | { readonly ok: true; readonly check: (input: unknown, now: Date) => CueResult }
  | { readonly ok: false; readonly kind: 'syntax' | 'unsupported'; readonly message: string };

export type CueResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly kind: 'violation' | 'unsupported'; readonly message: string };

/** A CUE implementation: the built-in subset, or a full CUE behind the same interface. */
export interface CueEngine {
  readonly name: string;
  compile(source: string): CueCompiled;
}
