import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import { DSSE_ENVELOPE_MAX_BYTES, IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../../crypto/index.js';
import { resolvePredicateType } from '../../attest/index.js';
import { buildStatement, STATEMENT_V01, STATEMENT_V1 } from '../../crypto/index.js';
import { VouchError } from '../../errors.js';
import { defaultLimits } from '../../limits.js';
import { sha256Digest } from '../../oci/index.js';
import { keyHintOf } from '../../crypto/index.js';
import { dsseBundle, serializeBundle } from '../../sign/index.js';
import type { CommandContext } from '../context.js';
import {
  addCosignSigningFlags,
  checkTlogUpload,
  type CosignSigningFlags,
  readInput,
  readPredicate,
  signingKey,
  writeOutputFile,
} from './signing-options.js';

interface AttestBlobFlags extends CosignSigningFlags {
  key?: string;
  predicate: string;
  type: string;
  statement: 'v1' | 'v0.1';
  bundle?: string;
  outputSignature?: string;
  outputAttestation?: string;
}

/**
 * `vouch attest-blob --key k --predicate p --type t FILE`: an in-toto statement about a file (subject:
 * its base name and sha256), signed into a DSSE envelope, as `cosign attest-blob` makes it. The
 * envelope goes to stdout, or to --output-signature; --bundle writes a Sigstore bundle v0.3.
 */
export function registerAttestBlob(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('attest-blob')
    .description('sign an in-toto attestation about a file (DSSE envelope; optionally a Sigstore bundle)')
    .argument('<file>', 'the file the statement is about')
    .requiredOption('--key <file|env://VAR>', 'private key (cosign.key, PKCS#8 PEM)')
    .requiredOption('--predicate <file|->', 'predicate JSON file, or - for stdin')
    .option(
      '--type <type>',
      'slsaprovenance1, slsaprovenance, cyclonedx, spdxjson, vuln, openvex, custom, or a URI',
      'custom',
    )
    .addOption(
      new Option('--statement <version>', 'in-toto statement version').choices(['v1', 'v0.1']).default('v1'),
    )
    .option('--bundle <file>', 'also write a Sigstore bundle v0.3 holding the envelope')
    .option('--output-signature <file>', 'write the DSSE envelope here instead of stdout')
    .option('--output-attestation <file>', 'also write the unsigned statement here');
  addCosignSigningFlags(cmd).action(async (file: string, flags: AttestBlobFlags) => {
    checkTlogUpload(flags, flags.key !== undefined);
    const predicateType = resolvePredicateType(flags.type);
    const predicate = await readPredicate(ctx, flags.predicate, DSSE_ENVELOPE_MAX_BYTES);
    if (file === '-') throw new VouchError('USAGE', 'attest-blob needs a file: its name is the subject');
    const blob = await readInput(ctx, file, defaultLimits.jsonMaxBytes, 'blob');
    const statement = buildStatement({
      subjectName: basename(file),
      digest: sha256Digest(blob),
      predicateType,
      predicate,
      type: flags.statement === 'v0.1' ? STATEMENT_V01 : STATEMENT_V1,
    });
    const payload = Buffer.from(JSON.stringify(statement));
    const key = await signingKey(ctx, flags.key ?? '');
    const envelope = signEnvelope(payload, IN_TOTO_PAYLOAD_TYPE, key);
    const envelopeJson = JSON.stringify(envelope);
    if (flags.bundle !== undefined) {
      const bundle = serializeBundle(
        dsseBundle(envelope, { kind: 'key', keyHint: keyHintOf(key.publicKey) }),
      );
      await writeOutputFile(ctx, flags.bundle, bundle.toString('utf8'));
      ctx.io.stderr.write(`Bundle written to ${flags.bundle}\n`);
    }
    if (flags.outputAttestation !== undefined) {
      await writeOutputFile(ctx, flags.outputAttestation, payload.toString('utf8'));
      ctx.io.stderr.write(`Attestation written in ${flags.outputAttestation}\n`);
    }
    if (flags.outputSignature !== undefined) {
      await writeOutputFile(ctx, flags.outputSignature, envelopeJson);
      ctx.io.stderr.write(`Signature written in ${flags.outputSignature}\n`);
    } else {
      ctx.io.stdout.write(`${envelopeJson}\n`);
    }
  });
}
