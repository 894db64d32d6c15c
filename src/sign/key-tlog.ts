import type { Bundle } from '@sigstore/bundle';
import type { DsseEnvelope, PublicKeyMaterial } from '../crypto/index.js';
import { VouchError } from '../errors.js';
import type { CosignEntry } from './cosign-manifest.js';
import {
  checkRekorEntryBody,
  parseRekorEntryBody,
  type RekorSignedContent,
  type VerifiedRekorEntry,
  verifyCosignRekorBundle,
} from './keyless/rekor-bundle.js';
import type { TrustedRootMaterial } from './keyless/trusted-root.js';

/**
 * Transparency-log checking for key-verified signatures, as `cosign verify --key` does unless
 * `--insecure-ignore-tlog`: each signature counts only with a Rekor entry whose SET verifies with a log
 * key of this trusted root and whose body records this signature, payload and key.
 */
export interface KeyTlogTrust {
  trustedRoot: TrustedRootMaterial;
}

/** What a policy or CLI user can do about a key-signed image that was never logged. */
const NO_ENTRY_HINT =
  'set ctlog: {} / rekor.ignoreTlog (policies) or --insecure-ignore-tlog (CLI) if signing offline';

/**
 * Verifies the Rekor bundle annotation of a `.sig` / `.att` layer whose signature already verified
 * with `key` (pure): SET against the trusted root's log key for logID at integratedTime, body
 * kind/version, and the body must record this signature, the payload digest and `key` (same SPKI).
 * @throws TLOG_INVALID (no annotation, or it does not verify), INPUT_MALFORMED, INPUT_TOO_LARGE
 */
export function verifyKeyRekorEntry(input: {
  entry: CosignEntry;
  content: RekorSignedContent;
  key: PublicKeyMaterial;
  trust: KeyTlogTrust;
  what: string;
}): VerifiedRekorEntry {
  const { entry, what } = input;
  if (entry.rekorBundle === undefined || entry.rekorBundle === '') {
    throw new VouchError(
      'TLOG_INVALID',
      `${what}: no transparency-log entry (no dev.sigstore.cosign/bundle annotation); ${NO_ENTRY_HINT}`,
    );
  }
  return verifyCosignRekorBundle({
    rekorBundle: entry.rekorBundle,
    content: input.content,
    signer: { kind: 'key', spkiDer: input.key.spkiDer },
    rekorLogs: input.trust.trustedRoot.rekorLogs,
    what,
  });
}

/**
 * sigstore-js checks that a bundle's tlog entry records its signature and payload digest, but not the
 * key: an entry logged under another key with the same signature bytes (ECDSA admits keys crafted to
 * verify a given signature) would pass. Each entry body must name `key`, as cosign's comparePublicKey
 * requires. Pure; run after sigstore-js verified the entries' SET / inclusion proof.
 * @throws TLOG_INVALID
 */
export function checkBundleTlogKey(bundle: Bundle, key: PublicKeyMaterial, what: string): void {
  if (bundle.content.$case !== 'dsseEnvelope') {
    throw new VouchError('TLOG_INVALID', `${what}: image bundles carry a DSSE envelope`);
  }
  const env = bundle.content.dsseEnvelope;
  const envelope: DsseEnvelope = {
    payloadType: env.payloadType,
    payload: Buffer.from(env.payload).toString('base64'),
    signatures: env.signatures.map((s) => ({ sig: Buffer.from(s.sig).toString('base64'), keyid: s.keyid })),
  };
  bundle.verificationMaterial.tlogEntries.forEach((t, i) => {
    const w = `${what} tlogEntries[${i}]`;
    checkRekorEntryBody(
      parseRekorEntryBody(t.canonicalizedBody, w),
      { kind: 'dsse', envelope },
      { kind: 'key', spkiDer: key.spkiDer },
      w,
    );
  });
}
