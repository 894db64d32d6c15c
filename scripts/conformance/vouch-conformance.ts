// Adapter between the sigstore-conformance CLI protocol (sigstore/sigstore-conformance docs/cli_protocol.md)
// and vouch's keyless library. The suite runs, with arguments always in this order:
//   verify-bundle [--staging] --bundle FILE --certificate-identity ID --certificate-oidc-issuer URL [--trusted-root FILE] FILE_OR_DIGEST
//   verify-bundle [--staging] --bundle FILE --key PATH [--trusted-root FILE] FILE_OR_DIGEST
// Exit 0 = verified, 1 = verification failed, 2 = usage / unsupported (sign-bundle needs the network).
// Without --trusted-root the public-good root is used from @sigstore/tuf's bundled TUF seed, so the
// adapter never touches the network; --staging has no offline root and is refused.
// Run: node --import tsx scripts/conformance/vouch-conformance.ts verify-bundle …  (or the .sh wrapper)
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describeCause, isVouchError } from '../../src/errors.js';
import { type Digest, isDigest } from '../../src/oci/digest.js';
import { parsePublicKeyPem } from '../../src/sign/index.js';
import {
  type BundleArtifact,
  type BundleSignerPolicy,
  parseTrustedRoot,
  verifySigstoreBundle,
} from '../../src/sign/keyless/index.js';

export interface AdapterIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  now: Date;
}

/** The public-good trusted_root.json bundled with @sigstore/tuf (its TUF seed target). */
function publicGoodTrustedRoot(): Buffer {
  const seeds = createRequire(import.meta.url).resolve('@sigstore/tuf/seeds.json');
  const doc = JSON.parse(readFileSync(seeds, 'utf8')) as Record<string, { targets?: Record<string, string> }>;
  const b64 = doc['https://tuf-repo-cdn.sigstore.dev']?.targets?.['trusted_root.json'];
  if (b64 === undefined) throw new Error('@sigstore/tuf seeds.json has no public-good trusted_root.json');
  return Buffer.from(b64, 'base64');
}

interface VerifyArgs {
  staging: boolean;
  bundle?: string;
  identity?: string;
  issuer?: string;
  key?: string;
  trustedRoot?: string;
  input?: string;
}

function parseVerifyArgs(argv: readonly string[]): VerifyArgs {
  const a: VerifyArgs = { staging: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--staging':
        a.staging = true;
        break;
      case '--bundle':
        a.bundle = value();
        break;
      case '--certificate-identity':
        a.identity = value();
        break;
      case '--certificate-oidc-issuer':
        a.issuer = value();
        break;
      case '--key':
        a.key = value();
        break;
      case '--trusted-root':
        a.trustedRoot = value();
        break;
      default:
        if (arg === undefined || arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
        a.input = arg;
    }
  }
  return a;
}

class UsageError extends Error {}

/**
 * The protocol says FILE_OR_DIGEST is a digest when it starts with sha256:, has the right length and is
 * not a path on disk; otherwise it is a file.
 */
function artifactOf(input: string): BundleArtifact {
  if (/^sha256:[0-9a-f]{64}$/.test(input) && isDigest(input) && !existsSync(input)) {
    return { kind: 'digest', digest: input as Digest };
  }
  return { kind: 'bytes', bytes: readFileSync(input) };
}

/** Runs one adapter invocation and returns its exit code. */
export function runConformanceCli(argv: readonly string[], io: AdapterIo): number {
  const [command, ...rest] = argv;
  try {
    if (command !== 'verify-bundle') {
      io.stderr(`vouch-conformance: ${command ?? '(none)'} is not supported offline (only verify-bundle)`);
      return 2;
    }
    const a = parseVerifyArgs(rest);
    if (a.staging)
      throw new UsageError('--staging needs the staging TUF root (network); not supported offline');
    if (!a.bundle || !a.input) throw new UsageError('--bundle FILE and FILE_OR_DIGEST are required');
    const trustedRoot = parseTrustedRoot(
      a.trustedRoot ? readFileSync(a.trustedRoot) : publicGoodTrustedRoot(),
      a.trustedRoot ?? 'public-good trusted_root.json',
    );
    let policy: BundleSignerPolicy;
    if (a.key) {
      policy = { kind: 'key', keys: [parsePublicKeyPem(readFileSync(a.key), a.key)] };
    } else {
      if (!a.identity || !a.issuer) {
        throw new UsageError('--certificate-identity and --certificate-oidc-issuer (or --key) are required');
      }
      policy = { kind: 'certificate', identity: { subject: a.identity, issuer: a.issuer } };
    }
    const v = verifySigstoreBundle({
      bundle: readFileSync(a.bundle),
      artifact: artifactOf(a.input),
      trustedRoot,
      policy,
      now: io.now,
      what: a.bundle,
    });
    io.stdout(
      `OK: ${v.signer.kind === 'certificate' ? (v.signer.subject ?? '(no SAN)') : `key ${v.signer.spkiSha256.slice(0, 16)}`}`,
    );
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`vouch-conformance: ${e.message}`);
      return 2;
    }
    io.stderr(isVouchError(e) ? `${e.code}: ${e.message}` : `error: ${describeCause(e)}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = runConformanceCli(process.argv.slice(2), {
    stdout: (l) => process.stdout.write(`${l}\n`),
    stderr: (l) => process.stderr.write(`${l}\n`),
    now: new Date(),
  });
}
