import { type Command, Option } from 'commander';
import { resolvePredicateType } from '../../attest/index.js';
import { VouchError } from '../../errors.js';
import { type CueMode, settle } from '../../policy/index.js';
import type { CueSetup } from '../../evidence/index.js';
import type { AttestationCandidate } from '../../sign/index.js';
import { readAttachedAttestations } from '../../sign/index.js';
import { defaultLimits } from '../../limits.js';
import {
  type AttachedCandidates,
  type VerifiedAttachment,
  verifyAttachedAttestations,
  verifyKeylessAttachedAttestations,
} from '../../sign/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { cueOption, withCue } from '../cue-option.js';
import { addImageFlags, type ImageFlags } from '../image-options.js';
import {
  addTrustFlags,
  describeVerification,
  readInput,
  resolveImage,
  type TrustFlags,
  verificationFromFlags,
} from './signing-options.js';
import { verifiedJson } from './verify.js';

interface VerifyAttestationFlags extends ImageFlags, TrustFlags {
  type?: string;
  policy?: string;
  cue: CueMode;
  output: OutputFormat;
}

export function registerVerifyAttestation(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('verify-attestation')
    .description('verify the in-toto attestations of an image, optionally against a CUE policy')
    .argument('<ref>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag|@digest]')
    .option('--type <type>', 'predicate type wanted (shorthand or URI); any when omitted')
    .option('--policy <file.cue>', 'CUE policy every verified statement must satisfy (unified, concrete)')
    .addOption(cueOption())
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    );
  addImageFlags(addTrustFlags(cmd, { keyTlog: true })).action((ref: string, flags: VerifyAttestationFlags) =>
    withCue(flags.cue, (cue) => verifyAttestation(ctx, ref, flags, cue)),
  );
}

async function verifyAttestation(
  ctx: CommandContext,
  ref: string,
  flags: VerifyAttestationFlags,
  cue: CueSetup,
): Promise<void> {
  const predicateType = flags.type !== undefined ? resolvePredicateType(flags.type) : undefined;
  const verification = await verificationFromFlags(ctx, flags, { keyTlog: true });
  const policy = flags.policy !== undefined ? await compilePolicy(ctx, flags.policy, cue) : undefined;
  const image = await resolveImage(ctx, ref, flags);
  const attached = await readAttachedAttestations(image.reader, image.digest);
  if (flags.output !== 'json') for (const p of attached.problems) ctx.io.stderr.write(`note: ${p}\n`);
  const now = new Date();
  const v =
    verification.kind === 'keyless'
      ? verifyKeylessAttachedAttestations({
          attached,
          keyless: verification.keyless,
          now,
          ...(predicateType ? { predicateType } : {}),
        })
      : verifyAttachedAttestations({
          attached,
          trust: verification.trust,
          now,
          ...(predicateType ? { predicateType } : {}),
          ...(verification.tlog ? { tlog: verification.tlog } : {}),
        });
  if (!v.ok) {
    const e = v.error ?? {
      code: 'VERIFICATION_FAILED' as const,
      message: `no attestation verified for ${image.digest}`,
    };
    throw new VouchError(e.code, e.message, {
      ...(v.failures.length > 0
        ? { hint: `rejected: ${v.failures.map((f) => `#${f.index}: ${f.reason}`).join('; ')}` }
        : {}),
    });
  }
  if (policy) {
    for (const item of v.verified) {
      const r = await settle(() => policy.check(item.statement, now), cue.answer);
      if (!r.ok) {
        throw new VouchError(
          'POLICY_DENIED',
          `attestation #${item.index} of ${image.digest} fails ${flags.policy}: ${r.message}`,
        );
      }
    }
  }
  if (flags.output === 'json') {
    writeJson(ctx, {
      reference: ref,
      digest: image.digest,
      verified: v.verified.map(verifiedJson),
      problems: attached.problems,
    });
  } else {
    // cosign prints each verified attestation's DSSE envelope, one per line, so that
    // `cosign verify-attestation … | jq -r .payload | base64 -d` yields the statement.
    for (const item of v.verified) ctx.io.stdout.write(`${envelopeLine(attached, item)}\n`);
  }
  ctx.io.stderr.write(
    `Verification for ${image.name}@${image.digest} --\n` +
      `  ${v.verified.length} attestation(s) verified with ${describeVerification(verification)}` +
      `${predicateType ? ` of type ${predicateType}` : ''}${policy ? `, all satisfy ${flags.policy}` : ''}\n`,
  );
}

async function compilePolicy(
  ctx: CommandContext,
  path: string,
  cue: CueSetup,
): Promise<{ check: (input: unknown, now: Date) => { ok: true } | { ok: false; message: string } }> {
  const source = (await readInput(ctx, path, defaultLimits.yamlMaxBytes, '--policy')).toString('utf8');
  const compiled = await settle(() => cue.engine.compile(source), cue.answer);
  if (!compiled.ok) throw new VouchError('POLICY_INVALID', `${path}: ${compiled.message}`);
  return compiled;
}

/**
 * The DSSE envelope of a verified attestation as one JSON line: the `.att` layer as stored, or a
 * bundle's `dsseEnvelope` in the envelope's own JSON shape (payloadType, payload, signatures).
 */
function envelopeLine(attached: AttachedCandidates<AttestationCandidate>, item: VerifiedAttachment): string {
  if (item.format === 'legacy') {
    const c = attached.legacy.find((x) => x.entry.index === item.index);
    return JSON.stringify(JSON.parse((c?.envelope ?? Buffer.from('null')).toString('utf8')));
  }
  const b = attached.bundles[item.index - attached.legacy.length];
  const doc = JSON.parse((b?.bytes ?? Buffer.from('{}')).toString('utf8')) as { dsseEnvelope?: unknown };
  const env = (doc.dsseEnvelope ?? {}) as {
    payloadType?: string;
    payload?: string;
    signatures?: { keyid?: string; sig?: string }[];
  };
  return JSON.stringify({
    payloadType: env.payloadType,
    payload: env.payload,
    signatures: (env.signatures ?? []).map((s) => ({ keyid: s.keyid ?? '', sig: s.sig })),
  });
}
