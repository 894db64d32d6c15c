import { type Command, Option } from 'commander';
import {
  DSSE_ENVELOPE_MAX_BYTES,
  IN_TOTO_PAYLOAD_TYPE,
  parseEnvelope,
  verifyEnvelope,
} from '../../crypto/index.js';
import { resolvePredicateType } from '../../attest/index.js';
import { parseStatement, type Statement, statementCoversDigest } from '../../crypto/index.js';
import { VouchError } from '../../errors.js';
import { defaultLimits } from '../../limits.js';
import { type Digest, parseDigest, sha256Digest } from '../../oci/index.js';
import { loadVerificationKey, readSmallFile } from '../../sign/index.js';
import { BUNDLE_MAX_BYTES, parseBundle, verifyBundleWithKeys } from '../../sign/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { readInput } from './signing-options.js';

interface VerifyBlobAttestationFlags {
  key: string;
  signature?: string;
  bundle?: string;
  type?: string;
  checkClaims: boolean;
  digest?: string;
  output: OutputFormat;
}

/**
 * `vouch verify-blob-attestation --key k (--signature env | --bundle b) [--type t] FILE`: the DSSE
 * envelope verifies with the key, carries an in-toto statement, one of whose subjects is the file's
 * sha256 and whose predicate type is --type (cosign's claim checks, on unless --check-claims=false).
 */
export function registerVerifyBlobAttestation(program: Command, ctx: CommandContext): void {
  program
    .command('verify-blob-attestation')
    .description('verify a signed in-toto attestation (DSSE envelope or bundle) about a file')
    .argument('[file]', 'the file the statement is about (or give --digest)')
    .requiredOption('--key <file|env://VAR>', 'public key the envelope must verify with')
    .option('--signature <file>', 'the DSSE envelope JSON (raw or base64), as attest-blob writes it')
    .option('--bundle <file>', 'a Sigstore bundle holding the envelope')
    .option('--type <type>', 'predicate type wanted (shorthand or URI)')
    .option('--digest <sha256:hex>', 'the subject digest, instead of reading a file')
    .option('--check-claims', 'check the subject digest and predicate type (default)', true)
    .option('--no-check-claims', 'verify the signature only')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    )
    .action(async (file: string | undefined, flags: VerifyBlobAttestationFlags) => {
      if ((flags.signature === undefined) === (flags.bundle === undefined)) {
        throw new VouchError('USAGE', 'give exactly one of --signature and --bundle');
      }
      const key = await loadVerificationKey(flags.key, { env: ctx.io.env, cwd: ctx.io.cwd });
      let statement: Statement;
      if (flags.bundle !== undefined) {
        const b = await readSmallFile(flags.bundle, ctx.io.cwd, BUNDLE_MAX_BYTES, '--bundle');
        const v = verifyBundleWithKeys(parseBundle(b, flags.bundle), [key], { what: flags.bundle });
        if (v.content !== 'dsse-envelope' || v.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
          throw new VouchError('ATTESTATION_INVALID', `${flags.bundle}: holds no in-toto DSSE envelope`);
        }
        statement = parseStatement(v.payload, flags.bundle);
      } else {
        const path = flags.signature ?? '';
        const raw = (await readInput(ctx, path, DSSE_ENVELOPE_MAX_BYTES, '--signature'))
          .toString('utf8')
          .trim();
        // cosign accepts the envelope as JSON or base64 of the JSON.
        const text = raw.startsWith('{') ? raw : Buffer.from(raw, 'base64').toString('utf8');
        const env = parseEnvelope(Buffer.from(text, 'utf8'), `--signature ${path}`);
        const v = verifyEnvelope(env, [key], {
          expectedPayloadType: IN_TOTO_PAYLOAD_TYPE,
          what: `--signature ${path}`,
        });
        statement = parseStatement(v.payload, path);
      }
      if (flags.checkClaims) await checkClaims(ctx, statement, file, flags);
      if (flags.output === 'json') writeJson(ctx, { verified: true, keyId: key.keyId, statement });
      ctx.io.stderr.write('Verified OK\n');
    });
}

async function checkClaims(
  ctx: CommandContext,
  statement: Statement,
  file: string | undefined,
  flags: VerifyBlobAttestationFlags,
): Promise<void> {
  let digest: Digest;
  if (flags.digest !== undefined) digest = parseDigest(flags.digest, '--digest');
  else if (file !== undefined)
    digest = sha256Digest(await readInput(ctx, file, defaultLimits.jsonMaxBytes, 'blob'));
  else throw new VouchError('USAGE', 'give the file (or --digest) the attestation is about');
  if (!statementCoversDigest(statement, digest)) {
    throw new VouchError('DIGEST_MISMATCH', `the statement names no subject with digest ${digest}`, {
      hint: 'the file changed after it was attested, or the attestation is about another file',
    });
  }
  if (flags.type !== undefined) {
    const want = resolvePredicateType(flags.type);
    if (statement.predicateType !== want) {
      throw new VouchError(
        'ATTESTATION_INVALID',
        `predicate type ${statement.predicateType} != expected ${want}`,
      );
    }
  }
}
