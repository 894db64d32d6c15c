import { createHash } from 'node:crypto';
import { VouchError } from '../../src/errors.js';
import type { Digest } from '../../src/oci/digest.js';
import type {
  DecideContext,
  EnforcementMode,
  ImageCheckRequest,
  ImageDecider,
  ImageDecision,
  RuleOutcome,
  RuleOwner,
} from '../../src/admission/index.js';

/** What the table knows about one image. */
export interface TableRow {
  readonly digest?: Digest;
  readonly signed: boolean;
  readonly sbomCreatedAt?: Date;
}

export interface TableDeciderOptions {
  readonly policy?: string;
  readonly rule?: string;
  readonly mode: EnforcementMode;
  readonly mutateDigest?: boolean;
  /** Namespaces whose labels lack this key=value are out of scope (CIP `policy.sigstore.dev/include`). */
  readonly includeLabel?: readonly [string, string];
}

/**
 * A real, in-process ImageDecider over a small table, for tests of the webhook (the real policy engine
 * lives in src/policy). It decides as a key-signature policy would: signed images pass, unsigned fail
 * with expected/found/fix, unknown images fail as unresolvable, and it counts its calls.
 */
export class TableDecider implements ImageDecider {
  calls = 0;
  readonly seen: ImageCheckRequest[] = [];

  constructor(
    private readonly table: ReadonlyMap<string, TableRow>,
    private readonly opts: TableDeciderOptions,
  ) {}

  async decide(req: ImageCheckRequest, _ctx: DecideContext): Promise<ImageDecision> {
    this.calls += 1;
    this.seen.push(req);
    const policy = this.opts.policy ?? 'require-signed-images';
    const rule = this.opts.rule ?? 'key-signature';
    const { includeLabel } = this.opts;
    if (includeLabel !== undefined && req.namespaceLabels[includeLabel[0]] !== includeLabel[1]) {
      return { outcomes: [] };
    }
    const row = this.table.get(req.image);
    const base = { policy, rule, mode: this.opts.mode, category: 'Supply Chain Security' } as const;
    if (row === undefined || row.digest === undefined) {
      const outcome: RuleOutcome = {
        ...base,
        result: 'fail',
        reason: 'unresolvable',
        message: `cannot resolve ${req.image} to a digest`,
        expected: 'an image that exists in the registry',
        found: 'manifest unknown',
        fix: `push the image, then: vouch digest ${req.image}`,
      };
      return { outcomes: [outcome] };
    }
    if (!row.signed) {
      const outcome: RuleOutcome = {
        ...base,
        result: 'fail',
        reason: 'no-signatures',
        message: 'no signature',
        expected: 'a signature by key cosign.pub',
        found: `no signatures for ${row.digest}`,
        fix: `vouch sign --key cosign.key ${req.image.split('@')[0]?.split(':')[0]}@${row.digest}`,
        severity: 'high',
      };
      return { digest: row.digest, outcomes: [outcome] };
    }
    const repo = req.image.includes('@') ? req.image.slice(0, req.image.indexOf('@')) : stripTag(req.image);
    return {
      digest: row.digest,
      ...(this.opts.mutateDigest ? { pinnedReference: `${repo}@${row.digest}` } : {}),
      ...(row.sbomCreatedAt ? { sbomCreatedAt: row.sbomCreatedAt } : {}),
      outcomes: [{ ...base, result: 'pass', message: `signed by cosign.pub (${row.digest})` }],
    };
  }
}

function stripTag(image: string): string {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(0, colon) : image;
}

/** A decider that never answers, for deadline tests. */
export class NeverDecider implements ImageDecider {
  calls = 0;
  decide(_req: ImageCheckRequest, _ctx: DecideContext): Promise<ImageDecision> {
    this.calls += 1;
    return new Promise<ImageDecision>(() => undefined);
  }
}

/** A decider that fails with a given error, for "could not decide" tests. */
export class ThrowingDecider implements ImageDecider {
  constructor(private readonly error: unknown) {}
  async decide(_req: ImageCheckRequest, _ctx: DecideContext): Promise<ImageDecision> {
    throw this.error;
  }
}

/** How a ScriptedDecider answers for one image. */
export type ScriptedBehaviour = 'pass' | 'deny' | 'error' | 'deadline';

export interface ScriptedImage {
  readonly behaviour: ScriptedBehaviour;
  /** The policy that selects the image and its mode; absent: no policy owns the image. */
  readonly policy?: { readonly name: string; readonly mode: EnforcementMode };
}

/**
 * A decider scripted per image, for the per-image webhook tests: `pass` and `deny` answer with the
 * owning policy's outcome, `error` rejects with a REGISTRY_UNREACHABLE naming the image, `deadline`
 * never answers until its signal aborts. `owners()` names the policy the script gives the image.
 */
export class ScriptedDecider implements ImageDecider {
  readonly aborted: string[] = [];

  constructor(private readonly script: ReadonlyMap<string, ScriptedImage>) {}

  owners(req: ImageCheckRequest): readonly RuleOwner[] {
    const p = this.script.get(req.image)?.policy;
    return p ? [{ policy: p.name, rule: 'verify', mode: p.mode }] : [];
  }

  decide(req: ImageCheckRequest, ctx: DecideContext): Promise<ImageDecision> {
    const s = this.script.get(req.image);
    if (s === undefined) return Promise.reject(new Error(`unscripted image ${req.image}`));
    const digest = `sha256:${createHash('sha256').update(req.image).digest('hex')}` as Digest;
    const owner = this.owners(req)[0] ?? { policy: 'none', rule: 'verify', mode: 'enforce' as const };
    switch (s.behaviour) {
      case 'pass':
        return Promise.resolve({
          digest,
          outcomes: [{ ...owner, result: 'pass', message: `${req.image} is signed` }],
        });
      case 'deny':
        return Promise.resolve({
          digest,
          outcomes: [
            { ...owner, result: 'fail', reason: 'no-signatures', message: `${req.image} has no signature` },
          ],
        });
      case 'error':
        return Promise.reject(new VouchError('REGISTRY_UNREACHABLE', `${req.image}: connection refused`));
      case 'deadline':
        return new Promise<ImageDecision>((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            this.aborted.push(req.image);
            reject(ctx.signal.reason);
          });
        });
    }
  }
}
