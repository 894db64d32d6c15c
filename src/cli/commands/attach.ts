import { type Command, Option } from 'commander';
import { DSSE_ENVELOPE_MAX_BYTES, envelopePayloadUnverified, parseEnvelope } from '../../crypto/index.js';
import { parseStatement, statementCoversDigest } from '../../crypto/index.js';
import { VouchError } from '../../errors.js';
import { defaultLimits } from '../../limits.js';
import { type Digest, digestTag, sha256Digest } from '../../oci/index.js';
import { readSmallFile } from '../../sign/index.js';
import { PEM_MAX_BYTES } from '../../crypto/index.js';
import { appendToCosignTag } from '../../sign/index.js';
import { attestationLayer, buildCosignManifest, type CosignLayer, signatureLayer } from '../../sign/index.js';
import { parseSimpleSigningPayload, SIMPLE_SIGNING_MAX_BYTES } from '../../sign/index.js';
import { decodeBase64Strict } from '../../crypto/index.js';
import type { CommandContext } from '../context.js';
import { addImageFlags, type ImageFlags } from '../image-options.js';
import {
  collect,
  openSignatureWriter,
  readInput,
  type ResolvedImage,
  resolveImage,
} from './signing-options.js';

interface SignatureFlags extends ImageFlags {
  payload: string;
  signature: string;
  certificate?: string;
  certificateChain?: string;
}

interface AttestationFlags extends ImageFlags {
  attestation: string[];
}

interface SbomFlags extends ImageFlags {
  sbom: string;
  type: 'spdx' | 'cyclonedx' | 'syft';
  inputFormat?: 'json' | 'xml' | 'text';
}

const SIGNATURE_FILE_MAX_BYTES = 64 * 1024;

/**
 * `vouch attach signature|attestation|sbom`: stores material made elsewhere (an HSM, an air-gapped
 * signer) where cosign keeps it. Nothing is verified here (there is no key); what is refused is
 * material that names another image, which could never verify for this one.
 */
export function registerAttach(program: Command, ctx: CommandContext): void {
  const attach = program
    .command('attach')
    .description('attach a signature, attestation or SBOM made elsewhere to an image, where cosign keeps it');
  const sig = attach
    .command('signature')
    .description('append a detached signature over a simple-signing payload to the .sig tag')
    .argument('<ref>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag|@digest]')
    .requiredOption('--payload <file>', 'the signed simple-signing payload (cosign generate)')
    .requiredOption('--signature <file|->', 'the base64 signature over the payload')
    .option('--certificate <pem>', 'the signing certificate, stored with the signature')
    .option('--certificate-chain <pem>', 'intermediate and root certificates of --certificate');
  addImageFlags(sig).action(async (ref: string, flags: SignatureFlags) => {
    const image = await resolveImage(ctx, ref, flags);
    const payload = await readSmallFile(flags.payload, ctx.io.cwd, SIMPLE_SIGNING_MAX_BYTES, '--payload');
    const parsed = parseSimpleSigningPayload(payload, `--payload ${flags.payload}`);
    if (parsed.digest !== image.digest) {
      throw new VouchError(
        'INPUT_MALFORMED',
        `--payload ${flags.payload} signs ${parsed.digest}, not ${image.digest}`,
        {
          hint: 'generate the payload for this image: vouch would never verify it here',
        },
      );
    }
    const b64 = (await readInput(ctx, flags.signature, SIGNATURE_FILE_MAX_BYTES, '--signature'))
      .toString('utf8')
      .trim();
    decodeBase64Strict(b64, `--signature ${flags.signature}`);
    const pem = async (file: string | undefined, what: string): Promise<string | undefined> =>
      file === undefined
        ? undefined
        : (await readSmallFile(file, ctx.io.cwd, PEM_MAX_BYTES, what)).toString('utf8');
    const certificatePem = await pem(flags.certificate, '--certificate');
    const chainPem = await pem(flags.certificateChain, '--certificate-chain');
    const layer = signatureLayer(payload, b64, {
      ...(certificatePem !== undefined ? { certificatePem } : {}),
      ...(chainPem !== undefined ? { chainPem } : {}),
    });
    await appendLayers(ctx, image, flags, 'sig', [layer]);
  });
  const att = attach
    .command('attestation')
    .description('append signed DSSE envelopes (in-toto attestations) to the .att tag')
    .argument('<ref>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag|@digest]')
    .requiredOption('--attestation <file>', 'a DSSE envelope JSON file (repeatable)', collect);
  addImageFlags(att).action(async (ref: string, flags: AttestationFlags) => {
    const image = await resolveImage(ctx, ref, flags);
    const layers: CosignLayer[] = [];
    for (const file of flags.attestation) {
      const bytes = await readInput(ctx, file, DSSE_ENVELOPE_MAX_BYTES, '--attestation');
      const what = `--attestation ${file}`;
      const statement = parseStatement(envelopePayloadUnverified(parseEnvelope(bytes, what)), what);
      if (!statementCoversDigest(statement, image.digest)) {
        throw new VouchError('INPUT_MALFORMED', `${what}: no subject names ${image.digest}`);
      }
      layers.push(attestationLayer(bytes, statement.predicateType));
    }
    await appendLayers(ctx, image, flags, 'att', layers);
  });
  registerAttachSbom(attach, ctx);
}

