import { type Command, Option } from 'commander';
import { DSSE_ENVELOPE_MAX_BYTES } from '../../crypto/index.js';
import { SLSA_PROVENANCE_V1, resolvePredicateType } from '../../attest/index.js';
import { assertSlsaProvenanceV1 } from '../../attest/index.js';
import { STATEMENT_V01, STATEMENT_V1, type StatementType } from '../../crypto/index.js';
import { VouchError } from '../../errors.js';
import { attachAttestation, attachKeylessAttestation } from '../../sign/index.js';
import { signKeyless } from '../../sign/index.js';
import type { SignatureFormat } from '../../sign/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { addImageFlags, type ImageFlags } from '../image-options.js';
import {
  addCosignSigningFlags,
  addKeylessFlags,
  checkTlogUpload,
  type CosignSigningFlags,
  identityToken,
  type KeylessFlags,
  openSignatureWriter,
  readPredicate,
  resolveImage,
  signingKey,
} from './signing-options.js';

interface AttestFlags extends ImageFlags, KeylessFlags, CosignSigningFlags {
  key?: string;
  type: string;
  predicate: string;
  format: SignatureFormat;
  statement: 'v1' | 'v0.1';
  output: OutputFormat;
}

export function registerAttest(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('attest')
    .description('attach a signed in-toto attestation (DSSE) to an image')
    .argument('<ref>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag|@digest]')
    .option('--key <file|env://VAR>', 'private key (cosign.key, PKCS#8 PEM); without it, keyless')
    .requiredOption('--predicate <file|->', 'predicate JSON file, or - for stdin')
    .option(
      '--type <type>',
      'slsaprovenance1, slsaprovenance, cyclonedx, spdxjson, vuln, openvex, custom, or a URI',
      'custom',
    )
    .addOption(
      new Option('--format <format>', 'storage format').choices(['legacy', 'bundle']).default('legacy'),
    )
    .addOption(
      new Option('--statement <version>', 'in-toto statement version').choices(['v1', 'v0.1']).default('v1'),
    )
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    );
  addImageFlags(addCosignSigningFlags(addKeylessFlags(cmd))).action(
    async (ref: string, flags: AttestFlags) => {
      checkTlogUpload(flags, flags.key !== undefined);
      const predicateType = resolvePredicateType(flags.type);
      const predicate = await readPredicate(ctx, flags.predicate, DSSE_ENVELOPE_MAX_BYTES);
      if (predicateType === SLSA_PROVENANCE_V1) {
        try {
          assertSlsaProvenanceV1(predicate, `--predicate ${flags.predicate}`);
        } catch (e) {
          // The user's own file is wrong before anything is signed: bad input (exit 2), not a failed
          // verification (exit 1).
          if (!(e instanceof VouchError)) throw e;
          throw new VouchError('INPUT_MALFORMED', e.message, {
            cause: e,
            fields: e.fields,
            hint: 'fix the fields named above (SLSA provenance v1: https://slsa.dev/spec/v1.0/provenance)',
          });
        }
      }
      const image = await resolveImage(ctx, ref, flags);
      const statementType: StatementType = flags.statement === 'v0.1' ? STATEMENT_V01 : STATEMENT_V1;
      const writer = await openSignatureWriter(ctx, image, flags);
      const top = await image.reader.fetchManifest(image.digest);
      const common = {
        store: { reader: image.reader, writer },
        subjectName: image.name,
        subject: { mediaType: top.mediaType, digest: top.digest, size: top.bytes.byteLength },
        predicateType,
        predicate,
        statementType,
        now: new Date(),
      };
      let result: Awaited<ReturnType<typeof attachAttestation>>;
      try {
        if (flags.key !== undefined) {
          const key = await signingKey(ctx, flags.key);
          result = await attachAttestation({ ...common, key, format: flags.format });
        } else {
          if (flags.format !== 'bundle') {
            throw new VouchError(
              'UNSUPPORTED',
              'keyless attestations are stored as Sigstore bundles: use --format bundle',
            );
          }
          const token = identityToken(ctx, flags);
          result = await attachKeylessAttestation({
            ...common,
            signBundle: (data, payloadType) =>
              signKeyless(
                { kind: 'dsse', data, payloadType },
                { identityToken: token, fulcioUrl: flags.fulcioUrl, rekorUrl: flags.rekorUrl },
              ),
          });
        }
        await writer.commit();
      } catch (e) {
        await writer.abort();
        throw e;
      }
      if (flags.output === 'json') {
        writeJson(ctx, {
          reference: ref,
          digest: image.digest,
          predicateType,
          format: flags.format,
          ...result,
        });
        return;
      }
      ctx.io.stdout.write(`${image.name}@${image.digest}\n`);
      ctx.io.stderr.write(`attested ${image.digest} (${predicateType}): pushed ${result.where}\n`);
    },
  );
}
