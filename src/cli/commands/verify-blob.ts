import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { type Command, Option } from 'commander';
import { VouchError } from '../../errors.js';
import { defaultLimits } from '../../limits.js';
import { readSmallFile } from '../../sign/index.js';
import { decodeBase64Strict, verifyBytes } from '../../crypto/index.js';
import { BUNDLE_MAX_BYTES, parseBundle } from '../../sign/index.js';
import { verifyArtifactBundle } from '../../sign/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { isDigest } from '../../oci/index.js';
import type { BundleArtifact } from '../../sign/index.js';
import { type SigstoreBundleVerification, verifySigstoreBundle } from '../../sign/index.js';
import { parseTrustedRoot, type TrustedRootMaterial } from '../../sign/index.js';
import { PUBLIC_GOOD_ROOT_NAME, publicGoodTrustedRootBytes } from '../../sign/index.js';
import type { TrustPolicy } from '../../sign/index.js';
import {
  addTrustFlags,
  readInput,
  type TrustFlags,
  describeVerification,
  verificationFromFlags,
} from './signing-options.js';

interface VerifyBlobFlags extends TrustFlags {
  signature?: string;
  bundle?: string;
  /** cosign's `--new-bundle-format`: vouch reads every bundle version, so it changes nothing. */
  newBundleFormat?: boolean;
  /** cosign's `--use-signed-timestamps`: RFC 3161 timestamps in a bundle are always verified. */
  useSignedTimestamps?: boolean;
  output: OutputFormat;
}

// A detached signature file holds base64 of at most a few hundred bytes (RSA-4096: 684 characters).
const SIGNATURE_FILE_MAX_BYTES = 64 * 1024;

export function registerVerifyBlob(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('verify-blob')
    .description('verify a file against a signature (with --key) or a Sigstore bundle (key or certificate)')
    .argument('<file>', 'the signed file (- for stdin), or sha256:<hex> with a keyless --bundle')
    .option('--signature <file>', 'file holding the base64 signature')
    .option('--bundle <file>', 'Sigstore bundle (v0.1-v0.3)')
    .option('--new-bundle-format', 'accepted for cosign scripts: every bundle version is read')
    .option(
      '--use-signed-timestamps',
      'accepted for cosign scripts: RFC 3161 timestamps in a bundle are always verified against the trusted root',
    )
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    );
  addTrustFlags(cmd, { keyTlog: true }).action(async (file: string, flags: VerifyBlobFlags) => {
    if ((flags.signature === undefined) === (flags.bundle === undefined)) {
      throw new VouchError('USAGE', 'give exactly one of --signature and --bundle');
    }
    const verification = await verificationFromFlags(ctx, flags, { keyTlog: true });
    if (verification.kind === 'policy') {
      const root = verification.tlog?.trustedRoot ?? (await loggedBundleRoot(ctx, flags));
      if (root !== undefined) {
        await verifyKeyBundleWithRoot(ctx, file, flags, verification.trust, root);
        ctx.io.stderr.write(
          `Verified OK (${describeVerification(verification)}${
            verification.tlog ? '' : `; transparency log checked against ${PUBLIC_GOOD_ROOT_NAME}`
          })\n`,
        );
        return;
      }
    }
    if (verification.kind === 'keyless') {
      if (flags.bundle === undefined) {
        throw new VouchError(
          'USAGE',
          'keyless verification needs --bundle (a detached --signature has no certificate)',
        );
      }
      const bundle = await readSmallFile(flags.bundle, ctx.io.cwd, BUNDLE_MAX_BYTES, '--bundle');
      const artifact = await bundleArtifact(ctx, file);
      const v = verifySigstoreBundle({
        bundle,
        artifact,
        trustedRoot: verification.keyless.trustedRoot,
        policy: { kind: 'certificate', identity: verification.keyless.identity },
        ...(verification.keyless.options ? { options: verification.keyless.options } : {}),
        now: new Date(),
        what: flags.bundle,
      });
      if (flags.output === 'json') writeBundleJson(ctx, file, v);
      ctx.io.stderr.write(`Verified OK (${describeVerification(verification)})\n`);
      return;
    }
    const trust = verification.trust;
    const artifact = await readInput(ctx, file, defaultLimits.jsonMaxBytes, 'blob');
    let signer: { keyId: string; identity?: unknown };
    if (flags.bundle !== undefined) {
      const bytes = await readSmallFile(flags.bundle, ctx.io.cwd, BUNDLE_MAX_BYTES, '--bundle');
      signer = verifyArtifactBundle(
        parseBundle(bytes, flags.bundle),
        artifact,
        trust,
        new Date(),
        flags.bundle,
      );
    } else if (flags.signature !== undefined) {
      if (trust.kind !== 'key') {
        throw new VouchError(
          'USAGE',
          '--signature is checked with --key; certificate identities need --bundle',
        );
      }
      const text = (await readSmallFile(flags.signature, ctx.io.cwd, SIGNATURE_FILE_MAX_BYTES, '--signature'))
        .toString('utf8')
        .trim();
      const sig = decodeBase64Strict(text, `--signature ${flags.signature}`);
      const key = trust.keys.find((k) => verifyBytes(k, artifact, sig));
      if (!key) {
        throw new VouchError(
          'SIGNATURE_INVALID',
          `${file}: signature does not verify with key ${trust.keys.map((k) => k.keyId.slice(0, 16)).join(', ')}`,
          { hint: 'the file changed after signing, or it was signed with another key' },
        );
      }
      signer = { keyId: key.keyId };
    } else {
      throw new VouchError('USAGE', 'give exactly one of --signature and --bundle');
    }
    if (flags.output === 'json') writeJson(ctx, { file, verified: true, ...signer });
    ctx.io.stderr.write('Verified OK\n');
  });
}