/** Appends layers to the image's cosign tag in one writer session: all of them, or none. */
async function appendLayers(
  ctx: CommandContext,
  image: ResolvedImage,
  flags: ImageFlags,
  suffix: 'sig' | 'att',
  layers: readonly CosignLayer[],
): Promise<void> {
  const writer = await openSignatureWriter(ctx, image, flags);
  try {
    for (const layer of layers) {
      const r = await appendToCosignTag(
        { reader: image.reader, writer },
        image.digest,
        suffix,
        layer,
        new Date(),
      );
      ctx.io.stderr.write(
        r.added
          ? `attached ${layer.descriptor.digest} to ${image.name}:${r.where}\n`
          : `${layer.descriptor.digest}: already attached\n`,
      );
    }
    await writer.commit();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

// cosign's media types for `attach sbom` (cmd/cosign/cli/options/attach.go MediaType): JSON when
// `--input-format json` or the file name ends in .json; else CycloneDX XML or SPDX tag-value text.
function sbomMediaType(type: SbomFlags['type'], format: SbomFlags['inputFormat'], file: string): string {
  const json = format === 'json' || file.endsWith('.json');
  switch (type) {
    case 'spdx':
      if (format === 'xml') throw new VouchError('USAGE', '--input-format xml: SPDX is json or text');
      return json ? 'spdx+json' : 'text/spdx';
    case 'cyclonedx':
      if (format === 'text') throw new VouchError('USAGE', '--input-format text: CycloneDX is json or xml');
      return json ? 'application/vnd.cyclonedx+json' : 'application/vnd.cyclonedx+xml';
    case 'syft':
      return 'application/vnd.syft+json';
  }
}

function registerAttachSbom(attach: Command, ctx: CommandContext): void {
  const cmd = attach
    .command('sbom')
    .description('store an SBOM under the .sbom tag, replacing what was there (unsigned; prefer attest)')
    .argument('<ref>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag|@digest]')
    .requiredOption('--sbom <file|->', 'the SBOM document')
    .addOption(
      new Option('--type <type>', 'SBOM type').choices(['spdx', 'cyclonedx', 'syft']).default('spdx'),
    )
    .addOption(new Option('--input-format <format>', 'document format').choices(['json', 'xml', 'text']));
  addImageFlags(cmd).action(async (ref: string, flags: SbomFlags) => {
    const image = await resolveImage(ctx, ref, flags);
    const bytes = await readInput(ctx, flags.sbom, defaultLimits.jsonMaxBytes, '--sbom');
    const layer = {
      mediaType: sbomMediaType(flags.type, flags.inputFormat, flags.sbom),
      size: bytes.byteLength,
      digest: sha256Digest(bytes),
    };
    const built = buildCosignManifest([layer], { created: new Date() });
    const tag = digestTag(image.digest as Digest, 'sbom');
    const writer = await openSignatureWriter(ctx, image, flags);
    try {
      await writer.putBlob(layer, bytes);
      await writer.putBlob(built.config.descriptor, built.config.blob);
      await writer.putManifest(built.manifest, built.mediaType, tag);
      await writer.commit();
    } catch (e) {
      await writer.abort();
      throw e;
    }
    ctx.io.stderr.write(`attached SBOM ${layer.digest} (${layer.mediaType}) to ${image.name}:${tag}\n`);
  });
}
