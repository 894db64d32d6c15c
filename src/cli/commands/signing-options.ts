import { resolve as resolvePath } from 'node:path';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { describeCause, VouchError } from '../../errors.js';
import type { Digest } from '../../oci/index.js';
import type { ImageReader, ImageWriter } from '../../oci/index.js';
import { openOciLayout } from '../../oci/index.js';
import { openImageReader, openImageWriter } from '../../oci/index.js';
import { type ImageSourceSpec, parseImageSourceSpec } from '../../oci/index.js';
import { type IdentityConstraints, hasIdentityConstraint } from '../../sign/index.js';
import { loadSigningKey, loadVerificationKey, readSmallFile } from '../../sign/index.js';
import { parseCertificatesPem } from '../../crypto/index.js';
import { writeFileAtomic } from '../../fs/index.js';
import type { PrivateKeyMaterial } from '../../crypto/index.js';
import { PEM_MAX_BYTES } from '../../crypto/index.js';
import { PUBLIC_GOOD_ROOT_NAME, publicGoodTrustedRootBytes } from '../../sign/index.js';
import { parseTrustedRoot, TRUSTED_ROOT_MAX_BYTES } from '../../sign/index.js';
import type { BundleVerifyOptions } from '../../sign/index.js';
import { describeTrust, type TrustPolicy } from '../../sign/index.js';
import type { KeyTlogTrust } from '../../sign/index.js';
import type { KeylessTrust } from '../../sign/index.js';
import type { CommandContext } from '../context.js';
import { debugLog, type ImageFlags, openContext } from '../image-options.js';

/** A password from VOUCH_PASSWORD, else COSIGN_PASSWORD (empty is a valid password), else undefined. */
export function passwordFromEnv(ctx: CommandContext): string | undefined {
  return ctx.io.env['VOUCH_PASSWORD'] ?? ctx.io.env['COSIGN_PASSWORD'];
}

/**
 * Asks for a password on the terminal with echo off. Never reads one from an argument (it would land
 * in shell history and `ps`); without a TTY and without the environment variables it refuses.
 * @throws USAGE
 */
