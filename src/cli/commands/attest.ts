import { type Command, Option } from 'commander';
import { attestImage } from '../../attest/attest-image.js';
import { DSSE_ENVELOPE_MAX_BYTES } from '../../attest/dsse.js';
import { SLSA_PROVENANCE_V1, resolvePredicateType } from '../../attest/predicate-types.js';
import { assertSlsaProvenanceV1 } from '../../attest/slsa-provenance.js';
import { STATEMENT_V01, STATEMENT_V1, type StatementType } from '../../attest/statement.js';
import { describeCause, VouchError } from '../../errors.js';
import { appendToCosignTag, pushBundleReferrer, type SignatureFormat } from '../../sign/cosign-storage.js';
import { keyHintOf } from '../../sign/keys/key-material.js';
import { dsseBundle, serializeBundle } from '../../sign/sigstore-bundle.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { addImageFlags, type ImageFlags } from '../image-options.js';
import { openSignatureWriter, readInput, resolveImage, signingKey } from './signing-options.js';

interface AttestFlags extends ImageFlags {
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
    .requiredOption('--key <file|env://VAR>', 'private key (cosign.key, PKCS#8 PEM)')
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
  addImageFlags(cmd).action(async (ref: string, flags: AttestFlags) => {
    const predicateType = resolvePredicateType(flags.type);
    const raw = await readInput(ctx, flags.predicate, DSSE_ENVELOPE_MAX_BYTES, '--predicate');
    let predicate: unknown;
    try {
      predicate = JSON.parse(raw.toString('utf8'));
    } catch (e) {
      throw new VouchError(
        'INPUT_MALFORMED',
        `--predicate ${flags.predicate}: not JSON: ${describeCause(e)}`,
        { cause: e },
      );
    }
    if (predicateType === SLSA_PROVENANCE_V1)
      assertSlsaProvenanceV1(predicate, `--predicate ${flags.predicate}`);
    const image = await resolveImage(ctx, ref, flags);
    const key = await signingKey(ctx, flags.key as string);
    const statementType: StatementType = flags.statement === 'v0.1' ? STATEMENT_V01 : STATEMENT_V1;
    const { envelope, layer } = attestImage(key, {
      subjectName: image.name,
      digest: image.digest,
      predicateType,
      predicate,
      statementType,
    });
    const writer = await openSignatureWriter(ctx, image, flags);
    const now = new Date();
    let result: Awaited<ReturnType<typeof appendToCosignTag>>;
    try {
      if (flags.format === 'legacy') {
        result = await appendToCosignTag({ reader: image.reader, writer }, image.digest, 'att', layer, now);
      } else {
        const top = await image.reader.fetchManifest(image.digest);
        const bundle = serializeBundle(
          dsseBundle(envelope, { kind: 'key', keyHint: keyHintOf(key.publicKey) }),
        );
        result = await pushBundleReferrer(writer, {
          bundle,
          subject: { mediaType: top.mediaType, digest: top.digest, size: top.bytes.byteLength },
          content: 'dsse-envelope',
          predicateType,
          created: now,
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
  });
}