/**
 * The artifact a bundle is checked against. A file named like a digest is still a file: the
 * `sha256:<hex>` form applies only when no such file exists (the sigstore-conformance protocol's rule).
 */
async function bundleArtifact(ctx: CommandContext, file: string): Promise<BundleArtifact> {
  return /^sha256:[0-9a-f]{64}$/.test(file) && isDigest(file) && !(await fileExists(ctx, file))
    ? { kind: 'digest', digest: file }
    : { kind: 'bytes', bytes: await readInput(ctx, file, defaultLimits.jsonMaxBytes, 'blob') };
}

/**
 * `--key` with `--trusted-root` (or `--tlog`), as cosign verifies a key-signed bundle: the signature
 * with the key, and the bundle's transparency-log entry (inclusion proof or SET, checkpoint) and any
 * RFC 3161 timestamps against the root's log and TSA keys.
 * @throws USAGE, SIGNATURE_INVALID, TLOG_INVALID, DIGEST_MISMATCH, INPUT_MALFORMED, VERIFICATION_FAILED
 */
async function verifyKeyBundleWithRoot(
  ctx: CommandContext,
  file: string,
  flags: VerifyBlobFlags,
  trust: TrustPolicy,
  trustedRoot: TrustedRootMaterial,
): Promise<void> {
  if (flags.bundle === undefined || trust.kind !== 'key') {
    throw new VouchError(
      'USAGE',
      'a transparency-log check needs --bundle: a detached --signature carries no log entry',
    );
  }
  const bundle = await readSmallFile(flags.bundle, ctx.io.cwd, BUNDLE_MAX_BYTES, '--bundle');
  const v = verifySigstoreBundle({
    bundle,
    artifact: await bundleArtifact(ctx, file),
    trustedRoot,
    policy: { kind: 'key', keys: trust.keys },
    now: new Date(),
    what: flags.bundle,
  });
  if (flags.output === 'json') writeBundleJson(ctx, file, v);
}

/** `-o json` for a verified bundle: the same shape for keyless and key-with-tlog verification. */
function writeBundleJson(ctx: CommandContext, file: string, v: SigstoreBundleVerification): void {
  writeJson(ctx, {
    file,
    verified: true,
    signer: v.signer,
    ...(v.identity ? { identity: v.identity } : {}),
    ...(v.tlog ? { tlog: v.tlog } : {}),
    ...(v.rfc3161Time ? { rfc3161Time: v.rfc3161Time } : {}),
  });
}

/**
 * A key-signed bundle that carries transparency-log entries has them checked, as cosign does, against
 * the bundled public-good root when no `--trusted-root` is given: an entry that is there must be
 * genuine. A bundle without entries (vouch signs with a key offline) is checked by its signature alone;
 * `--insecure-ignore-tlog` skips the check.
 */
async function loggedBundleRoot(
  ctx: CommandContext,
  flags: VerifyBlobFlags,
): Promise<TrustedRootMaterial | undefined> {
  if (flags.bundle === undefined || flags.key === undefined || flags.insecureIgnoreTlog) return undefined;
  const bytes = await readSmallFile(flags.bundle, ctx.io.cwd, BUNDLE_MAX_BYTES, '--bundle');
  if (parseBundle(bytes, flags.bundle).verificationMaterial.tlogEntries.length === 0) return undefined;
  return parseTrustedRoot(publicGoodTrustedRootBytes(), PUBLIC_GOOD_ROOT_NAME);
}

async function fileExists(ctx: CommandContext, path: string): Promise<boolean> {
  try {
    await stat(resolvePath(ctx.io.cwd, path));
    return true;
  } catch {
    return false;
  }
}
