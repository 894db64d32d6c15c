import { type Command, Option } from 'commander';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../../attest/dsse.js';
import { VouchError } from '../../errors.js';
import {
  appendToCosignTag,
  pushBundleReferrer,
  type SignatureFormat,
  signingSubjects,
} from '../../sign/cosign-storage.js';
import type { SignatureExtras } from '../../sign/cosign-manifest.js';
import { readSmallFile } from '../../sign/key-ref.js';
import { parseCertificatePem } from '../../sign/keys/certificate.js';
import { keyHintOf, type PrivateKeyMaterial } from '../../sign/keys/key-material.js';
import { PEM_MAX_BYTES } from '../../sign/keys/pem.js';
import { signImageLayer } from '../../sign/sign-image.js';
import {
  type BundleSigner,
  cosignSignStatement,
  dsseBundle,
  serializeBundle,
} from '../../sign/sigstore-bundle.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { addImageFlags, type ImageFlags } from '../image-options.js';
import {
  collect,
  openSignatureWriter,
  parseAnnotations,
  resolveImage,
  signingKey,
} from './signing-options.js';

interface SignFlags extends ImageFlags {
  key?: string;
  format: SignatureFormat;
  annotations?: string[];
  recursive?: boolean;
  certificate?: string;
  certificateChain?: string;
  output: OutputFormat;
}

/** The certificate material to attach, after checking the certificate holds the signing key. */
async function certificateExtras(
  ctx: CommandContext,
  key: PrivateKeyMaterial,
  f: SignFlags,
): Promise<SignatureExtras> {
  if (f.certificate === undefined) {
    if (f.certificateChain !== undefined)
      throw new VouchError('USAGE', '--certificate-chain needs --certificate');
    return {};
  }
  const certificatePem = (
    await readSmallFile(f.certificate, ctx.io.cwd, PEM_MAX_BYTES, '--certificate')
  ).toString('utf8');
  const cert = parseCertificatePem(certificatePem, f.certificate);
  const certSpki = cert.publicKey.export({ format: 'der', type: 'spki' });
  if (!certSpki.equals(key.publicKey.spkiDer)) {
    throw new VouchError('USAGE', `${f.certificate}: the certificate is for another key than --key`);
  }
  const chainPem =
    f.certificateChain !== undefined
      ? (await readSmallFile(f.certificateChain, ctx.io.cwd, PEM_MAX_BYTES, '--certificate-chain')).toString(
          'utf8',
        )
      : undefined;
  return { certificatePem, ...(chainPem !== undefined ? { chainPem } : {}) };
}

export function registerSign(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('sign')
    .description('sign an image digest with a key (cosign-compatible .sig tag or Sigstore bundle referrer)')
    .argument('<ref>', 'registry:<ref> | <ref> | oci-dir:<path>[:tag|@digest]')
    .requiredOption('--key <file|env://VAR>', 'private key (cosign.key, PKCS#8 PEM)')
    .addOption(
      new Option('--format <format>', 'storage format').choices(['legacy', 'bundle']).default('legacy'),
    )
    .option('-a, --annotations <key=value>', 'annotation in the signed payload (repeatable)', collect)
    .option('--recursive', 'for a multi-platform index, sign every platform manifest too')
    .option('--certificate <pem>', 'certificate for the key, attached to the signature')
    .option('--certificate-chain <pem>', 'intermediate and root certificates of --certificate')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    );
  addImageFlags(cmd).action(async (ref: string, flags: SignFlags) => {
    const image = await resolveImage(ctx, ref, flags);
    const key = await signingKey(ctx, flags.key as string);
    const extras = await certificateExtras(ctx, key, flags);
    const annotations = parseAnnotations(flags.annotations);
    const subjects = await signingSubjects(image.reader, image.digest, flags.recursive ?? false);
    const writer = await openSignatureWriter(ctx, image, flags);
    const now = new Date();
    const signer: BundleSigner =
      extras.certificatePem !== undefined
        ? {
            kind: 'certificate',
            certificateDer: parseCertificatePem(extras.certificatePem, 'certificate').raw,
          }
        : { kind: 'key', keyHint: keyHintOf(key.publicKey) };
    const written = [];
    try {
      for (const subject of subjects) {
        if (flags.format === 'legacy') {
          const layer = signImageLayer(
            key,
            { dockerReference: image.name, digest: subject.digest, annotations },
            extras,
          );
          written.push({
            digest: subject.digest,
            ...(await appendToCosignTag({ reader: image.reader, writer }, subject.digest, 'sig', layer, now)),
          });
        } else {
          const statement = cosignSignStatement(subject.digest, annotations);
          const envelope = signEnvelope(Buffer.from(JSON.stringify(statement)), IN_TOTO_PAYLOAD_TYPE, key);
          const bundle = serializeBundle(dsseBundle(envelope, signer));
          written.push({
            digest: subject.digest,
            ...(await pushBundleReferrer(writer, {
              bundle,
              subject,
              content: 'dsse-envelope',
              predicateType: statement.predicateType,
              created: now,
            })),
          });
        }
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
        format: flags.format,
        keyId: key.publicKey.keyId,
        signed: written,
      });
      return;
    }
    for (const w of written) {
      ctx.io.stdout.write(`${image.name}@${w.digest}\n`);
      ctx.io.stderr.write(
        w.added
          ? `signed ${w.digest}: pushed ${w.where}\n`
          : `${w.digest}: an identical signature is already attached\n`,
      );
    }
  });
}