export async function readPassword(ctx: CommandContext, prompt: string): Promise<string> {
  const fromEnv = passwordFromEnv(ctx);
  if (fromEnv !== undefined) return fromEnv;
  if (!ctx.io.isTTY) {
    throw new VouchError(
      'USAGE',
      'no password: set VOUCH_PASSWORD (or COSIGN_PASSWORD), or run on a terminal',
      {
        hint: 'vouch never takes a password as an argument',
      },
    );
  }
  ctx.io.stderr.write(prompt);
  const stdin = ctx.io.stdin as Readable & { setRawMode?: (raw: boolean) => void };
  stdin.setRawMode?.(true);
  // Listeners, not for-await: leaving a for-await loop destroys the stream, and generate-key-pair
  // asks twice.
  return new Promise<string>((resolve, reject) => {
    const chars: string[] = [];
    const done = (): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      stdin.setRawMode?.(false);
      ctx.io.stderr.write('\n');
    };
    const onData = (chunk: Buffer | string): void => {
      const text = Buffer.isBuffer(chunk) ? chunk.toString('utf8') : chunk;
      for (let i = 0; i < text.length; i++) {
        const ch = text.charAt(i);
        if (ch === '\r' || ch === '\n') {
          done();
          // Whatever followed the line (a second answer typed ahead) stays for the next prompt.
          const rest = text.slice(text[i + 1] === '\n' && ch === '\r' ? i + 2 : i + 1);
          if (rest.length > 0) stdin.unshift(Buffer.from(rest, 'utf8'));
          resolve(chars.join(''));
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new VouchError('USAGE', 'password prompt interrupted'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') chars.pop();
        else chars.push(ch);
      }
    };
    const onEnd = (): void => {
      done();
      resolve(chars.join(''));
    };
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}

/** Loads `--key` for signing, asking for the password only when the key is encrypted. */
export function signingKey(ctx: CommandContext, ref: string): Promise<PrivateKeyMaterial> {
  return loadSigningKey(ref, {
    env: ctx.io.env,
    cwd: ctx.io.cwd,
    password: () => readPassword(ctx, `Enter password for private key ${ref}: `),
  });
}

export interface TrustFlags {
  key?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  caRoots?: string;
  certificateGithubWorkflowTrigger?: string;
  certificateGithubWorkflowSha?: string;
  certificateGithubWorkflowName?: string;
  certificateGithubWorkflowRepository?: string;
  certificateGithubWorkflowRef?: string;
  trustedRoot?: string;
  insecureIgnoreTlog?: boolean;
  insecureIgnoreSct?: boolean;
  /** `--tlog`: with `--key`, require a verified Rekor entry (image verification only). */
  tlog?: boolean;
}

/**
 * cosign's verification trust flags. `keyTlog`: the command can check the Rekor entries of key-signed
 * signatures (`--key` with `--trusted-root` or `--tlog`); it adds `--tlog`.
 */
export function addTrustFlags(cmd: Command, opts: { keyTlog?: boolean } = {}): Command {
  if (opts.keyTlog) {
    cmd.option(
      '--tlog',
      'with --key: require a transparency-log (Rekor) entry verified against --trusted-root (default: the bundled public-good root), as cosign verify --key does; implied by --key with --trusted-root',
    );
  }
  return cmd
    .option('--key <file|env://VAR>', 'public key (or certificate) the signature must verify with')
    .option('--certificate-identity <san>', 'expected certificate subject (e-mail, URI)')
    .option('--certificate-identity-regexp <re>', 'expected certificate subject, as a regular expression')
    .option('--certificate-oidc-issuer <url>', 'expected OIDC issuer in the certificate')
    .option('--certificate-oidc-issuer-regexp <re>', 'expected OIDC issuer, as a regular expression')
    .option(
      '--ca-roots <pem>',
      'PEM file of trusted root (and intermediate) CA certificates: checks the chain at the current time only, no transparency log (use --trusted-root for that)',
    )
    .option(
      '--trusted-root <file>',
      `Sigstore trusted_root.json (Fulcio CAs, Rekor and CT log keys, TSAs) for keyless verification with transparency-log checks; default: the bundled public-good root${
        opts.keyTlog ? '. With --key: the Rekor log keys key-signed entries are checked against' : ''
      }`,
    )
    .option(
      '--insecure-ignore-tlog',
      `accept signatures without a verified transparency-log entry (keyless${
        opts.keyTlog ? '; with --key it undoes --trusted-root / --tlog' : ''
      })`,
    )
    .option('--insecure-ignore-sct', 'keyless: accept certificates without a verified SCT')
    .option('--certificate-github-workflow-trigger <v>', 'expected GitHub workflow trigger')
    .option('--certificate-github-workflow-sha <v>', 'expected GitHub workflow commit')
    .option('--certificate-github-workflow-name <v>', 'expected GitHub workflow name')
    .option('--certificate-github-workflow-repository <v>', 'expected GitHub workflow repository')
    .option('--certificate-github-workflow-ref <v>', 'expected GitHub workflow ref');
}

/**
 * Builds the trust policy from the flags: `--key`, or a certificate identity chained to `--ca-roots`.
 * @throws USAGE, FILE_NOT_FOUND, INPUT_MALFORMED, UNSUPPORTED
 */
export async function trustFromFlags(ctx: CommandContext, f: TrustFlags): Promise<TrustPolicy> {
  if (f.trustedRoot !== undefined || f.insecureIgnoreTlog || f.insecureIgnoreSct || f.tlog) {
    throw new VouchError(
      'USAGE',
      '--trusted-root / --insecure-ignore-tlog / --insecure-ignore-sct apply to keyless verification by certificate identity only (and --trusted-root / --tlog to `verify` and `verify-attestation` with --key)',
    );
  }
  const identity = identityFromFlags(f);
  const anyIdentity = Object.keys(identity).length > 0;
  if (f.key !== undefined) {
    if (anyIdentity || f.caRoots !== undefined) {
      throw new VouchError('USAGE', '--key and --certificate-* / --ca-roots are alternatives; give one');
    }
    return { kind: 'key', keys: [await loadVerificationKey(f.key, { env: ctx.io.env, cwd: ctx.io.cwd })] };
  }
  if (!anyIdentity) {
    throw new VouchError(
      'USAGE',
      'say whom to trust: --key, or --certificate-identity and --certificate-oidc-issuer',
    );
  }
  if (!hasIdentityConstraint(identity)) {
    throw new VouchError(
      'USAGE',
      'certificate verification needs both --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]',
    );
  }
  if (f.caRoots === undefined) {
    throw new VouchError('UNSUPPORTED', 'certificate verification needs --ca-roots <pem>', {
      hint: 'the Sigstore public-good trust root over TUF is not supported yet; pass the Fulcio roots as PEM',
    });
  }
  const certs = parseCertificatesPem(
    await readSmallFile(f.caRoots, ctx.io.cwd, PEM_MAX_BYTES, '--ca-roots'),
    f.caRoots,
  );
  // Self-signed certificates are anchors; the rest may only fill a path (CertificateAuthorities).
  const roots = certs.filter((c) => c.checkIssued(c));
  const intermediates = certs.filter((c) => !c.checkIssued(c));
  return { kind: 'certificate', authorities: { roots, intermediates }, identity };
}

/**
 * How verification is anchored: a plain trust policy (`--key`, `--ca-roots`; with `tlog`, key-signed
 * signatures also need a Rekor entry verified against that root), or a Sigstore trusted root.
 */
export type Verification =
  | { kind: 'policy'; trust: TrustPolicy; tlog?: KeyTlogTrust; rootName?: string }
  | { kind: 'keyless'; keyless: KeylessTrust; rootName: string };

/**
 * The verification the flags ask for. A certificate identity without `--ca-roots` is verified
 * keylessly against `--trusted-root` (default: the bundled public-good root), with transparency-log
 * and SCT checks; `--ca-roots` keeps its trust policy (chain only, no tlog). `--key` checks the
 * signature only, unless the command supports `keyTlog` and `--trusted-root` or `--tlog` is given: then
 * each signature needs a Rekor entry for that key, as `cosign verify --key` requires (vouch signs with
 * a key offline, so the check is asked for rather than assumed; `--insecure-ignore-tlog` turns it off).
 * @throws USAGE, FILE_NOT_FOUND, INPUT_TOO_LARGE, INPUT_MALFORMED, UNSUPPORTED
 */
export async function verificationFromFlags(
  ctx: CommandContext,
  f: TrustFlags,
  opts: { keyTlog?: boolean } = {},
): Promise<Verification> {
  if (opts.keyTlog && f.key !== undefined) return keyVerificationFromFlags(ctx, f);
  const identity = identityFromFlags(f);
  const keyless =
    f.key === undefined &&
    f.caRoots === undefined &&
    Object.keys(identity).length > 0 &&
    hasIdentityConstraint(identity);
  if (!keyless) {
    if (f.trustedRoot !== undefined && f.caRoots !== undefined) {
      throw new VouchError('USAGE', '--ca-roots and --trusted-root are alternatives; give one');
    }
    if (f.key === undefined && Object.keys(identity).length > 0 && !hasIdentityConstraint(identity)) {
      throw new VouchError(
        'USAGE',
        'certificate verification needs both --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]',
      );
    }
    return { kind: 'policy', trust: await trustFromFlags(ctx, f) };
  }
  const rootName = f.trustedRoot ?? PUBLIC_GOOD_ROOT_NAME;
  const bytes =
    f.trustedRoot !== undefined
      ? await readSmallFile(f.trustedRoot, ctx.io.cwd, TRUSTED_ROOT_MAX_BYTES, '--trusted-root')
      : publicGoodTrustedRootBytes();
  const options: BundleVerifyOptions = {
    ...(f.insecureIgnoreTlog ? { insecureIgnoreTlog: true } : {}),
    ...(f.insecureIgnoreSct ? { insecureIgnoreSct: true } : {}),
  };
  return {
    kind: 'keyless',
    keyless: { trustedRoot: parseTrustedRoot(bytes, rootName), identity, options },
    rootName,
  };
}

/** `--key` for image verification: the key, and the trusted root when the tlog is required. */
async function keyVerificationFromFlags(ctx: CommandContext, f: TrustFlags): Promise<Verification> {
  if (f.insecureIgnoreSct) {
    throw new VouchError('USAGE', '--insecure-ignore-sct applies to keyless verification only');
  }
  if (f.tlog && f.insecureIgnoreTlog) {
    throw new VouchError('USAGE', '--tlog and --insecure-ignore-tlog contradict each other; give one');
  }
  if (f.trustedRoot !== undefined && f.caRoots !== undefined) {
    throw new VouchError('USAGE', '--ca-roots and --trusted-root are alternatives; give one');
  }
  const { trustedRoot, insecureIgnoreTlog, tlog, ...rest } = f;
  const trust = await trustFromFlags(ctx, rest);
  if (insecureIgnoreTlog || (!tlog && trustedRoot === undefined)) return { kind: 'policy', trust };
  const rootName = trustedRoot ?? PUBLIC_GOOD_ROOT_NAME;
  const bytes =
    trustedRoot !== undefined
      ? await readSmallFile(trustedRoot, ctx.io.cwd, TRUSTED_ROOT_MAX_BYTES, '--trusted-root')
      : publicGoodTrustedRootBytes();
  return { kind: 'policy', trust, tlog: { trustedRoot: parseTrustedRoot(bytes, rootName) }, rootName };
}

/** Describes a Verification for the summary line. */
export function describeVerification(v: Verification): string {
  return v.kind === 'policy'
    ? `${describeTrust(v.trust)}${v.tlog ? ` (transparency log checked against ${v.rootName ?? 'the trusted root'})` : ''}`
    : `certificate identity from ${v.rootName} (chain, SCT and transparency log checked${
        v.keyless.options?.insecureIgnoreTlog ? '; tlog IGNORED' : ''
      }${v.keyless.options?.insecureIgnoreSct ? '; SCT IGNORED' : ''})`;
}

function identityFromFlags(f: TrustFlags): IdentityConstraints {
  return {
    ...(f.certificateIdentity !== undefined ? { subject: f.certificateIdentity } : {}),
    ...(f.certificateIdentityRegexp !== undefined ? { subjectRegExp: f.certificateIdentityRegexp } : {}),
    ...(f.certificateOidcIssuer !== undefined ? { issuer: f.certificateOidcIssuer } : {}),
    ...(f.certificateOidcIssuerRegexp !== undefined ? { issuerRegExp: f.certificateOidcIssuerRegexp } : {}),
    ...(f.certificateGithubWorkflowTrigger !== undefined
      ? { githubWorkflowTrigger: f.certificateGithubWorkflowTrigger }
      : {}),
    ...(f.certificateGithubWorkflowSha !== undefined
      ? { githubWorkflowSha: f.certificateGithubWorkflowSha }
      : {}),
    ...(f.certificateGithubWorkflowName !== undefined
      ? { githubWorkflowName: f.certificateGithubWorkflowName }
      : {}),
    ...(f.certificateGithubWorkflowRepository !== undefined
      ? { githubWorkflowRepository: f.certificateGithubWorkflowRepository }
      : {}),
    ...(f.certificateGithubWorkflowRef !== undefined
      ? { githubWorkflowRef: f.certificateGithubWorkflowRef }
      : {}),
  };
}

/** An image resolved once to its digest; everything after speaks the digest. */
export interface ResolvedImage {
  spec: ImageSourceSpec;
  reader: ImageReader;
  /** `host/repo` or `oci-dir:path`: the name signed payloads carry. */
  name: string;
  digest: Digest;
}

/**
 * Opens `ref` and resolves it to a digest exactly once.
 * @throws as openImageReader / fetchManifest
 */
export async function resolveImage(
  ctx: CommandContext,
  ref: string,
  flags: ImageFlags,
): Promise<ResolvedImage> {
  const parsed = parseImageSourceSpec(ref);
  const spec = withDefaultLayoutTag(parsed, await layoutTags(ctx, parsed));
  const opened = await openImageReader(spec, openContext(ctx, flags, [spec], debugLog(ctx)));
  const top = await opened.reader.fetchManifest(opened.selector);
  return { spec, reader: opened.reader, name: opened.name, digest: top.digest };
}

// Tags cosign and the referrers fallback create for attachments: `sha256-<hex>[.sig|.att|.sbom]`.
const ATTACHMENT_TAG = /^sha(256|512)-[0-9a-f]+(\.(sig|att|sbom))?$/;

async function layoutTags(ctx: CommandContext, spec: ImageSourceSpec): Promise<string[]> {
  if (spec.kind !== 'oci-dir' || spec.tag !== undefined || spec.digest !== undefined) return [];
  return (await openOciLayout(resolvePath(ctx.io.cwd, spec.path))).listTags();
}

/**
 * `oci-dir:path` without a tag names the layout's only image. Once it is signed the layout also holds
 * `sha256-<hex>.sig` (and referrer index) tags; those are attachments, not images, so they do not make
 * the choice ambiguous.
 */
function withDefaultLayoutTag(spec: ImageSourceSpec, tags: readonly string[]): ImageSourceSpec {
  if (spec.kind !== 'oci-dir') return spec;
  const images = tags.filter((t) => !ATTACHMENT_TAG.test(t));
  const only = images.length === 1 ? images[0] : undefined;
  return only !== undefined && images.length < tags.length ? { ...spec, tag: only } : spec;
}

/**
 * A writer for the repository of a resolved image (where its signatures go).
 * @throws as openImageWriter
 */
export async function openSignatureWriter(
  ctx: CommandContext,
  image: ResolvedImage,
  flags: ImageFlags,
): Promise<ImageWriter> {
  // The writer names a repository, never a tag or digest: attachments get their own tags.
  const spec: ImageSourceSpec =
    image.spec.kind === 'registry'
      ? {
          kind: 'registry',
          ref: { registry: image.spec.ref.registry, repository: image.spec.ref.repository },
          text: image.spec.text,
        }
      : image.spec.kind === 'oci-dir'
        ? { kind: 'oci-dir', path: image.spec.path, text: image.spec.text }
        : image.spec;
  return (await openImageWriter(spec, openContext(ctx, flags, [spec], debugLog(ctx)))).writer;
}

/**
 * `-a key=value` annotations (repeatable), as cosign takes them.
 * @throws USAGE
 */
export function parseAnnotations(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new VouchError('USAGE', `-a ${v}: expected key=value`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** Collects a repeatable option into an array (commander's reducer). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Writes an output file atomically (temp file + rename), replacing what was there.
 * @throws IO_ERROR
 */
export function writeOutputFile(ctx: CommandContext, path: string, contents: string): Promise<void> {
  return writeFileAtomic(resolvePath(ctx.io.cwd, path), contents);
}

/**
 * Reads an input file (`-` is stdin) up to `maxBytes`.
 * @throws FILE_NOT_FOUND, INPUT_TOO_LARGE, IO_ERROR
 */
export async function readInput(
  ctx: CommandContext,
  path: string,
  maxBytes: number,
  what: string,
): Promise<Buffer> {
  if (path !== '-') return readSmallFile(path, ctx.io.cwd, maxBytes, what);
  const parts: Buffer[] = [];
  let seen = 0;
  for await (const chunk of ctx.io.stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    seen += b.byteLength;
    if (seen > maxBytes)
      throw new VouchError('INPUT_TOO_LARGE', `${what}: stdin is more than ${maxBytes} bytes`);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

export interface KeylessFlags {
  identityToken?: string;
  fulcioUrl: string;
  rekorUrl: string;
}

/** cosign's keyless signing flags. */
export function addKeylessFlags(cmd: Command): Command {
  return cmd
    .option('--identity-token <jwt>', 'OIDC identity token for keyless signing (else SIGSTORE_ID_TOKEN)')
    .option('--fulcio-url <url>', 'Fulcio for keyless signing', 'https://fulcio.sigstore.dev')
    .option('--rekor-url <url>', 'Rekor for keyless signing', 'https://rekor.sigstore.dev');
}

/**
 * The identity token for keyless signing: --identity-token, else SIGSTORE_ID_TOKEN.
 * @throws USAGE (neither, so there is nothing to sign with)
 */
export function identityToken(ctx: CommandContext, flags: KeylessFlags): string {
  const token = flags.identityToken ?? ctx.io.env['SIGSTORE_ID_TOKEN'];
  if (token === undefined || token === '') {
    throw new VouchError('USAGE', 'no signer: pass --key, or an identity token for keyless signing', {
      hint: 'pass --identity-token or set SIGSTORE_ID_TOKEN',
    });
  }
  return token;
}

export interface CosignSigningFlags {
  /** cosign's `-y, --yes`: vouch asks no confirmation, so it changes nothing. */
  yes?: boolean;
  /** cosign's `--tlog-upload` (true/false; undefined when not given). */
  tlogUpload?: boolean;
}

/** cosign's `-y, --yes` and `--tlog-upload[=true|false]` on the signing commands. */
export function addCosignSigningFlags(cmd: Command): Command {
  return cmd
    .option('-y, --yes', 'skip confirmation prompts (vouch never asks; accepted for cosign scripts)')
    .option(
      '--tlog-upload',
      'upload to the transparency log: keyless signing always does; key signing never does (offline)',
    )
    .option('--no-tlog-upload', 'do not upload to the transparency log (the default for key signing)');
}

/**
 * Checks `--tlog-upload` against the signer. Key signing in vouch is offline, so `--tlog-upload=false`
 * (cosign's flag for private infrastructure) is what it already does, and an explicit `--tlog-upload`
 * is refused rather than silently ignored. Keyless signing needs the Rekor entry: a Fulcio certificate
 * lives ten minutes, and only the log's timestamp proves the signature was made inside that window.
 * @throws UNSUPPORTED, USAGE
 */
export function checkTlogUpload(flags: CosignSigningFlags, keyed: boolean): void {
  if (keyed && flags.tlogUpload === true) {
    throw new VouchError('UNSUPPORTED', '--tlog-upload with --key: vouch signs with a key offline', {
      hint: 'drop --tlog-upload (or pass --tlog-upload=false); sign keylessly for a transparency-log entry',
    });
  }
  if (!keyed && flags.tlogUpload === false) {
    throw new VouchError(
      'USAGE',
      '--tlog-upload=false without --key: keyless signing needs the Rekor entry',
      {
        hint: 'sign with --key to sign offline',
      },
    );
  }
}

/**
 * Reads `--predicate` (a file, or - for stdin) as JSON, for attest and attest-blob.
 * @throws INPUT_MALFORMED, INPUT_TOO_LARGE, FILE_NOT_FOUND
 */
export async function readPredicate(ctx: CommandContext, path: string, maxBytes: number): Promise<unknown> {
  const raw = await readInput(ctx, path, maxBytes, '--predicate');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `--predicate ${path}: not JSON: ${describeCause(e)}`, {
      cause: e,
    });
  }
}
