import { type Command, Option } from 'commander';
import { VouchError } from '../../errors.js';
import { attachKeylessSignatures, attachSignatures } from '../../sign/index.js';
import { signKeyless } from '../../sign/index.js';
import type { SignatureExtras } from '../../sign/index.js';
import { type SignatureFormat, signingSubjects } from '../../sign/index.js';
import { readSmallFile } from '../../sign/index.js';
import { parseCertificatePem } from '../../crypto/index.js';
import type { PrivateKeyMaterial } from '../../crypto/index.js';
import { PEM_MAX_BYTES } from '../../crypto/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { addImageFlags, type ImageFlags } from '../image-options.js';
import {
  addCosignSigningFlags,
  addKeylessFlags,
  checkTlogUpload,
  type CosignSigningFlags,
  collect,
  identityToken,
  type KeylessFlags,
  openSignatureWriter,
  parseAnnotations,
  type ResolvedImage,
  resolveImage,
  signingKey,
} from './signing-options.js';

interface SignFlags extends ImageFlags, KeylessFlags, CosignSigningFlags {
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
    .option('--key <file|env://VAR>', 'private key (cosign.key, PKCS#8 PEM); without it, keyless')
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
  addImageFlags(addCosignSigningFlags(addKeylessFlags(cmd))).action(async (ref: string, flags: SignFlags) => {
    checkTlogUpload(flags, flags.key !== undefined);
    const image = await resolveImage(ctx, ref, flags);
    if (flags.key === undefined) {
      await signKeylessly(ctx, ref, image, flags);
      return;
    }
    const key = await signingKey(ctx, flags.key);
    const extras = await certificateExtras(ctx, key, flags);
    const annotations = parseAnnotations(flags.annotations);
    const subjects = await signingSubjects(image.reader, image.digest, flags.recursive ?? false);
    const writer = await openSignatureWriter(ctx, image, flags);
    let written: Awaited<ReturnType<typeof attachSignatures>>;
    try {
      written = await attachSignatures({
        store: { reader: image.reader, writer },
        key,
        dockerReference: image.name,
        subjects,
        format: flags.format,
        annotations,
        extras,
        now: new Date(),
      });
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

/** `vouch sign` without --key: a Fulcio certificate for the identity token, a Rekor entry, a bundle. */
async function signKeylessly(
  ctx: CommandContext,
  ref: string,
  image: ResolvedImage,
  flags: SignFlags,
): Promise<void> {
  const token = identityToken(ctx, flags);
  if (flags.format !== 'bundle' || flags.certificate !== undefined) {
    throw new VouchError(
      'UNSUPPORTED',
      'keyless signing stores a Sigstore bundle: use --format bundle, without --certificate',
    );
  }
  const subjects = await signingSubjects(image.reader, image.digest, flags.recursive ?? false);
  const writer = await openSignatureWriter(ctx, image, flags);
  let written: Awaited<ReturnType<typeof attachKeylessSignatures>>;
  try {
    written = await attachKeylessSignatures({
      store: { reader: image.reader, writer },
      subjects,
      annotations: parseAnnotations(flags.annotations),
      signBundle: (data, payloadType) =>
        signKeyless(
          { kind: 'dsse', data, payloadType },
          { identityToken: token, fulcioUrl: flags.fulcioUrl, rekorUrl: flags.rekorUrl },
        ),
      now: new Date(),
    });
    await writer.commit();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  if (flags.output === 'json') {
    writeJson(ctx, {
      reference: ref,
      digest: image.digest,
      format: 'bundle',
      keyless: true,
      signed: written,
    });
    return;
  }
  for (const w of written) {
    ctx.io.stdout.write(`${image.name}@${w.digest}\n`);
    ctx.io.stderr.write(`signed ${w.digest} keylessly: pushed ${w.where}\n`);
  }
}
